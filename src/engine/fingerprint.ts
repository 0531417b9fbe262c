import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

/** A stable hash of a JSON-able value (object keys sorted). */
export function hashJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex');
}

/** Size and modification time of each data file: changes when a snapshot is re-downloaded. */
export function dataFingerprint(files: string[]): { file: string; size: number; mtimeMs: number }[] {
  return [...new Set(files)].sort().map((file) => {
    const s = statSync(file);
    return { file, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
  });
}
