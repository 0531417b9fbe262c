/**
 * Content-addressed caches for reasoning traces and embeddings, shared by every run and every process
 * on a machine (or a shared file system). A key covers everything that determines the value: the item's
 * text and the bytes of its media, the model identity and its config, the prompt version, and the
 * benchmark version. Change any of them and the key changes: nothing stale is ever reused.
 *
 * Entries are written atomically (temporary file + rename), so concurrent writers of the same key are
 * harmless, and off the main thread without fsync, so storing an answer does not stall the requests in
 * flight (an fsync per entry blocks for a millisecond on a local disk and far longer on a network file
 * system). A killed process keeps what it wrote; an entry damaged some other way (a power cut, a truncated
 * copy) fails the check on reading and counts as a miss, so it is asked for again.
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

/** Files written at once: each write holds a file descriptor. */
const MAX_WRITES = 16;

export class Cache {
  private readonly queue: (() => void)[] = [];
  private active = 0;

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

  /** Store a trace; resolves when it is on disk. */
  putTrace(key: string, trace: Trace): Promise<void> {
    return this.write(this.path('traces', key, '.json'), JSON.stringify(trace));
  }

  getEmbedding(key: string): Float32Array | null {
    const p = this.path('embeddings', key, '.f32');
    if (!existsSync(p)) return null;
    const buf = readFileSync(p);
    if (buf.byteLength === 0 || buf.byteLength % 4 !== 0) return null; // damaged entry: a miss
    const v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    return v.every(Number.isFinite) ? v : null;
  }

  /** Store a vector; resolves when it is on disk. */
  putEmbedding(key: string, v: Float32Array): Promise<void> {
    // copy: the caller's vector may share its buffer with others (a batch result)
    return this.write(this.path('embeddings', key, '.f32'), new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
  }

  private async write(path: string, data: string | Uint8Array): Promise<void> {
    if (this.active >= MAX_WRITES) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      await writeFileAtomicAsync(path, data);
    } catch (err) {
      throw new Error(`cannot write cache entry ${path}: ${(err as Error).message}`);
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
