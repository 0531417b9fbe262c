/** Engine at scale: shards + merge, resume after SIGKILL, worker error paths, rank on .npy files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PooledTransformersEmbedder } from '../src/backends/transformers-pool.js';
import { DualEncoderEmbedder } from '../src/backends/transformers.js';
import { partRange, planShards, taskWork } from '../src/engine/shard.js';
import { scoredTasks } from '../src/catalog/load.js';
import { BackendError } from '../src/errors.js';
import { rankIndices } from '../src/scoring/rank.js';
import { npyBytes } from '../src/util/npy.js';
import { BIN, FIXTURES, runCli, tempDir, writeServedFloorConfig } from './helpers.js';

const resultFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /(_score\.json|_pred\.jsonl|_items\.json|_traces\.jsonl|^summary\.json)$/.test(f))
    .sort();

test('shard plan: deterministic, every task or part exactly once, parts on different shards, 8 shards within 1.25x of the mean', () => {
  const tasks = scoredTasks();
  for (const reasoning of [false, true]) {
    for (const n of [1, 3, 4, 8, 16]) {
      const a = planShards(tasks, n, 'v2.1', { reasoning });
      assert.deepEqual(a, planShards(tasks, n, 'v2.1', { reasoning }));
      const units = a.shards.flatMap((s) => s.units);
      for (const t of tasks) {
        const mine = units.filter((u) => u.task === t.name);
        assert.ok(mine.length >= 1, t.name);
        assert.deepEqual(
          mine.map((u) => u.part).sort((x, y) => x - y),
          [...Array(mine[0].parts).keys()],
          t.name,
        );
        assert.ok(mine.every((u) => u.parts === mine.length));
      }
      for (const s of a.shards)
        assert.equal(new Set(s.units.map((u) => u.task)).size, s.units.length, 'two parts of one task on one shard');
      const works = a.shards.map((s) => s.units.reduce((x, u) => x + u.work, 0));
      assert.ok(Math.abs(works.reduce((x, y) => x + y, 0) - a.total) < 1e-6 * a.total);
      if (n === 8) assert.ok(Math.max(...works) <= 1.25 * a.mean, `heaviest shard ${Math.max(...works) / a.mean}x the mean`);
    }
  }
  // whole-task assignment cannot balance 8 shards: the heaviest task alone is over 1.25x the mean
  const heaviest = Math.max(...tasks.map((t) => taskWork(t, 'v2.1').total));
  assert.ok(heaviest > 1.25 * planShards(tasks, 8, 'v2.1').mean);
  assert.ok(planShards(tasks, 8, 'v2.1').shards.some((s) => s.units.some((u) => u.parts > 1)));
});

test('part ranges cover every query once, in order', () => {
  for (const n of [0, 1, 2, 7, 8564]) {
    for (const k of [1, 2, 3, 8]) {
      const ranges = Array.from({ length: k }, (_, j) => partRange(n, j, k));
      assert.equal(ranges[0][0], 0);
      assert.equal(ranges[k - 1][1], n);
      for (let j = 1; j < k; j++) assert.equal(ranges[j][0], ranges[j - 1][1]);
    }
  }
});

test('plan prints the shard plan', () => {
  const r = runCli(['plan', '--shards', '8']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^8 shard\(s\), estimated work \d+ units/);
  assert.equal(r.stdout.match(/^shard \d+:/gm)?.length, 8);
  assert.match(r.stdout, /\[1\/\d\]/);
  const bad = runCli(['plan', '--shards', '0']);
  assert.equal(bad.status, 2);
});

function shardAndMerge(dir: string, common: string[], n: number, extra: string[] = []) {
  const full = runCli(['run', ...common, '--out', join(dir, 'full'), '--report-dir', join(dir, 'rep'), '--no-cache']);
  assert.equal(full.status, 0, full.stderr);
  for (let i = 0; i < n; i++) {
    const r = runCli([
      'run',
      ...common,
      '--shard',
      `${i}/${n}`,
      '--out',
      join(dir, `s${i}`),
      '--report-dir',
      join(dir, `rep${i}`),
      ...extra,
    ]);
    assert.equal(r.status, 0, r.stderr);
  }
  const m = runCli(['merge', ...Array.from({ length: n }, (_, i) => join(dir, `s${i}`)), '--out', join(dir, 'merged')]);
  assert.equal(m.status, 0, m.stderr);
  assert.deepEqual(resultFiles(join(dir, 'merged')), resultFiles(join(dir, 'full')));
  for (const f of [...resultFiles(join(dir, 'full')), ...readdirSync(join(dir, 'full')).filter((x) => x.endsWith('_examples.json'))]) {
    assert.equal(readFileSync(join(dir, 'merged', f), 'utf8'), readFileSync(join(dir, 'full', f), 'utf8'), f);
  }
}

test('run --shard i/n on three machines + merge = the unsharded run, byte for byte (tasks split by query ranges too)', () => {
  const dir = tempDir();
  shardAndMerge(dir, ['--suite', 'mini'], 3, ['--no-cache']);
  const manifests = [0, 1, 2].map((i) => JSON.parse(readFileSync(join(dir, `s${i}`, 'manifest.json'), 'utf8')));
  const parts = manifests.flatMap((m) => Object.entries(m.shard.parts as Record<string, { part: number; parts: number }>));
  assert.ok(parts.length >= 2, 'the mini plan for 3 shards splits a task');
  assert.ok(manifests.every((m, i) => m.shard.index === i && m.shard.count === 3 && m.shard.source === 'cli'));
  // the merged manifest describes a split task like the unsharded run does: same fingerprint, same data
  const [merged, full] = ['merged', 'full'].map((d) => JSON.parse(readFileSync(join(dir, d, 'manifest.json'), 'utf8')));
  for (const [name] of parts) {
    assert.deepEqual(merged.tasks[name].data, full.tasks[name].data, name);
    assert.equal(merged.tasks[name].fingerprint, full.tasks[name].fingerprint, name);
  }
  const incomplete = runCli(['merge', join(dir, 's0'), join(dir, 's2'), '--out', join(dir, 'bad')]);
  assert.equal(incomplete.status, 2);
  assert.match(incomplete.stderr, /missing (task|part)/);
  const twice = runCli(['merge', join(dir, 's0'), join(dir, 's0'), join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'bad2')]);
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /in two shards/);
});

test('global tasks split over four shards sharing one cache + merge = the unsharded run, byte for byte', () => {
  const dir = tempDir();
  const common = ['--tasks', 'MSR-VTT,ViDoRe_arxivqa,ViDoSeek-doc', '--data-root', join(FIXTURES, '..', '..', 'tasks', 'mini', 'data')];
  shardAndMerge(dir, common, 4, ['--cache-dir', join(dir, 'cache')]);
  const m = JSON.parse(readFileSync(join(dir, 's0', 'manifest.json'), 'utf8'));
  assert.equal(m.shard.parts['MSR-VTT'].parts, 4);
  // the shared pool was embedded once: the second to fourth parts found the candidates in the cache
  const costs = [1, 2, 3].map((i) => JSON.parse(readFileSync(join(dir, `s${i}`, 'costs.json'), 'utf8')).tasks['MSR-VTT']);
  assert.ok(
    costs.every((c) => c.cache_hits >= 6),
    JSON.stringify(costs),
  );
});

async function startServe(
  latency: number,
  concurrency: number,
): Promise<{ url: string; stop: () => void; stats: () => Promise<{ byRoute: Record<string, number> }> }> {
  const proc = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--latency-ms', String(latency), '--max-concurrency', String(concurrency)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (b: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(b.toString());
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return {
    url,
    stop: () => proc.kill('SIGTERM'),
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as { byRoute: Record<string, number> },
  };
}

const embeddings = (s: { byRoute: Record<string, number> }) => s.byRoute['POST /v1/embeddings'] ?? 0;

test('a run killed with SIGKILL and started again finishes with the same results, without re-asking cached items', async () => {
  const dir = tempDir();
  const backendFile = (url: string, name: string) => writeServedFloorConfig(join(dir, `${name}.json`), `${url}/v1`);
  // uninterrupted reference
  const s1 = await startServe(20, 4);
  const s2 = await startServe(20, 4);
  try {
    const ref = runCli([
      'run',
      '--suite',
      'mini',
      '--backend',
      backendFile(s1.url, 'b1'),
      '--out',
      join(dir, 'ref'),
      '--report-dir',
      join(dir, 'rep'),
      '--cache-dir',
      join(dir, 'c1'),
    ]);
    assert.equal(ref.status, 0, ref.stderr);
    const unique = embeddings(await s1.stats());
    // killed mid-run, then resumed with the same command
    const args = [
      'run',
      '--suite',
      'mini',
      '--backend',
      backendFile(s2.url, 'b2'),
      '--out',
      join(dir, 'killed'),
      '--report-dir',
      join(dir, 'rep2'),
      '--cache-dir',
      join(dir, 'c2'),
    ];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    child.once('exit', () => {}); // keep the exit event observable even if it comes early
    for (let i = 0; i < 200 && embeddings(await s2.stats()) < unique / 3; i++) await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const atKill = embeddings(await s2.stats());
    assert.ok(atKill > 0 && atKill < unique, `killed after ${atKill} of ${unique} requests`);
    const resumed = runCli(args);
    assert.equal(resumed.status, 0, resumed.stderr);
    const total = embeddings(await s2.stats());
    // Asked again: at most the pipeline's calls in flight at the kill — requests still awaiting an answer
    // (maxConcurrency 4) and answers still being written — 5 calls per side (4 + 1 spare), queries and
    // candidates side by side.
    assert.ok(
      total >= unique && total <= unique + 10,
      `${total} requests for ${unique} unique items (at most the 10 calls in flight at the kill are asked again)`,
    );
    for (const f of resultFiles(join(dir, 'ref'))) {
      if (f === 'summary.json') continue; // the backend URL differs by design
      assert.equal(readFileSync(join(dir, 'killed', f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
    }
  } finally {
    s1.stop();
    s2.stop();
  }
});

test('worker errors surface as BackendError and do not hang the pool', async () => {
  const bad = new PooledTransformersEmbedder({ model: join(FIXTURES, 'no-such-model'), architecture: 'clip' }, 1);
  await assert.rejects(
    bad.embed([{ text: 'x', media: [], role: 'query' }]),
    (e: unknown) => e instanceof BackendError && /worker failed/.test((e as Error).message),
  );
  await bad.close();
  const good = new PooledTransformersEmbedder({ model: join(FIXTURES, 'tiny-models', 'tiny-clip'), architecture: 'clip' }, 2);
  const broken = {
    text: 'x',
    media: [{ kind: 'image' as const, path: 'broken.png', data: new Uint8Array([1, 2, 3]) }],
    role: 'query' as const,
  };
  await assert.rejects(good.embed([broken]), (e: unknown) => e instanceof BackendError && /broken\.png/.test((e as Error).message));
  const v = await good.embed(Array.from({ length: 5 }, (_, i) => ({ text: `text ${i}`, media: [], role: 'query' as const })));
  assert.equal(v.length, 5);
  await good.close();
});

test('a 2-worker pool with several batches in flight returns what the in-process embedder does', async () => {
  const model = join(FIXTURES, 'tiny-models', 'tiny-clip');
  const images = ['red32.png', 'bluesquare32.png', 'greenyellow48x40.png'].map(
    (f) => new Uint8Array(readFileSync(join(FIXTURES, 'tiny-models', 'images', f))),
  );
  const items = Array.from({ length: 40 }, (_, i) => ({
    text: i % 4 === 3 ? '' : `item ${i} ${'word '.repeat(i % 7)}`,
    media: i % 2 ? [{ kind: 'image' as const, path: `img${i % 3}.png`, data: images[i % 3] }] : [],
    role: 'target' as const,
  }));
  const direct = await DualEncoderEmbedder.load({ model, architecture: 'clip' });
  const want = await direct.embed(items);
  await direct.close();
  const pool = new PooledTransformersEmbedder({ model, architecture: 'clip' }, 2);
  // five calls at once: each worker holds two batches, one more waits in the queue
  const got = (await Promise.all([0, 8, 16, 24, 32].map((i) => pool.embed(items.slice(i, i + 8))))).flat();
  // one large call, split across the workers (32 + 8) and put back in order
  const whole = await pool.embed(items);
  await pool.close();
  // batches are padded and split differently (and run with other thread counts): equal up to float noise
  for (const [name, vectors] of [
    ['five calls', got],
    ['one large call', whole],
  ] as const) {
    assert.equal(vectors.length, want.length, name);
    vectors.forEach((v, i) => {
      assert.equal(v.length, want[i].length);
      v.forEach((x, k) => assert.ok(Math.abs(x - want[i][k]) < 1e-6, `${name}, item ${i} dim ${k}: ${x} vs ${want[i][k]}`));
    });
  }
});

test('rank: precomputed .npy embeddings ranked like the reference kernel, ids from files', () => {
  const dir = tempDir();
  const d = 6;
  const rows = (n: number, seed: number) => Array.from({ length: n * d }, (_, i) => Math.sin(seed * 1000 + i * 1.7));
  const q = Float32Array.from(rows(4, 1));
  const c = Float32Array.from(rows(9, 2));
  writeFileSync(join(dir, 'q.npy'), npyBytes({ rows: 4, cols: d, data: q }));
  writeFileSync(join(dir, 'c.npy'), npyBytes({ rows: 9, cols: d, data: c }));
  writeFileSync(join(dir, 'cids.txt'), Array.from({ length: 9 }, (_, i) => `doc-${i}`).join('\n') + '\n');
  const r = runCli([
    'rank',
    '--queries',
    join(dir, 'q.npy'),
    '--candidates',
    join(dir, 'c.npy'),
    '--candidate-ids',
    join(dir, 'cids.txt'),
    '--k',
    '3',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const preds = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (let i = 0; i < 4; i++) {
    const want = rankIndices(q.slice(i * d, (i + 1) * d), c, 9, () => false, 3).map((j) => `doc-${j}`);
    assert.deepEqual(preds[i].prediction, want);
  }
  writeFileSync(join(dir, 'bad.npy'), 'not numpy');
  const bad = runCli(['rank', '--queries', join(dir, 'bad.npy'), '--candidates', join(dir, 'c.npy')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.npy.*bad magic/);
});

test('cooperative abort: running calls finish and are cached, nothing is lost, the rerun completes', async () => {
  const { startServer } = await import('../src/serve/server.js');
  const { createBackend } = await import('../src/backends/registry.js');
  const { parseBackendConfig } = await import('../src/backends/config.js');
  const { runTasks } = await import('../src/engine/run.js');
  const { loadSuite } = await import('../src/engine/suites.js');
  const server = await startServer(
    await createBackend(parseBackendConfig({ name: 'srv', pipeline: 'no-think', embedder: { type: 'builtin' } })),
    { latencyMs: 25, maxConcurrency: 3 },
  );
  try {
    const dir = tempDir();
    const mini = loadSuite('mini');
    const backend = parseBackendConfig({
      name: 'http',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: `${server.url}/v1`, model: 'srv', requestFormat: 'messages', maxConcurrency: 3 },
    });
    const opts = {
      runId: 'abort',
      tasks: mini.tasks,
      dataRoot: mini.dataRoot!,
      version: 'v2.1' as const,
      backend,
      outDir: join(dir, 'out'),
      cacheDir: join(dir, 'cache'),
    };
    const controller = new AbortController();
    // abort once the run is under way (not after a fixed delay: on a loaded machine loading can take longer)
    const abortWhenBusy = async () => {
      while ((server.stats.byRoute['POST /v1/embeddings'] ?? 0) < 3) await new Promise((r) => setTimeout(r, 10));
      controller.abort(new Error('stop'));
    };
    await Promise.all([assert.rejects(runTasks({ ...opts, signal: controller.signal }), /stop/), abortWhenBusy()]);
    const atAbort = server.stats.byRoute['POST /v1/embeddings'] ?? 0;
    assert.ok(atAbort > 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.stats.byRoute['POST /v1/embeddings'], atAbort, 'no call starts after the abort');
    await runTasks(opts);
    const total = server.stats.byRoute['POST /v1/embeddings'];
    assert.equal(total, server.stats.embeddedItems);
    // a fresh run against the same cache asks for nothing: every answer was kept
    await runTasks({ ...opts, outDir: join(dir, 'out2') });
    assert.equal(server.stats.byRoute['POST /v1/embeddings'], total);
    const fresh = tempDir();
    const before = server.stats.byRoute['POST /v1/embeddings'];
    await runTasks({ ...opts, outDir: join(fresh, 'o'), cacheDir: join(fresh, 'c') });
    assert.equal(
      total,
      server.stats.byRoute['POST /v1/embeddings'] - before,
      'aborted + resumed asked exactly what one uninterrupted run asks',
    );
  } finally {
    await server.close();
  }
});
