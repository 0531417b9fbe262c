import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { DataError, type ErrorLocation } from '../errors.js';
import { listFrameFiles } from './frames.js';
import { readJsonFile } from '../util/json.js';
import { ioCounts } from '../util/io-counts.js';

/**
 * The downloaded MMEB-V2 data root. Every media path from the data goes through here: paths are kept
 * relative to the root (POSIX, normalised), and anything that would leave the root — absolute paths,
 * `..` segments, symlinks pointing outside — is rejected with the row it came from.
 */
export class DataRoot {
  readonly dir: string;
  private readonly realDir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) throw new DataError('data root is not a folder', { file: dir });
    this.realDir = realpathSync(this.dir);
  }

  /** Join segments into a normalised root-relative POSIX path, refusing escapes. */
  rel(segments: string[], where: ErrorLocation = {}): string {
    for (const s of segments) {
      if (isAbsolute(s) || /^[A-Za-z]:[\\/]/.test(s)) throw new DataError(`absolute media path '${s}' is not allowed`, where);
      if (s.includes('\0')) throw new DataError('media path contains a NUL byte', where);
    }
    const joined = posix.normalize(
      segments
        .filter((s) => s !== '')
        .join('/')
        .replace(/\\/g, '/'),
    );
    if (joined === '..' || joined.startsWith('../') || joined.startsWith('/')) {
      throw new DataError(`media path '${segments.join('/')}' leaves the data root`, where);
    }
    return joined.replace(/\/+$/, '').replace(/^\.\//, '');
  }

  abs(relPath: string): string {
    return join(this.dir, ...relPath.split('/'));
  }

  /** True when the path exists and resolves (through symlinks) inside the root; throws if it escapes. */
  exists(relPath: string, where: ErrorLocation = {}): boolean {
    const abs = this.abs(relPath);
    ioCounts.mediaChecks++;
    if (!existsSync(abs)) return false;
    const real = realpathSync(abs);
    const back = relative(this.realDir, real);
    if (back.startsWith('..') || isAbsolute(back) || back.split(sep)[0] === '..') {
      throw new DataError(`media path '${relPath}' resolves outside the data root (symlink)`, where);
    }
    return true;
  }

  isDir(relPath: string): boolean {
    ioCounts.mediaChecks++;
    try {
      return statSync(this.abs(relPath)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Frame files of a frame folder, root-relative, natural order. */
  frames(relDir: string, where: ErrorLocation = {}): string[] {
    ioCounts.mediaChecks++;
    if (this.isDir(relDir)) this.exists(relDir, where);
    return listFrameFiles(this.abs(relDir)).map((f) => `${relDir}/${f}`);
  }
}

/**
 * The data root a results folder was made from: `override` when given, else the data_root its manifest.json
 * names; null when there is none or it no longer opens (moved or deleted), so that readers of an old run (the
 * trace export, the report browser) treat its media as unavailable instead of failing.
 */
export function runDataRoot(runDir: string, override?: string): DataRoot | null {
  const manifest = join(runDir, 'manifest.json');
  const dir = override ?? (existsSync(manifest) ? readJsonFile<{ data_root?: string }>(manifest).data_root : undefined);
  try {
    return dir ? new DataRoot(dir) : null;
  } catch {
    return null;
  }
}
