/**
 * Rerank scores in the shared cache folder (`<cache>/rerank/`), content-addressed like traces and
 * embeddings: the key covers the query (text + media bytes), the candidate (text + media bytes), the
 * reranker's identity and config, its prompt version, the task family and the benchmark version. Entries are
 * written atomically as they arrive; a damaged entry reads as a miss.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Limiter } from '../backends/http.js';
import { writeFileAtomicAsync } from '../util/json.js';
import type { RerankScore } from './types.js';

function isScore(v: unknown): v is RerankScore {
  return typeof v === 'object' && v !== null && typeof (v as RerankScore).score === 'number' && Number.isFinite((v as RerankScore).score);
}

export class RerankCache {
  private readonly writes = new Limiter(16);
  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, 'rerank', key.slice(0, 2), `${key}.json`);
  }

  get(key: string): RerankScore | null {
    const p = this.path(key);
    if (!existsSync(p)) return null;
    try {
      const v: unknown = JSON.parse(readFileSync(p, 'utf8'));
      return isScore(v) ? v : null;
    } catch {
      return null;
    }
  }

  /** Resolves when the entry is on disk. */
  put(key: string, value: RerankScore): Promise<void> {
    return this.writes.run(() => writeFileAtomicAsync(this.path(key), JSON.stringify(value)));
  }
}
