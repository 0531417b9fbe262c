/** Reports, ablations, cost accounting, the regression gate and the MTEB export. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { runTasks } from '../src/engine/run.js';
import { DataError } from '../src/errors.js';
import { pairedBootstrap } from '../src/report/bootstrap.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../src/report/charts.js';
import { escapeHtml } from '../src/report/html.js';
import { validateSummary } from '../src/report/summary-schema.js';
import { writeReports } from '../src/report/write.js';
import { SCORES, runCli, tempDir } from './helpers.js';
import { floor, mini, think, writeMarkupTask } from './report-fixtures.js';

async function miniRun(dir: string, backend = floor) {
  return runTasks({
    runId: backend.name,
    tasks: mini.tasks,
    dataRoot: mini.dataRoot!,
    version: 'v2.1',
    backend,
    outDir: dir,
    cacheDir: null,
    suite: 'mini',
  });
}

test('summary.json follows the published schema; a malformed summary is rejected', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'r'));
  const doc = JSON.parse(readFileSync(join(dir, 'r', 'summary.json'), 'utf8'));
  assert.doesNotThrow(() => validateSummary(doc));
  const bad = structuredClone(doc);
  bad.tasks[0].main_score = 1.5;
  assert.throws(
    () => validateSummary(bad, 'x/summary.json'),
    (e: unknown) => e instanceof DataError && /x\/summary\.json.*main_score/.test((e as Error).message),
  );
  delete bad.rollup;
  assert.throws(() => validateSummary(bad), DataError);
});

test('the HTML report is self-contained, shows tables and real PNG charts, and renders dataset text inert', async () => {
  const dir = tempDir();
  // a task whose texts carry markup
  const root = join(dir, 'data');
  writeMarkupTask(root, '<script>alert("x")</script> & <img src=x onerror=alert(1)>', ['<b>Sports</b>', 'Art']);
  await runTasks({
    runId: 'xss',
    tasks: [getTask('N24News')],
    dataRoot: root,
    version: 'v2.1',
    backend: think,
    outDir: join(dir, 'r'),
    cacheDir: null,
    reportDir: join(dir, 'rep'),
  });
  const html = readFileSync(join(dir, 'rep', 'report.html'), 'utf8');
  // the only scripts are the query browser's own (its index as JSON and its viewer); the planted markup is
  // escaped in the page and in the browser's data file
  assert.equal((html.match(/<script/gi) ?? []).length, 2);
  assert.match(html, /<script type="application\/json" id="browser-index">/);
  assert.ok(!html.includes('<script>alert'));
  const data = readFileSync(join(dir, 'rep', 'browser', 't0.js'), 'utf8');
  assert.ok(!/<script|<img/i.test(data) && data.includes('\\u003cscript\\u003ealert'), 'browser data escapes markup');
  assert.ok(!/<img src=x/i.test(html));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(!/(src|href)="https?:/i.test(html), 'no network resources');
  assert.match(html, /<table>/);
  assert.equal(escapeHtml(`<a href='x'>&`), '&lt;a href=&#39;x&#39;&gt;&amp;');
  // charts: real PNG files of the expected size, embedded in the page as data URIs
  const charts = readdirSync(join(dir, 'rep', 'charts'));
  assert.deepEqual(charts.sort(), ['accuracy-vs-cost.png', 'meta-tasks.png', 'model-vs-reference.png']);
  for (const c of charts) {
    const png = readFileSync(join(dir, 'rep', 'charts', c));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), CHART_WIDTH);
    assert.equal(png.readUInt32BE(20), CHART_HEIGHT);
  }
  assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, 3);
  const md = readFileSync(join(dir, 'rep', 'report.md'), 'utf8');
  assert.match(md, /## Cost/);
  assert.match(md, /trace: <think>/);
});

test('paired bootstrap: exact when every difference is equal, and close to the normal interval otherwise', () => {
  const eq = pairedBootstrap([{ a: [0.2, 0.5, 0.9], b: [0.7, 1.0, 1.4] }], { seed: 1 });
  assert.ok(Math.abs(eq.delta - 0.5) < 1e-12 && Math.abs(eq.low - 0.5) < 1e-12 && Math.abs(eq.high - 0.5) < 1e-12 && eq.significant);
  // differences ±1 with mean 0.2 over 1000 queries: sd ≈ 0.98, normal 95% half-width ≈ 1.96·0.98/√1000 ≈ 0.061
  const n = 1000;
  const a = new Array(n).fill(0);
  const b = Array.from({ length: n }, (_, i) => (i % 10 < 6 ? 1 : -1));
  const ci = pairedBootstrap([{ a, b }], { seed: 7, resamples: 2000 });
  assert.ok(Math.abs(ci.delta - 0.2) < 1e-12);
  assert.ok(Math.abs(ci.high - ci.low - 2 * 0.0607) < 0.012, `width ${ci.high - ci.low}`);
  assert.ok(ci.significant);
  const none = pairedBootstrap([{ a: [0, 1, 0, 1], b: [1, 0, 1, 0] }], { seed: 3 });
  assert.ok(!none.significant);
  // reproducible with the same seed
  assert.deepEqual(pairedBootstrap([{ a, b }], { seed: 7 }), pairedBootstrap([{ a, b }], { seed: 7 }));
});

test('regression gate: exit 0 within tolerance, 1 with a list of regressions, 2 for bad input', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'));
  await miniRun(join(dir, 'b'), think);
  const same = runCli(['compare', '--baseline', join(dir, 'a'), '--candidate', join(dir, 'a'), '--max-drop', '0.5']);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /^OK/);
  const worse = runCli(['compare', '--baseline', join(dir, 'a'), '--candidate', join(dir, 'b'), '--max-drop', '0.5']);
  assert.equal(worse.status, 1);
  assert.match(worse.stdout, /REGRESSION/);
  assert.match(worse.stdout, /task\s+RefCOCO\s+80\.00 →\s+60\.00\s+drop 20\.00 > 0\.5/);
  const lenient = runCli(['compare', '--baseline', join(dir, 'a'), '--candidate', join(dir, 'b'), '--max-drop', '25']);
  assert.equal(lenient.status, 0);
  // a folder of plain VLM2Vec score files against a run with fewer tasks: 2 unless --allow-missing
  const scoreDir = join(dir, 'scores');
  mkdirSync(scoreDir);
  const v2 = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')).metrics;
  for (const m of Object.values(v2) as Record<string, unknown>[])
    for (const [t, s] of Object.entries(m)) writeFileSync(join(scoreDir, `${t}_score.json`), JSON.stringify(s));
  const missing = runCli(['compare', '--baseline', scoreDir, '--candidate', join(dir, 'a'), '--max-drop', '0.5']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /only in baseline/);
  // the mini suite scores those tasks on a few queries each: not the published measurement, 2 unless allowed
  const fewer = runCli(['compare', '--baseline', scoreDir, '--candidate', join(dir, 'a'), '--max-drop', '100', '--allow-missing']);
  assert.equal(fewer.status, 2);
  assert.match(
    fewer.stderr,
    /^tte-bench: the two sides measured different things: .*OK-VQA num_data \(baseline 1000, candidate \d+\).*--allow-different-data/,
  );
  const common = runCli([
    'compare',
    '--baseline',
    scoreDir,
    '--candidate',
    join(dir, 'a'),
    '--max-drop',
    '100',
    '--allow-missing',
    '--allow-different-data',
  ]);
  assert.equal(common.status, 0, common.stderr);
  assert.match(
    common.stdout,
    /^note: the two sides measured different things, compared anyway: .*OK-VQA num_data \(baseline 1000, candidate \d+\)/m,
  );
  assert.equal(runCli(['compare', '--baseline', join(dir, 'nope'), '--candidate', join(dir, 'a'), '--max-drop', '1']).status, 2);
});

test('ablation: per-task and per-meta-task deltas with bootstrap CIs, reproducible', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'a'));
  await miniRun(join(dir, 'b'), think);
  const r1 = runCli(['compare', join(dir, 'a'), join(dir, 'b'), '--json', '--seed', '5']);
  assert.equal(r1.status, 0, r1.stderr);
  const a = JSON.parse(r1.stdout);
  const refcoco = a.rows.find((r: { name: string }) => r.name === 'RefCOCO');
  assert.deepEqual(refcoco.scores, [80, 60]);
  assert.ok(Math.abs(refcoco.deltas[1].delta + 20) < 1e-9 && refcoco.deltas[1].low <= -20 && refcoco.deltas[1].high >= -20);
  assert.ok(a.rows.some((r: { level: string }) => r.level === 'meta') && a.rows.some((r: { level: string }) => r.level === 'overall'));
  assert.equal(runCli(['compare', join(dir, 'a'), join(dir, 'b'), '--json', '--seed', '5']).stdout, r1.stdout);
});

test('costs: tokens and calls per task, priced by a price table', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'r'), think);
  const costs = JSON.parse(readFileSync(join(dir, 'r', 'costs.json'), 'utf8')).tasks;
  assert.ok(
    costs['ImageNet-1K'].reasoner_prompt_tokens > 0 && costs['ImageNet-1K'].reason_calls > 0 && costs['ImageNet-1K'].embed_calls > 0,
  );
  const prices = join(dir, 'prices.json');
  writeFileSync(prices, JSON.stringify({ currency: 'EUR', reasoner: { promptPer1k: 1, completionPer1k: 2 } }));
  const r = runCli(['report', join(dir, 'r'), '--out', join(dir, 'rep'), '--prices', prices]);
  assert.equal(r.status, 0, r.stderr);
  const md = readFileSync(join(dir, 'rep', 'report.md'), 'utf8');
  const c = costs['ImageNet-1K'];
  const want = (c.reasoner_prompt_tokens / 1000) * 1 + (c.reasoner_completion_tokens / 1000) * 2;
  assert.ok(md.includes(`| ImageNet-1K | ${c.reasoner_prompt_tokens} | ${c.reasoner_completion_tokens} |`));
  assert.ok(md.includes(want.toFixed(4)), `priced cost ${want.toFixed(4)}`);
  writeFileSync(prices, JSON.stringify({ reasoner: { promptPer1k: -1 } }));
  assert.equal(runCli(['report', join(dir, 'r'), '--out', join(dir, 'rep2'), '--prices', prices]).status, 2);
});

test('MTEB export: TaskResult files with main_score and hf_subset, plus model_meta.json', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'r'));
  const args = ['export-mteb', join(dir, 'r'), '--out', join(dir, 'mteb'), '--model', 'acme/floor', '--revision', 'abc123'];
  // the mini suite scores each task on a few queries: each file would say "MMEB-V2 v2.1" of a part of the task
  const refused = runCli(args);
  assert.equal(refused.status, 2);
  assert.match(
    refused.stderr,
    /scored on another number of queries than the benchmark has: ImageNet-1K 10 \(MMEB-V2 v2\.1 has 1000\), .*--allow-partial/,
  );
  assert.equal(existsSync(join(dir, 'mteb')), false);
  const r = runCli([...args, '--allow-partial']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^note: scored on another number of queries than the benchmark has: ImageNet-1K 10 \(MMEB-V2 v2\.1 has 1000\), /m);
  const base = join(dir, 'mteb', 'acme__floor', 'abc123');
  const files = readdirSync(base);
  assert.equal(files.length, 14);
  assert.ok(files.includes('model_meta.json'));
  const vr = JSON.parse(readFileSync(join(base, 'VisRAG_ChartQA.json'), 'utf8'));
  const entry = vr.scores.train[0];
  const score = JSON.parse(readFileSync(join(dir, 'r', 'VisRAG_ChartQA_score.json'), 'utf8'));
  assert.equal(entry.main_score, Math.round(score['ndcg_linear@5'] * 1e6) / 1e6);
  assert.equal(entry.ndcg_at_5, entry.main_score);
  assert.equal(entry.hf_subset, 'default');
  assert.equal(vr.task_name, 'VisRAG_ChartQA');
  // the file of a task scored on part of its queries says so
  assert.equal(vr.benchmark, `MMEB-V2 v2.1, ${score.num_data} of its 63 queries`);
  assert.ok('evaluation_time' in vr);
});

test('reports regenerate from a results folder alone', async () => {
  const dir = tempDir();
  await miniRun(join(dir, 'r'));
  const data = await writeReports(join(dir, 'r'), join(dir, 'rep'));
  assert.equal(data.summary.tasks.length, 13);
  assert.ok(data.references.length >= 1 && /V2\.0/.test(data.references[0].model));
});
