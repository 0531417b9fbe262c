/**
 * Content-addressed caches for reasoning traces and embeddings, shared by every run and every process
 * on a machine (or a shared file system). A key covers everything that determines the value: the item's
 * text and the bytes of its media, the model identity and its config, the prompt version, and the
 * benchmark version. Change any of them and the key changes: nothing stale is ever reused.
 *
 * Entries are written atomically (temporary file + rename), so concurrent writers of the same key are
 * harmless, and off the main thread without fsync, so a model answer is stored without stalling the
 * requests in flight. A killed process keeps what it wrote; an entry damaged some other way (a power cut,
 * a truncated copy) fails the check on reading and counts as a miss, so it is asked for again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LoadedMedia, Trace } from '../backends/types.js';
import { writeFileAtomicAsync } from '../util/json.js';

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tte-bench');
}

export function mediaDigest(media: LoadedMedia[]): string[] {
  return media.map((m) => {
    const h = createHash('sha256');
    h.update(m.kind);
    for (const d of m.kind === 'image' ? [m.data] : m.data) h.update(createHash('sha256').update(d).digest());
    return h.digest('hex');
  });
}

export function cacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function isTrace(v: unknown): v is Trace {
  return typeof v === 'object' && v !== null && typeof (v as Trace).text === 'string';
}

export class Cache {
  private readonly pending = new Set<Promise<void>>();
  private writeError: Error | null = null;

  constructor(readonly dir: string) {}

  private path(kind: 'traces' | 'embeddings', key: string, ext: string): string {
    return join(this.dir, kind, key.slice(0, 2), `${key}${ext}`);
  }

  getTrace(key: string): Trace | null {
    const p = this.path('traces', key, '.json');
    if (!existsSync(p)) return null;
    try {
      const t: unknown = JSON.parse(readFileSync(p, 'utf8'));
      return isTrace(t) ? t : null;
    } catch {
      return null; // damaged entry: a miss
    }
  }

  putTrace(key: string, trace: Trace): void {
    this.write(this.path('traces', key, '.json'), JSON.stringify(trace));
  }

  getEmbedding(key: string): Float32Array | null {
    const p = this.path('embeddings', key, '.f32');
    if (!existsSync(p)) return null;
    const buf = readFileSync(p);
    if (buf.byteLength === 0 || buf.byteLength % 4 !== 0) return null; // damaged entry: a miss
    const v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return v.every(Number.isFinite) ? v : null;
  }

  putEmbedding(key: string, v: Float32Array): void {
    // copy: the caller's vector may share its buffer with others (a batch result)
    this.write(this.path('embeddings', key, '.f32'), new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
  }

  private write(path: string, data: string | Uint8Array): void {
    if (this.writeError) throw this.writeError;
    const w = writeFileAtomicAsync(path, data).then(
      () => void this.pending.delete(w),
      (err: Error) => {
        this.pending.delete(w);
        this.writeError ??= new Error(`cannot write cache entry ${path}: ${err.message}`);
      },
    );
    this.pending.add(w);
  }

  /** Wait for every write started so far; throws the first write error, if any. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    if (this.writeError) throw this.writeError;
  }
}
