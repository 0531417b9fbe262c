import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding tte-bench's package.json, found by walking up from this module, so that the same
 * code finds tasks/ and its schemas whether it runs from src/ (tests, tsx) or dist/src/ (the CLI).
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tte-bench') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tte-bench package root not found');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
