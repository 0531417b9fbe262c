import { mkdirSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, DataError, OutputError } from '../errors.js';

/**
 * Write a file atomically: `write` fills a temporary sibling, which is fsynced and renamed over the target,
 * so a reader (or a resumed run) never sees a half-written result. A failure (a full disk, a read-only
 * folder) leaves the previous version whole and no temporary behind, and is one OutputError naming the file.
 */
export function writeAtomicWith(path: string, write: (fd: number) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* the folder itself is unusable: there is no temporary to remove */
    }
    throw new OutputError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeAtomicWith(path, (fd) => writeFileSync(fd, data));
}

/**
 * Write a file atomically off the main thread, without fsync: readers never see a torn file (temporary
 * sibling + rename), and the data survives the process being killed (it is in the page cache), but not
 * necessarily a power cut. For caches whose readers check each entry and treat a bad one as a miss —
 * where an fsync per entry would block on every write (and costs far more on network file systems).
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {}); // a full disk must not also leave half-written files behind
    throw err;
  }
}

/** JSON with a trailing newline; key order is the insertion order the caller chose. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent) + '\n';
}

export function writeJsonAtomic(path: string, value: unknown, indent = 2): void {
  writeFileAtomic(path, toJson(value, indent));
}

/** Compact JSON line (what `dump` and pred.jsonl use): no spaces, UTF-8, no \u escapes beyond JSON's own. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  }
}

/** A whole JSON file; a missing file or bad JSON is a DataError naming the file. */
export function readJsonFile<T = unknown>(file: string): T {
  const text = readText(file);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataError(`invalid JSON: ${(err as Error).message}`, { file });
  }
}

/** A configuration file (backend, task catalog, prices): unreadable or bad JSON is a ConfigError naming it. */
export function readConfigJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${what}: ${(err as Error).message}`, { file });
  }
}

/** JSON Lines: one value per non-blank line, with its 1-based line number; bad JSON names file and line. */
export function readJsonLines(file: string): { value: unknown; line: number }[] {
  const out: { value: unknown; line: number }[] = [];
  readText(file)
    .split('\n')
    .forEach((raw, i) => {
      if (!raw.trim()) return;
      try {
        out.push({ value: JSON.parse(raw), line: i + 1 });
      } catch (err) {
        throw new DataError(`invalid JSON: ${(err as Error).message}`, { file, line: i + 1 });
      }
    });
  return out;
}
