import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { loadSuite } from '../src/engine/suites.js';
import { runTasks, type TaskCost } from '../src/engine/run.js';
import { rerankRun } from '../src/engine/rerank-run.js';
import { buildCurve } from '../src/report/scaling.js';
import { runCli, tempDir } from './helpers.js';

const mini = loadSuite('mini');
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

test("curve: rerank depth runs give one point each, x = pairs per query, y = the run's scores; token curves for think budgets", async () => {
  const dir = tempDir();
  const floor = { name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' }, reasoner: null };
  await runTasks({
    runId: 'base',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend: parseBackendConfig(floor),
    outDir: join(dir, 'base'),
    cacheDir: null,
  });
  const runs = [join(dir, 'base')];
  for (const depth of [1, 2, 4]) {
    await rerankRun({
      runDir: join(dir, 'base'),
      backend: parseBackendConfig({ ...floor, name: 'oracle', reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: depth }),
      outDir: join(dir, `d${depth}`),
      cacheDir: null,
    });
    runs.push(join(dir, `d${depth}`));
  }
  const c = buildCurve(runs, 'pairs');
  assert.deepEqual(c.varies, ['name', 'rerank_depth', 'reranker.mode', 'reranker.type']);
  const queries = (readJson(join(dir, 'base', 'summary.json')).tasks as { num_queries: number }[]).reduce((a, t) => a + t.num_queries, 0);
  for (const [i, r] of runs.entries()) {
    const s = readJson(join(r, 'summary.json'));
    const costs = readJson(join(r, 'costs.json')).tasks as Record<string, TaskCost>;
    const pairs = Object.values(costs).reduce((a, x) => a + (x.rerank?.pairs ?? 0), 0);
    assert.equal(c.groups.overall[i].x, pairs / queries);
    assert.equal(c.groups.overall[i].y, s.rollup.overall);
    assert.equal(c.groups['I-QA'][i].y, s.rollup.meta['I-QA']);
  }
  // every local list has at least 4 candidates: depth K scores exactly K pairs per query
  assert.deepEqual(
    c.groups.overall.map((p) => p.x),
    [0, 1, 2, 4],
  );
  // the oracle only gains with depth
  const ys = c.groups.overall.map((p) => p.y as number);
  assert.ok(ys[1] === ys[0] && ys[1] <= ys[2] && ys[2] <= ys[3] && ys[3] > ys[0]);
  // think budgets: never spends nothing; always spends every trace's tokens
  const teacher = { name: 't', pipeline: 'teacher', embedder: { type: 'builtin' }, reasoner: { type: 'builtin' } };
  for (const think of ['never', 'always']) {
    await runTasks({
      runId: think,
      tasks: mini.tasks,
      dataRoot: mini.dataRoot as string,
      version: 'v2.1',
      backend: parseBackendConfig({ ...teacher, think }),
      outDir: join(dir, think),
      cacheDir: null,
    });
  }
  const t = buildCurve([join(dir, 'never'), join(dir, 'always')], 'tokens');
  assert.deepEqual(t.varies, ['think']);
  const always = readJson(join(dir, 'always', 'costs.json')).tasks as Record<string, TaskCost>;
  assert.equal(t.groups.overall[0].x, 0);
  assert.equal(t.groups.overall[1].x, Object.values(always).reduce((a, x) => a + (x.think?.reasoning_tokens ?? 0), 0) / queries);
  assert.ok(t.groups.overall[1].x > 0);
  // the CLI writes the table, curve.json and one chart per group
  const r = runCli(['curve', ...runs, '--x', 'pairs', '--out', join(dir, 'curve')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Runs differ in: `name`, `rerank_depth`/);
  assert.deepEqual(readJson(join(dir, 'curve', 'curve.json')), JSON.parse(JSON.stringify(c)));
  for (const g of Object.keys(c.groups)) assert.ok(existsSync(join(dir, 'curve', 'charts', `curve-${g}.png`)), g);
  assert.equal(runCli(['curve', join(dir, 'base')]).status, 2);
});
