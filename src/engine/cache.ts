/**
 * Content-addressed caches for reasoning traces and embeddings, shared by every run and every process
 * on a machine (or a shared file system). A key covers everything that determines the value: the item's
 * text and the bytes of its media, the model identity and its config, the prompt version, and the
 * benchmark version. Change any of them and the key changes: nothing stale is ever reused. Entries are
 * written atomically, so concurrent writers of the same key are harmless.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LoadedMedia, Trace } from '../backends/types.js';
import { writeFileAtomic } from '../util/json.js';

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

export class Cache {
  constructor(readonly dir: string) {}

  private path(kind: 'traces' | 'embeddings', key: string, ext: string): string {
    return join(this.dir, kind, key.slice(0, 2), `${key}${ext}`);
  }

  getTrace(key: string): Trace | null {
    const p = this.path('traces', key, '.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Trace) : null;
  }

  putTrace(key: string, trace: Trace): void {
    writeFileAtomic(this.path('traces', key, '.json'), JSON.stringify(trace));
  }

  getEmbedding(key: string): Float32Array | null {
    const p = this.path('embeddings', key, '.f32');
    if (!existsSync(p)) return null;
    const buf = readFileSync(p);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }

  putEmbedding(key: string, v: Float32Array): void {
    writeFileAtomic(this.path('embeddings', key, '.f32'), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
}
