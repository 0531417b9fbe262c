/**
 * Writing many lines without building them as one string: predictions for 100k queries × 100 ids would
 * near V8's string length limit and hold the whole file in memory twice. Lines are gathered into chunks of
 * about 1 MB and written as they come; the result is byte for byte what joining them would give.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputError } from '../errors.js';

const CHUNK = 1 << 20;

/** Feed `lines` (each already ending in '\n', or not: they are written as given) to `sink` in ~1 MB chunks. */
function chunked(lines: Iterable<string>, sink: (chunk: string) => void): void {
  let parts: string[] = [];
  let size = 0;
  for (const line of lines) {
    parts.push(line);
    size += line.length;
    if (size >= CHUNK) {
      sink(parts.join(''));
      parts = [];
      size = 0;
    }
  }
  if (parts.length) sink(parts.join(''));
}

/** Write lines to a file atomically (temporary sibling, fsync, rename), as `writeFileAtomic` does with one string. */
export function writeLinesAtomic(path: string, lines: Iterable<string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      chunked(lines, (chunk) => {
        const bytes = Buffer.from(chunk, 'utf8');
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // a full disk or a read-only folder: the previous version of the file stays whole, no temporary is left
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the folder itself is unusable: there is no temporary to remove */
    }
    throw new OutputError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

/** Lines to --out (atomically) when given, else to stdout, in chunks. */
export function emitLines(lines: Iterable<string>, out?: string): void {
  if (out) writeLinesAtomic(out, lines);
  else chunked(lines, (chunk) => process.stdout.write(chunk));
}
