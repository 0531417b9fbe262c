/** Ablations: McNemar and Holm on known answers, flips and id pairing on constructed runs, refusals, bounds, the report files, trace export/import. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { runTasks } from '../src/engine/run.js';
import { ConfigError, DataError } from '../src/errors.js';
import { pairedBootstrap } from '../src/report/bootstrap.js';
import { ablation, regressionGate } from '../src/report/compare.js';
import { exactMcNemar, holm, mcnemarOf } from '../src/report/stats.js';
import { exportTraces, importTraces } from '../src/engine/traces.js';
import { runCli, tempDir } from './helpers.js';
import { floor, mini, think } from './report-fixtures.js';

async function miniRun(dir: string, backend = floor, cacheDir: string | null = null, tasks = mini.tasks) {
  return runTasks({ runId: backend.name, tasks, dataRoot: mini.dataRoot!, version: 'v2.1', backend, outDir: dir, cacheDir, suite: 'mini' });
}

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('exact McNemar: hand-computed binomial tails', () => {
  // n = 10 discordant, 1 vs 9: 2 · (C(10,0) + C(10,1)) / 2^10 = 2 · 11 / 1024
  close(exactMcNemar(1, 9).p, 22 / 1024);
  close(exactMcNemar(9, 1).p, 22 / 1024);
  // 0 vs 6: 2 · 1/64
  close(exactMcNemar(0, 6).p, 2 / 64);
  // 2 vs 3 (n = 5): 2 · (1 + 5 + 10) / 32 = 1 (capped)
  assert.equal(exactMcNemar(2, 3).p, 1);
  // 3 vs 12 (n = 15): 2 · (1 + 15 + 105 + 455) / 32768 = 1152 / 32768
  close(exactMcNemar(3, 12).p, 1152 / 32768);
  assert.equal(exactMcNemar(0, 0).p, 1);
  // large n stays finite and symmetric
  const big = exactMcNemar(4000, 4300);
  assert.ok(big.p > 0 && big.p < 0.05 && Number.isFinite(big.p));
  close(big.p, exactMcNemar(4300, 4000).p, 1e-12);
  assert.throws(() => exactMcNemar(-1, 2), RangeError);
  // counting from paired outcomes: A right/B wrong = hurt, A wrong/B right = helped
  assert.deepEqual(mcnemarOf([1, 1, 0, 0, 1], [0, 1, 1, 1, 1]), { hurt: 1, helped: 2, p: 1 });
});

test('Holm: hand-computed adjusted p-values keep the order of the raw ones and cap at 1', () => {
  // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((want, i) => close(adj[i], want));
  assert.deepEqual(holm([0.5, 0.6]), [1, 1]);
  assert.deepEqual(holm([]), []);
  close(holm([0.02])[0], 0.02);
});

/** A copy of run A whose task `task` has the given queries' Hit@1 flipped, with every file's query order reversed. */
function constructB(a: string, b: string, task: string, flipIds: string[]) {
  cpSync(a, b, { recursive: true });
  const items = JSON.parse(readFileSync(join(b, `${task}_items.json`), 'utf8'));
  const preds = readFileSync(join(b, `${task}_pred.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  items.queries.forEach((q: { id: string; gold: string[] }, i: number) => {
    if (!flipIds.includes(q.id)) return;
    const p = preds[i];
    const gold = new Set(q.gold);
    const hit = gold.has(p.prediction[0]);
    // right → wrong: move the first non-gold id to the top; wrong → right: move the gold to the top
    const pick = hit ? p.prediction.find((id: string) => !gold.has(id)) : p.prediction.find((id: string) => gold.has(id));
    p.prediction = [pick, ...p.prediction.filter((id: string) => id !== pick)];
  });
  // reverse the order of queries in both files: pairing must follow ids, not lines
  items.queries.reverse();
  preds.reverse();
  writeFileSync(join(b, `${task}_items.json`), JSON.stringify(items));
  writeFileSync(join(b, `${task}_pred.jsonl`), preds.map((p) => JSON.stringify(p) + '\n').join(''));
}

test('flips, McNemar counts and deltas follow query ids on a constructed pair of runs', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'));
  const task = 'ImageNet-1K';
  const items = JSON.parse(readFileSync(join(dir, 'a', `${task}_items.json`), 'utf8'));
  const preds = readFileSync(join(dir, 'a', `${task}_pred.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const hitA = new Map(
    items.queries.map((q: { id: string; gold: string[] }, i: number) => [q.id, q.gold.includes(preds[i].prediction[0])]),
  );
  const right = [...hitA].filter(([, h]) => h).map(([id]) => id as string);
  const wrong = [...hitA].filter(([, h]) => !h).map(([id]) => id as string);
  assert.ok(right.length >= 2 && wrong.length >= 1, 'the fixture has both right and wrong queries');
  const hurtIds = right.slice(0, 2);
  const helpedIds = wrong.slice(0, 1);
  constructB(join(dir, 'a'), join(dir, 'b'), task, [...hurtIds, ...helpedIds]);
  const a = ablation([join(dir, 'a'), join(dir, 'b')], { seed: 1, resamples: 200 });
  const f = a.flips.find((x) => x.task === task)!;
  assert.deepEqual(f.runs[0].hurt.sort(), [...hurtIds].sort());
  assert.deepEqual(f.runs[0].helped, helpedIds);
  for (const other of a.flips.filter((x) => x.task !== task)) assert.deepEqual(other.runs[0], { helped: [], hurt: [] }, other.task);
  const row = a.rows.find((r) => r.name === task)!;
  assert.equal(row.mcnemar![1]!.hurt, 2);
  assert.equal(row.mcnemar![1]!.helped, 1);
  const n = items.queries.length;
  close(row.deltas[1]!.delta, ((1 - 2) / n) * 100, 1e-9);
  // every other task is identical: delta exactly 0 and McNemar p = 1 (Holm keeps it 1)
  for (const r of a.rows.filter((x) => x.level === 'task' && x.name !== task)) {
    assert.equal(r.deltas[1]!.delta, 0, r.name);
    assert.equal(r.mcnemar![1]!.pHolm, 1);
  }
  // by line position the reversed file would pair different queries and report spurious flips
  assert.equal(a.paired[task].length, n);
});

test('compare refuses runs of another benchmark version, profile or task data unless --allow-different-data', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'), floor, null, mini.tasks.slice(0, 3));
  const variant = (name: string, edit: (d: string) => void) => {
    const d = join(dir, name);
    cpSync(join(dir, 'a'), d, { recursive: true });
    edit(d);
    return d;
  };
  // biome-ignore lint/suspicious/noExplicitAny: edits arbitrary fields of result JSON files
  const editJson = (file: string, f: (o: Record<string, any>) => void) => {
    const o = JSON.parse(readFileSync(file, 'utf8'));
    f(o);
    writeFileSync(file, JSON.stringify(o));
  };
  const version = variant('version', (d) => editJson(join(d, 'summary.json'), (o) => (o.mmeb_version = 'v2.0.0')));
  const profile = variant('profile', (d) => {
    editJson(join(d, 'summary.json'), (o) => (o.eval_profile = 'qwen3-vl-embedding'));
    editJson(join(d, 'manifest.json'), (o) => (o.eval_profile = 'qwen3-vl-embedding'));
  });
  const data = variant('data', (d) =>
    editJson(join(d, 'manifest.json'), (o) => {
      const t = Object.values(o.tasks as Record<string, { data: { size: number }[] }>)[0];
      t.data[0].size += 1;
    }),
  );
  const ids = variant('ids', (d) => {
    const task = mini.tasks[0].name;
    editJson(join(d, `${task}_items.json`), (o) => (o.queries[0].id = 'someone-else'));
  });
  for (const [d, why] of [
    [version, /benchmark version: A=v2.1, B=v2.0.0/],
    [profile, /eval profile: A=vlm2vec, B=qwen3-vl-embedding/],
    [data, /data files differ/],
    [ids, /query ids differ/],
  ] as const) {
    assert.throws(
      () => ablation([join(dir, 'a'), d]),
      (e: unknown) => e instanceof DataError && why.test((e as Error).message) && /--allow-different-data/.test((e as Error).message),
    );
    const ok = ablation([join(dir, 'a'), d], { allowDifferentData: true, resamples: 50 });
    assert.ok(ok.notes.some((n) => /allow-different-data/.test(n)));
  }
  // with different ids, only the shared queries are paired
  const shared = ablation([join(dir, 'a'), ids], { allowDifferentData: true, resamples: 50 });
  const t0 = mini.tasks[0].name;
  assert.equal(shared.paired[t0].length, JSON.parse(readFileSync(join(dir, 'a', `${t0}_items.json`), 'utf8')).queries.length - 1);
  // the CLI: exit 2 with the reason, 0 with the flag
  const r = runCli(['compare', join(dir, 'a'), version]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /benchmark version/);
  assert.equal(runCli(['compare', join(dir, 'a'), version, '--allow-different-data', '--resamples', '50']).status, 0);
  // the regression gate refuses two run folders of another version or profile alike (their num_data agree)
  for (const [d, why] of [
    [version, /benchmark version \(baseline v2\.1, candidate v2\.0\.0\)/],
    [profile, /eval profile \(baseline vlm2vec, candidate qwen3-vl-embedding\)/],
  ] as const) {
    assert.throws(
      () => regressionGate(join(dir, 'a'), d, { maxDrop: 0 }),
      (e: unknown) => e instanceof DataError && why.test((e as Error).message) && /--allow-different-data/.test((e as Error).message),
    );
    assert.equal(regressionGate(join(dir, 'a'), d, { maxDrop: 0, allowDifferentData: true }).ok, true);
  }
  const gate = runCli(['compare', '--baseline', join(dir, 'a'), '--candidate', version, '--max-drop', '0']);
  assert.equal(gate.status, 2);
  assert.match(
    gate.stderr,
    /^tte-bench: the two sides measured different things: benchmark version \(baseline v2\.1, candidate v2\.0\.0\)/,
  );
});

test('compare: every numeric option is bounded (exit 2, named), and the bootstrap refuses zero resamples', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'), floor, null, mini.tasks.slice(0, 1));
  const a = join(dir, 'a');
  for (const [opt, v] of [
    ['--resamples', '0'],
    ['--resamples', '-5'],
    ['--resamples', '2.5'],
    ['--seed', '-1'],
    ['--seed', '1.5'],
    ['--level', '1'],
    ['--level', '0'],
  ] as const) {
    const r = runCli(['compare', a, a, opt, v]);
    assert.equal(r.status, 2, `${opt} ${v}: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`${opt} must be`));
    assert.ok(!/NaN/.test(r.stdout));
  }
  for (const [opt, v] of [
    ['--max-drop', '-1'],
    ['--max-drop', '101'],
    ['--per-task-max-drop', '-0.5'],
  ] as const) {
    const r = runCli(['compare', '--baseline', a, '--candidate', a, '--max-drop', '1', opt, v]);
    assert.equal(r.status, 2, `${opt} ${v}`);
    assert.match(r.stderr, new RegExp(`${opt} must be`));
  }
  // a word where a number belongs is named as such, not as NaN
  for (const args of [
    ['compare', a, a, '--seed', 'abc'],
    ['compare', '--baseline', a, '--candidate', a, '--max-drop', 'abc'],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /must be .* got a value that is not a number\n$/);
  }
  assert.throws(() => ablation([a, a], { resamples: 0 }), ConfigError);
  assert.throws(() => pairedBootstrap([{ a: [1], b: [0] }], { resamples: 0 }), RangeError);
  assert.equal(runCli(['compare', a, a, '--resamples', '1']).status, 0);
});

test('compare --out writes ablation.json/.md/.html with the forest plot, cost charts, flips linking into the browser', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'));
  await miniRun(join(dir, 'b'), think);
  const prices = join(dir, 'prices.json');
  writeFileSync(prices, JSON.stringify({ currency: 'EUR', reasoner: { promptPer1k: 1, completionPer1k: 2 } }));
  const out = join(dir, 'cmp');
  const r = runCli(['compare', join(dir, 'a'), join(dir, 'b'), '--out', out, '--prices', prices, '--resamples', '200']);
  assert.equal(r.status, 0, r.stderr);
  const a = JSON.parse(readFileSync(join(out, 'ablation.json'), 'utf8'));
  assert.equal(a.runs.length, 2);
  assert.equal(a.costs[0].reasonerTokens, 0);
  assert.ok(a.costs[1].reasonerTokens > 0 && a.costs[1].money > 0);
  const refcoco = a.rows.find((x: { name: string }) => x.name === 'RefCOCO');
  assert.deepEqual(refcoco.scores, [80, 60]);
  assert.equal(a.flips.find((f: { task: string }) => f.task === 'RefCOCO').runs[0].hurt.length, 1);
  assert.deepEqual(readdirSync(join(out, 'charts')).sort(), ['accuracy-vs-busy.png', 'accuracy-vs-money.png', 'forest.png']);
  const html = readFileSync(join(out, 'ablation.html'), 'utf8');
  assert.ok(!/(src|href)="(https?:)?\/\//i.test(html), 'no network resources');
  assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, 3);
  const flips = a.flips.flatMap((f: { task: string; runs: { helped: string[]; hurt: string[] }[] }) =>
    [...f.runs[0].helped, ...f.runs[0].hurt].map((k) => `#q=${encodeURIComponent(f.task)}&amp;k=${encodeURIComponent(k)}`),
  );
  assert.ok(flips.length > 0);
  for (const l of flips) assert.ok(html.includes(`href="${l}"`), l);
  const md = readFileSync(join(out, 'ablation.md'), 'utf8');
  assert.match(md, /## Hit@1: exact McNemar test per task/);
  assert.match(md, /Multiple comparisons/);
  assert.match(md, /Cost \(EUR\)/);
  // thumbnails are small JPEGs, made once
  const thumbs = readdirSync(join(out, 'thumbs'));
  assert.ok(thumbs.length > 10 && thumbs.every((t) => t.endsWith('.jpg')));
  for (const t of thumbs) assert.deepEqual([...readFileSync(join(out, 'thumbs', t)).subarray(0, 2)], [0xff, 0xd8]);
});

test('traces: export a run, import into an empty cache, re-run: zero reasoner calls and identical scores; mismatches refused', async () => {
  const dir = tempDir();
  const tasks = mini.tasks.filter((t) => ['MSCOCO_i2t', 'RefCOCO', 'NExTQA', 'ViDoRe_arxivqa'].includes(t.name));
  await miniRun(join(dir, 'teacher'), think, join(dir, 'cache1'), tasks);
  const ex = await exportTraces([join(dir, 'teacher')], join(dir, 'ex'), { format: 'jsonl' });
  const lines = readFileSync(join(dir, 'ex', 'traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, ex.counts.exported);
  assert.ok(lines.length > 5);
  assert.deepEqual(Object.keys(lines[0]).sort(), [
    'id',
    'input',
    'key',
    'mmeb_version',
    'prompt_family',
    'prompt_version',
    'reasoner',
    'run',
    'schema',
    'task',
    'trace',
  ]);
  assert.equal(ex.teachers[0].id, 'builtin-reasoner@1');
  const imported = await importTraces(join(dir, 'ex', 'traces.jsonl'), think, { dataRoot: mini.dataRoot!, cacheDir: join(dir, 'cache2') });
  assert.equal(imported.imported, lines.length);
  assert.ok(!existsSync(join(dir, 'cache2', 'embeddings')), 'only traces were seeded');
  await miniRun(join(dir, 'again'), think, join(dir, 'cache2'), tasks);
  const costs = JSON.parse(readFileSync(join(dir, 'again', 'costs.json'), 'utf8')).tasks;
  assert.equal(
    Object.values(costs).reduce((s: number, c) => s + (c as { reason_calls: number }).reason_calls, 0),
    0,
  );
  assert.ok(
    Object.values(costs).some((c) => (c as { embed_calls: number }).embed_calls > 0),
    'the embedder did run',
  );
  const strip = (f: string) => {
    const s = JSON.parse(readFileSync(f, 'utf8'));
    delete s.run_id;
    return s;
  };
  assert.deepEqual(strip(join(dir, 'again', 'summary.json')), strip(join(dir, 'teacher', 'summary.json')));
  for (const t of tasks)
    assert.equal(
      readFileSync(join(dir, 'again', `${t.name}_traces.jsonl`), 'utf8'),
      readFileSync(join(dir, 'teacher', `${t.name}_traces.jsonl`), 'utf8'),
    );

  // another model identity (same reasoner, other maxTokens) and another prompt version are refused, nothing written
  const other = parseBackendConfig({
    name: 'x',
    pipeline: 'teacher',
    embedder: { type: 'builtin' },
    reasoner: { type: 'builtin', maxTokens: 7 },
  });
  await assert.rejects(
    importTraces(join(dir, 'ex', 'traces.jsonl'), other, { dataRoot: mini.dataRoot!, cacheDir: join(dir, 'cache3') }),
    (e: unknown) => e instanceof DataError && /model mismatch/.test((e as Error).message) && /line 1/.test((e as Error).message),
  );
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, lines.map((l, i) => JSON.stringify(i === 2 ? { ...l, prompt_version: 'ecr-prompts@0' } : l) + '\n').join(''));
  await assert.rejects(
    importTraces(bad, think, { dataRoot: mini.dataRoot!, cacheDir: join(dir, 'cache3') }),
    (e: unknown) => e instanceof DataError && /prompt version mismatch/.test((e as Error).message) && /line 3/.test((e as Error).message),
  );
  assert.ok(!existsSync(join(dir, 'cache3', 'traces')), 'a refused file writes nothing');
  const r = runCli(['traces', 'import', bad, '--backend', '/nonexistent.json', '--data-root', mini.dataRoot!]);
  assert.equal(r.status, 2);
});

test('traces export: ShareGPT for LLaMA-Factory with media beside it, only-helped against a baseline, per-task cap, dedup', async () => {
  const dir = tempDir();
  const tasks = mini.tasks.filter((t) => ['MSCOCO_i2t', 'RefCOCO', 'HMDB51'].includes(t.name));
  await miniRun(join(dir, 'base'), floor, null, tasks);
  await miniRun(join(dir, 'teacher'), think, null, tasks);
  const all = await exportTraces([join(dir, 'teacher')], join(dir, 'sg'), { format: 'sharegpt' });
  const rows = JSON.parse(readFileSync(join(dir, 'sg', 'sharegpt.json'), 'utf8'));
  assert.equal(rows.length, all.counts.exported);
  for (const row of rows) {
    const user = row.messages[0].content as string;
    assert.equal(row.messages[0].role, 'user');
    assert.equal(row.messages[1].role, 'assistant');
    assert.match(row.messages[1].content, /<think>/);
    assert.equal((user.match(/<image>/g) ?? []).length, (row.images ?? []).length);
    assert.equal((user.match(/<video>/g) ?? []).length, (row.videos ?? []).length);
    for (const p of [...(row.images ?? []), ...(row.videos ?? []).flat()]) assert.ok(existsSync(join(dir, 'sg', p)), p);
  }
  assert.ok(
    rows.some((r: { videos?: string[][] }) => r.videos?.length && r.videos[0].length > 1),
    'a video as its frames',
  );
  const info = JSON.parse(readFileSync(join(dir, 'sg', 'dataset_info.json'), 'utf8'));
  assert.equal(info.tte_traces.formatting, 'sharegpt');
  const manifest = JSON.parse(readFileSync(join(dir, 'sg', 'manifest.json'), 'utf8'));
  assert.equal(manifest.prompt_version, 'ecr-prompts@2');
  assert.equal(manifest.teachers[0].id, 'builtin-reasoner@1');

  // only helped: exactly the queries the ablation lists as helped
  const helped = await exportTraces([join(dir, 'teacher')], join(dir, 'h'), {
    format: 'jsonl',
    onlyHelped: true,
    baseline: join(dir, 'base'),
  });
  const ab = ablation([join(dir, 'base'), join(dir, 'teacher')], { resamples: 10 });
  const want = ab.flips.flatMap((f) => f.runs[0].helped.map((k) => `${f.task}/${k}`)).sort();
  const got = readFileSync(join(dir, 'h', 'traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((l) => `${l.task}/${l.key}`)
    .sort();
  assert.deepEqual(got, want);
  assert.equal(helped.counts.exported + helped.counts.notHelped, helped.counts.traces);
  // a cap per task, and the same run twice: the second copy is all duplicates
  const capped = await exportTraces([join(dir, 'teacher'), join(dir, 'teacher')], join(dir, 'c'), { format: 'jsonl', maxPerTask: 2 });
  for (const c of Object.values(capped.counts.tasks)) assert.ok(c.exported <= 2);
  assert.equal(capped.counts.duplicates + capped.counts.overCap + capped.counts.exported, capped.counts.traces);
  assert.ok(capped.counts.duplicates > 0);
  await assert.rejects(exportTraces([join(dir, 'teacher')], join(dir, 'x'), { format: 'jsonl', onlyHelped: true }), ConfigError);
  await assert.rejects(exportTraces([join(dir, 'teacher')], join(dir, 'x'), { format: 'jsonl', maxPerTask: 0 }), ConfigError);
});

test('merged shards keep what compare and the browser read; thumbnails are made once', async () => {
  const dir = tempDir();
  const tasks = 'ImageNet-1K,HMDB51,ViDoRe_arxivqa';
  const common = ['--tasks', tasks, '--data-root', mini.dataRoot!, '--no-cache'];
  assert.equal(runCli(['run', ...common, '--out', join(dir, 'full'), '--report-dir', join(dir, 'rep')]).status, 0);
  for (const i of [0, 1])
    assert.equal(
      runCli(['run', ...common, '--shard', `${i}/2`, '--out', join(dir, `s${i}`), '--report-dir', join(dir, `rep${i}`)]).status,
      0,
    );
  const m = runCli(['merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'merged')]);
  assert.equal(m.status, 0, m.stderr);
  for (const t of tasks.split(','))
    assert.equal(readFileSync(join(dir, 'merged', `${t}_items.json`), 'utf8'), readFileSync(join(dir, 'full', `${t}_items.json`), 'utf8'));
  const a = ablation([join(dir, 'full'), join(dir, 'merged')], { resamples: 20 });
  assert.ok(a.rows.every((r) => r.deltas[1]!.delta === 0));
  // a second report over the same folder reuses every thumbnail
  const thumbs = join(dir, 'rep', 'thumbs');
  const before = readdirSync(thumbs).map((f) => [f, statSync(join(thumbs, f)).mtimeMs] as const);
  assert.ok(before.length > 0);
  assert.equal(runCli(['report', join(dir, 'full'), '--out', join(dir, 'rep')]).status, 0);
  for (const [f, t] of before) assert.equal(statSync(join(thumbs, f)).mtimeMs, t, f);
});

test('visdoc pages that exist only inside the corpus parquet still get thumbnails in the browser', async () => {
  const dir = tempDir();
  const root = join(dir, 'data');
  cpSync(mini.dataRoot!, root, { recursive: true });
  rmSync(join(root, 'visdoc-tasks', 'ViDoRe_arxivqa'), { recursive: true });
  const task = mini.tasks.find((t) => t.name === 'ViDoRe_arxivqa')!;
  await runTasks({
    runId: 'inline',
    tasks: [task],
    dataRoot: root,
    version: 'v2.1',
    backend: floor,
    outDir: join(dir, 'r'),
    reportDir: join(dir, 'rep'),
    cacheDir: null,
  });
  assert.ok(readdirSync(join(dir, 'r', 'thumbs')).length > 0, 'thumbnails of inline pages in the run folder');
  const data = readFileSync(join(dir, 'rep', 'browser', 't0.js'), 'utf8');
  const doc = JSON.parse(data.slice(data.indexOf(']=') + 2, data.lastIndexOf(';')));
  const media = [
    ...doc.queries.flatMap((q: { media: unknown[] }) => q.media),
    ...Object.values(doc.cands as Record<string, { media: unknown[] }>).flatMap((c) => c.media),
  ] as { src: string | null }[];
  assert.ok(media.length > 0);
  for (const m of media) {
    assert.ok(m.src, 'every page has a thumbnail');
    assert.ok(existsSync(join(dir, 'rep', m.src)));
  }
});
