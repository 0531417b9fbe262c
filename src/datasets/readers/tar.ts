/**
 * A small streaming tar reader (POSIX ustar, GNU long names, pax path/linkpath/size records) over one file or
 * several parts read back to back, gzip detected by its magic bytes as Python's tarfile mode "r:*" does. Used to
 * unpack the MMEB-V3 archives: `checkTar` reads the whole archive once (gzip CRC, header checksums, truncation,
 * member paths) before `extractTar` writes anything, as dataset_setup_v3.py checks every member before extractall.
 */
import {
  createReadStream,
  createWriteStream,
  closeSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  symlinkSync,
  copyFileSync,
  rmSync,
} from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { DataError } from '../../errors.js';

export interface TarEntry {
  /** Normalised member path (POSIX, no leading './'). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  size: number;
  mode: number;
  linkpath: string;
}

/** Bytes of several files in order, as one stream (the script's _ConcatReader). */
function concatenated(files: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const f of files) for await (const chunk of createReadStream(f)) yield chunk as Buffer;
    })(),
  );
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Reads exact byte counts from an async chunk source. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    return this.buf.length >= n;
  }
  /** Exactly n bytes, or null at a clean end of input (nothing left). */
  async take(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.buf.length === 0) return null;
      throw new Error(`truncated: ${this.buf.length} of ${n} bytes`);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** n bytes handed on in chunks as they arrive. */
  async pipe(n: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!this.buf.length && !(await this.fill(1))) throw new Error(`truncated member data (${left} bytes missing)`);
      const chunk = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(chunk.length);
      left -= chunk.length;
      await sink(chunk);
    }
  }
}

const cstr = (b: Buffer, start: number, len: number): string => {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('utf8');
};

function octal(b: Buffer, start: number, len: number, what: string): number {
  // GNU base-256 for large sizes
  if (b[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cstr(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`bad ${what} field '${s}'`);
  return Number.parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8, 'checksum');
  let unsigned = 0;
  for (let i = 0; i < 512; i++) unsigned += i >= 148 && i < 156 ? 32 : h[i];
  return stored === unsigned;
}

/** Normalised member path, or an error for one that would leave the destination (absolute, `..`). */
export function safeMemberPath(name: string): string {
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/') || /^[A-Za-z]:\//.test(n)) throw new Error(`unsafe member path '${name}' (absolute)`);
  const norm = posix.normalize(n).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) throw new Error(`unsafe member path '${name}' (leaves the destination)`);
  return norm === '.' ? '' : norm.replace(/^\.\//, '');
}

/** Visit every member; `body` receives a file member's bytes (when given; otherwise they are skipped). */
async function walkTar(
  files: string[],
  visit: (e: TarEntry, body: (sink: (chunk: Buffer) => Promise<void> | void) => Promise<void>) => Promise<void>,
): Promise<number> {
  const raw = concatenated(files);
  const source: Readable = isGzip(files[0]) ? raw.pipe(createGunzip()) : raw;
  try {
    return await walkStream(source, visit);
  } finally {
    source.destroy();
    raw.destroy();
  }
}

async function walkStream(
  source: Readable,
  visit: (e: TarEntry, body: (sink: (chunk: Buffer) => Promise<void> | void) => Promise<void>) => Promise<void>,
): Promise<number> {
  const reader = new ByteReader(source[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  let count = 0;
  for (;;) {
    const h = await reader.take(512);
    if (h === null || h.every((x) => x === 0)) break; // end-of-archive block (or a clean end, as tarfile accepts)
    if (!checksumOk(h)) throw new Error(`bad header checksum after ${count} member(s)`);
    const flag = String.fromCharCode(h[156] || 48);
    let size = octal(h, 124, 12, 'size');
    const padded = Math.ceil(size / 512) * 512;
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      const data = (await reader.take(padded)) ?? Buffer.alloc(0);
      if (data.length < padded) throw new Error('truncated extended header');
      const text = data.subarray(0, size);
      if (flag === 'L') longName = cstr(text, 0, size);
      else if (flag === 'K') longLink = cstr(text, 0, size);
      else if (flag === 'x') pax = parsePax(text.toString('utf8'));
      continue;
    }
    if (flag === 'S') throw new Error('sparse members are not supported');
    const prefix = cstr(h, 345, 155);
    const ustar = cstr(h, 257, 6).startsWith('ustar');
    const rawName = pax.path ?? longName ?? (ustar && prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    if (pax.size !== undefined) size = Number(pax.size);
    const linkpath = pax.linkpath ?? longLink ?? cstr(h, 157, 100);
    longName = longLink = null;
    pax = {};
    const type: TarEntry['type'] =
      flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
    const entry: TarEntry = { path: safeMemberPath(rawName), type, size, mode: octal(h, 100, 8, 'mode'), linkpath };
    const dataLen = Math.ceil(size / 512) * 512;
    let consumed = false;
    await visit(entry, async (sink) => {
      consumed = true;
      await reader.pipe(size, sink);
      await reader.pipe(dataLen - size, () => {});
    });
    if (!consumed) await reader.pipe(dataLen, () => {});
    count++;
  }
  return count;
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    const len = Number(text.slice(i, sp));
    if (!(len > 0) || sp < 0) throw new Error('bad pax header');
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The first member's path (the script names an audio archive's target by it), reading one header. */
export async function firstTarMember(file: string): Promise<string> {
  const stop = new Error('first member read');
  let first = '';
  try {
    await walkTar([file], async (e) => {
      first = e.path;
      throw stop;
    });
  } catch (err) {
    if (err !== stop) throw new DataError(`archive check failed: ${(err as Error).message}`, { file });
  }
  return first;
}

const label = (files: string[]): string => (files.length > 1 ? `${files[0]} (+${files.length - 1} part(s))` : files[0]);

/** Read the whole archive without writing: gzip and tar integrity, and every member path (also link targets) safe. */
export async function checkTar(files: string[]): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  try {
    await walkTar(files, async (e, body) => {
      if (e.type === 'symlink') linkTarget(e);
      if (e.type === 'hardlink') safeMemberPath(e.linkpath);
      entries.push(e);
      await body(() => {});
    });
  } catch (err) {
    throw new DataError(`archive check failed: ${(err as Error).message}`, { file: label(files) });
  }
  return entries;
}

/** A symlink's target relative to the destination; one that leaves it is refused. */
function linkTarget(e: TarEntry): string {
  if (isAbsolute(e.linkpath)) throw new Error(`unsafe link '${e.path}' -> '${e.linkpath}' (absolute)`);
  const resolved = posix.normalize(posix.join(posix.dirname(e.path), e.linkpath));
  if (resolved === '..' || resolved.startsWith('../'))
    throw new Error(`unsafe link '${e.path}' -> '${e.linkpath}' (leaves the destination)`);
  return resolved;
}

/** Unpack into `dest` (created); checks again that nothing is written through a link out of `dest`. */
export async function extractTar(files: string[], dest: string): Promise<number> {
  mkdirSync(dest, { recursive: true });
  const realDest = realpathSync(dest);
  const inside = (p: string): void => {
    const back = relative(realDest, realpathSync(p));
    if (back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back)) throw new Error(`'${p}' resolves outside ${dest}`);
  };
  try {
    return await walkTar(files, async (e, body) => {
      if (!e.path) return;
      const target = join(dest, ...e.path.split('/'));
      const parent = dirname(target);
      mkdirSync(parent, { recursive: true });
      inside(parent);
      if (e.type === 'dir') {
        mkdirSync(target, { recursive: true });
        return;
      }
      if (e.type === 'symlink') {
        linkTarget(e);
        rmSync(target, { force: true, recursive: true });
        symlinkSync(e.linkpath, target);
        return;
      }
      if (e.type === 'hardlink') {
        const from = join(dest, ...safeMemberPath(e.linkpath).split('/'));
        inside(from);
        copyFileSync(from, target);
        return;
      }
      if (e.type !== 'file') return;
      rmSync(target, { force: true, recursive: true });
      const out = createWriteStream(target, { mode: (e.mode & 0o777) | 0o600 });
      await body(async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      });
      out.end();
      await once(out, 'close');
    });
  } catch (err) {
    throw new DataError(`unpacking failed: ${(err as Error).message}`, { file: label(files) });
  }
}
