import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** A stable hash of a JSON-able value (object keys sorted). */
export function hashJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canon(value)))
    .digest('hex');
}

/** Size and modification time of each data file: changes when a snapshot is re-downloaded. */
export function dataFingerprint(files: string[]): { file: string; size: number; mtimeMs: number }[] {
  return [...new Set(files)].sort().map((file) => {
    const s = statSync(file);
    return { file, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
  });
}

/**
 * What must be unchanged for a finished task to be resumed from its recorded data files alone, without
 * resolving and reading the data again: each folder from a data file up to the data root (or Hugging Face
 * root) that contains it — a folder's mtime changes when a file in it is added, removed or replaced — and
 * any dataset card (README.md) in those folders, which decides which files a split resolves to. Size and
 * mtime only; nothing is read.
 */
export function resumeGuard(files: string[], roots: string[]): Record<string, [number, number] | null> {
  const guard: Record<string, [number, number] | null> = {};
  const stat = (p: string) => {
    if (p in guard) return;
    const s = statSync(p, { throwIfNoEntry: false });
    guard[p] = s ? [s.size, Math.trunc(s.mtimeMs)] : null;
  };
  const under = roots.map((r) => resolve(r));
  for (const file of new Set(files)) {
    const top = under.find((r) => resolve(file).startsWith(r + sep));
    let dir = dirname(resolve(file));
    for (;;) {
      stat(dir);
      stat(join(dir, 'README.md'));
      if (!top || dir === top || dirname(dir) === dir) break;
      dir = dirname(dir);
    }
  }
  return guard;
}

/** Two guards record the same paths with the same size and mtime. */
export function sameGuard(a: Record<string, [number, number] | null>, b: Record<string, [number, number] | null>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => k in b && (a[k] === null ? b[k] === null : b[k] !== null && a[k][0] === b[k]?.[0] && a[k][1] === b[k]?.[1]));
}
