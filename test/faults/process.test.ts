/**
 * Process faults: SIGKILL at seeded random points then resume (identical results, no request repeated
 * beyond those in flight), a crashing worker replaced and its call retried once, and writes that fail
 * (file size limit standing in for a full disk; a read-only or impossible results folder) with a clear
 * error and earlier results intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PooledTransformersEmbedder } from '../../src/backends/transformers-pool.js';
import { DualEncoderEmbedder } from '../../src/backends/transformers.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { seededRandom } from '../../src/util/random.js';
import { BIN, FIXTURES, runCli, tempDir } from '../helpers.js';
import { faultBackend, listFiles, runCliAsync, startFaultServer } from './support.js';

const TASKS = 'ImageNet-1K,MSCOCO_i2t,ViDoRe_arxivqa';
const results = (dir: string) =>
  listFiles(dir)
    .filter((f) => /(_score\.json|_pred\.jsonl|^summary\.json)$/.test(f))
    .sort();

test('SIGKILL at seeded random points, then resume: identical results, no request repeated beyond those in flight', async () => {
  const server = await startFaultServer({ latencyMs: 3 });
  try {
    const dir = tempDir();
    const maxConcurrency = 4;
    const backend = faultBackend(dir, server.url, { maxConcurrency });
    const args = (out: string, cache: string) => [
      'run',
      '--suite',
      'mini',
      '--tasks',
      TASKS,
      '--backend',
      backend,
      '--cache-dir',
      cache,
      '--out',
      out,
      '--report-dir',
      join(dir, 'rep'),
    ];
    const ref = await runCliAsync(args(join(dir, 'ref'), join(dir, 'ref-cache')));
    assert.equal(ref.status, 0, ref.stderr);
    const total = server.requests.length;
    assert.ok(total > 20, `${total} requests`);
    const random = seededRandom(20261130);
    const before = server.requests.length;
    let killed = 0;
    for (let i = 0; i < 3; i++) {
      // a random point within what is still to be asked (the cache answers the rest)
      const remaining = total - new Set(server.requests.slice(before)).size;
      if (remaining < 4) break;
      const at = 1 + Math.floor(random() * (remaining - 2));
      const start = server.requests.length;
      const child = spawn(process.execPath, [BIN, ...args(join(dir, 'out'), join(dir, 'cache'))], { cwd: PACKAGE_ROOT, stdio: 'ignore' });
      server.plan.onRequest = (n) => {
        if (n - start >= at) child.kill('SIGKILL');
      };
      const signal = await new Promise<string | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
      server.plan.onRequest = undefined;
      if (signal === 'SIGKILL') killed++;
    }
    assert.ok(killed >= 1, 'at least one run was killed mid-way');
    const last = await runCliAsync(args(join(dir, 'out'), join(dir, 'cache')));
    assert.equal(last.status, 0, last.stderr);
    for (const f of results(join(dir, 'ref'))) {
      assert.equal(readFileSync(join(dir, 'out', f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
    }
    assert.deepEqual(results(join(dir, 'out')), results(join(dir, 'ref')));
    // every item asked once, except the calls in flight at a kill: requests awaiting an answer and answers
    // still being written — maxConcurrency + 1 calls per side, queries and candidates side by side
    const asked = server.requests.slice(before);
    const repeats = asked.length - new Set(asked).size;
    assert.equal(new Set(asked).size, new Set(server.requests.slice(0, before)).size, 'the same items as the uninterrupted run');
    assert.ok(repeats <= killed * 2 * (maxConcurrency + 1), `${repeats} repeated requests for ${killed} kill(s)`);
  } finally {
    await server.close();
  }
});

test('a crashing local-model worker is replaced and its call retried once', async () => {
  const model = join(FIXTURES, 'tiny-models', 'tiny-clip');
  const items = Array.from({ length: 6 }, (_, i) => ({ text: `a photo number ${i}`, media: [], role: 'query' as const }));
  const direct = await DualEncoderEmbedder.load({ model, architecture: 'clip' });
  const want = await direct.embed(items);
  await direct.close();
  const marker = join(tempDir(), 'crash-once');
  writeFileSync(marker, '');
  process.env.TTE_BENCH_FAULT_WORKER_EXIT = marker;
  const pool = new PooledTransformersEmbedder({ model, architecture: 'clip' }, 1);
  try {
    const got = await pool.embed(items);
    assert.equal(existsSync(marker), false, 'the worker crashed');
    assert.equal(got.length, want.length);
    got.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - want[i][j]) < 1e-5)));
    // the replacement keeps serving
    assert.equal((await pool.embed(items.slice(0, 2))).length, 2);
  } finally {
    delete process.env.TTE_BENCH_FAULT_WORKER_EXIT;
    await pool.close();
  }
});

test('a write that fails (file size limit, like a full disk): one clear line, earlier results intact, no temporary files', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const first = runCli(['run', '--suite', 'mini', '--tasks', 'ImageNet-1K', '--no-cache', '--out', out, '--report-dir', join(dir, 'r')]);
  assert.equal(first.status, 0, first.stderr);
  const kept = Object.fromEntries(results(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
  // RLIMIT_FSIZE of 1 KiB with SIGXFSZ ignored: writes past it fail with EFBIG, as a full disk fails with ENOSPC
  const r = spawnSync(
    'bash',
    [
      '-c',
      `trap '' XFSZ; ulimit -f 1; exec "$0" "$@"`,
      process.execPath,
      BIN,
      'run',
      '--suite',
      'mini',
      '--tasks',
      `ImageNet-1K,${'MSCOCO_i2t'}`,
      '--no-cache',
      '--out',
      out,
      '--report-dir',
      join(dir, 'r'),
    ],
    { cwd: PACKAGE_ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1], /^tte-bench: cannot write .*MSCOCO_i2t_\w+\.json\w*: EFBIG: file too large/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  for (const [f, text] of Object.entries(kept)) assert.equal(readFileSync(join(out, f), 'utf8'), text, `${f} intact`);
  assert.deepEqual(
    listFiles(out).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

test('a results folder that cannot be written: one clear line, nothing lost', (t) => {
  const dir = tempDir();
  // a file where the results folder should be: fails for every user, root included
  writeFileSync(join(dir, 'taken'), 'x');
  const r = runCli([
    'run',
    '--suite',
    'mini',
    '--tasks',
    'ImageNet-1K',
    '--no-cache',
    '--out',
    join(dir, 'taken', 'out'),
    '--report-dir',
    join(dir, 'r'),
  ]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^tte-bench: cannot write .*taken\/out\/.*: (ENOTDIR|EEXIST)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  if (process.getuid?.() === 0) {
    t.diagnostic('running as root: file modes do not stop root, the read-only-folder case is skipped');
    return;
  }
  const ro = join(dir, 'ro');
  const first = runCli(['run', '--suite', 'mini', '--tasks', 'ImageNet-1K', '--no-cache', '--out', ro, '--report-dir', join(dir, 'r2')]);
  assert.equal(first.status, 0, first.stderr);
  const kept = Object.fromEntries(results(ro).map((f) => [f, readFileSync(join(ro, f), 'utf8')]));
  chmodSync(ro, 0o555);
  try {
    const again = runCli([
      'run',
      '--suite',
      'mini',
      '--tasks',
      'ImageNet-1K,MSCOCO_i2t',
      '--no-cache',
      '--out',
      ro,
      '--report-dir',
      join(dir, 'r2'),
    ]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /cannot write .*: EACCES/);
    for (const [f, text] of Object.entries(kept)) assert.equal(readFileSync(join(ro, f), 'utf8'), text);
  } finally {
    chmodSync(ro, 0o755);
  }
});
