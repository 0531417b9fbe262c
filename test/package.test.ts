/**
 * The package as a user gets it: `npm pack`, installed offline (from the npm cache `npm ci` filled) into an
 * empty folder with the one documented setting, the CLI run from there, and the README's library example run
 * there as written — importing 'tte-bench' by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

/** The first ```js block after the "Use as a library" heading. */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use as a library'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a js example under "Use as a library"');
  return m[1];
}

/**
 * The consumer's lockfile: tte-bench from the tarball, with exactly the dependency tree this repository's
 * lockfile pins (its runtime part). npm then installs offline from the cache `npm ci` filled, and the
 * package's own `dependencies` must name every module it imports — an undeclared import fails at run time.
 */
function consumerLock(tarball: string): unknown {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    bin: unknown;
    engines: unknown;
  };
  const lock = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { 'tte-bench': tarball } },
    'node_modules/tte-bench': {
      version: pkg.version,
      resolved: tarball,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path && !entry.dev) packages[path] = entry;
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

test('packed tarball installs offline, `import("tte-bench")` runs the README example and the gate', { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tte-pack-'));
  try {
    const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
      execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // dist/ is already compiled by `npm test`; packing must not rebuild it
    const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], PACKAGE_ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0].files.map((f) => f.path);
    // only what users need: no tests, fixtures, benchmarks or source maps
    assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts'));
    assert.ok(files.includes('tasks/mmeb-v2/image.json') && files.includes('schemas/run-summary.schema.json'));
    assert.deepEqual(
      files.filter((f) => /^(test|bench|dist\/test|dist\/bench|scripts)\//.test(f) || f.endsWith('.map')),
      [],
    );

    const consumer = join(work, 'consumer');
    run('mkdir', ['-p', consumer], work);
    const tarball = `file:../${packed[0].filename}`;
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'tte-bench': tarball } }),
    );
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLock(tarball)));
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer, { ONNXRUNTIME_NODE_INSTALL: 'skip' });
    assert.ok(existsSync(join(consumer, 'node_modules', 'tte-bench', 'dist', 'src', 'index.js')));

    // the installed CLI writes the baseline the example gates against
    run(
      join(consumer, 'node_modules', '.bin', 'tte-bench'),
      ['run', '--suite', 'mini', '--out', 'results/baseline', '--no-cache'],
      consumer,
    );
    assert.ok(existsSync(join(consumer, 'results', 'baseline', 'summary.json')));

    writeFileSync(join(consumer, 'example.mjs'), readmeLibraryExample());
    const out = run('node', ['example.mjs'], consumer);
    assert.match(out, /^overall \d+\.\d\d over 13 tasks$/m);
    assert.match(out, /^gate: passed$/m);
    // the API run and the CLI run of the same suite and model give the same scores
    const summary = (dir: string) =>
      JSON.parse(readFileSync(join(consumer, 'results', dir, 'summary.json'), 'utf8')) as { tasks: unknown; rollup: unknown };
    assert.deepEqual(summary('mini-api').tasks, summary('baseline').tasks);
    assert.deepEqual(summary('mini-api').rollup, summary('baseline').rollup);
    assert.ok(readdirSync(join(consumer, 'results', 'mini-api')).some((f) => f.endsWith('_pred.jsonl')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
