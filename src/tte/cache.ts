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
import { crc32 } from 'node:zlib';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ModelMedia, Trace } from '../backends/types.js';
import { DataError, OutputError } from '../errors.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../util/json.js';
import { firstNonFinite } from '../util/vector.js';
import { audioCacheKey } from '../media/audio-key.js';

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tte-bench');
}

/**
 * One digest per loaded medium: of its encoded bytes (images, frames), or of the prepared samples and their rate
 * for audio (`audioCacheKey`: what the model hears, so a change to decoding, segment, resampling or crop moves it).
 */
export function mediaDigest(media: ModelMedia[]): string[] {
  return media.map((m) => {
    if (m.kind === 'audio') return createHash('sha256').update(audioCacheKey(m)).digest('hex');
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

/**
 * An embedding entry: 'TTEV' | dimension (uint32 LE) | CRC-32 of the payload (uint32 LE) | float32 payload.
 * Storing the dimension and a checksum makes a cut or altered entry a miss even when the cut falls on a
 * 4-byte boundary (a raw float32 file cut to 4096 bytes would otherwise read as a valid 1024-dim vector).
 */
const MAGIC = 0x56455454; // 'TTEV' little-endian
const HEADER = 12;

export function encodeVector(v: Float32Array): Uint8Array {
  // copy: the caller's vector may share its buffer with others (a batch result)
  const out = new Uint8Array(HEADER + v.byteLength);
  out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), HEADER);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, v.length, true);
  view.setUint32(8, crc32(out.subarray(HEADER)), true);
  return out;
}

/** The vector of an entry, or null when the entry is damaged (wrong size, checksum, or a non-finite value). */
export function decodeVector(buf: Uint8Array): Float32Array | null {
  if (buf.byteLength < HEADER + 4) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const dim = view.getUint32(4, true);
  if (buf.byteLength !== HEADER + dim * 4) return null;
  const payload = buf.subarray(HEADER);
  if (crc32(payload) !== view.getUint32(8, true)) return null;
  // a private, aligned copy (Buffer#slice would not copy, and the payload starts at an offset)
  const v = new Float32Array(dim);
  new Uint8Array(v.buffer).set(payload);
  return firstNonFinite(v) < 0 ? v : null;
}

/** Files written at once: each write holds a file descriptor. */
const MAX_WRITES = 16;

export class Cache {
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private readonly dims = new Map<string, number>();

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
    return decodeVector(readFileSync(p)); // null for a damaged entry: a miss
  }

  /** Store a vector; resolves when it is on disk. */
  putEmbedding(key: string, v: Float32Array): Promise<void> {
    return this.write(this.path('embeddings', key, '.f32'), encodeVector(v));
  }

  /**
   * One dimension per cache namespace (an embedder's identity): the first vector stored or read under a
   * model records its dimension; a vector of another dimension is refused, naming the model, the item
   * and both dimensions, so a server swapped behind the same name can never mix its vectors with the old
   * ones. The record is a small file beside the entries, so later runs and other processes check it too.
   */
  checkDimension(namespace: string, model: string, dim: number, item: string): void {
    let known = this.dims.get(namespace);
    if (known === undefined) {
      const p = join(this.dir, 'dimensions', `${namespace}.json`);
      try {
        const rec = JSON.parse(readFileSync(p, 'utf8')) as { dim?: unknown };
        if (typeof rec.dim === 'number' && Number.isInteger(rec.dim) && rec.dim > 0) known = rec.dim;
      } catch {
        /* no record yet, or a damaged one: this vector writes it */
      }
      if (known === undefined) {
        known = dim;
        writeFileAtomic(p, JSON.stringify({ model, dim }));
      }
      this.dims.set(namespace, known);
    }
    if (dim !== known) {
      throw new DataError(
        `model ${model}: item ${item} has a ${dim}-dimensional vector, but this model's cache namespace holds ${known}-dimensional vectors ` +
          `(${join(this.dir, 'dimensions', `${namespace}.json`)}); the model behind this config changed — use another --cache-dir or remove that namespace`,
      );
    }
  }

  private async write(path: string, data: string | Uint8Array): Promise<void> {
    if (this.active >= MAX_WRITES) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      await writeFileAtomicAsync(path, data);
    } catch (err) {
      throw new OutputError(`cannot write cache entry ${path}: ${(err as Error).message}`);
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
