/** export-submission: the MMEB leaderboard's per-model report (VLM2Vec report_score_v2.py layout), read back by `leaderboard`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { scoredTasks } from '../src/catalog/load.js';
import { runTasks } from '../src/engine/run.js';
import { loadSuite } from '../src/engine/suites.js';
import { ConfigError, DataError } from '../src/errors.js';
import { buildLeaderboard } from '../src/report/leaderboard.js';
import { readScoreSource } from '../src/report/score-files.js';
import { buildSubmission, exportSubmission, pythonFloat, pythonIsoformat, pythonJson } from '../src/report/submission.js';
import { SCORES, runCli, tempDir } from './helpers.js';

const mini = loadSuite('mini');
const floor = parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } });

async function miniRun(dir: string): Promise<string> {
  const out = join(dir, 'run');
  await runTasks({
    runId: 'sub',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot!,
    version: 'v2.1',
    backend: floor,
    outDir: out,
    cacheDir: null,
    suite: 'mini',
  });
  return out;
}

/** Everything a leaderboard row says about scores (not where they came from). */
const numbers = (r: ReturnType<typeof buildLeaderboard>[number]) => ({
  tasks: r.tasks,
  missing: r.missing,
  overall: r.overall,
  modalities: r.modalities,
  meta: r.meta,
  scores: r.scores,
});

test('Python float repr and json.dumps(indent=4) reproduce every published score report byte for byte', () => {
  assert.deepEqual([1, 0, 0.19120000000000004, 0.00005, 1e-7, 123, 1e16, 2.5e-12, -0.5, 0.8917355668881671].map(pythonFloat), [
    '1.0',
    '0.0',
    '0.19120000000000004',
    '5e-05',
    '1e-07',
    '123.0',
    '1e+16',
    '2.5e-12',
    '-0.5',
    '0.8917355668881671',
  ]);
  assert.equal(pythonIsoformat(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67))), '2026-01-02T03:04:05.067000');
  assert.equal(
    pythonJson({ a: 'é\u007f"', num_pred: 3, b: [], c: {} }),
    '{\n    "a": "\\u00e9\\u007f\\"",\n    "num_pred": 3,\n    "b": [],\n    "c": {}\n}',
  );
  let n = 0;
  for (const version of readdirSync(SCORES)) {
    for (const f of readdirSync(join(SCORES, version))) {
      const text = readFileSync(join(SCORES, version, f), 'utf8');
      assert.equal(pythonJson(JSON.parse(text)), text, `${version}/${f}`);
      n++;
    }
  }
  assert.equal(n, 9);
});

test("mini run → export-submission → leaderboard reads the report back to the run folder's numbers", async () => {
  const dir = tempDir('tte-bench-submission-');
  const run = await miniRun(dir);
  const out = join(dir, 'floor.json');
  const e = runCli([
    'export-submission',
    run,
    '--model',
    'floor',
    '--out',
    out,
    '--allow-partial',
    '--size',
    '0.001',
    '--dim',
    '64',
    '--release-date',
    '2026-11-30',
  ]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, new RegExp(`wrote ${out} \\(${78 - mini.tasks.length} scored task\\(s\\) missing`));
  // Both through the CLI, as a user compares them.
  const fromRun = runCli(['leaderboard', run, '--json', '--allow-partial']);
  const fromFile = runCli(['leaderboard', out, '--json', '--allow-partial']);
  assert.equal(fromRun.status, 0, fromRun.stderr);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  const [a] = JSON.parse(fromRun.stdout);
  const [b] = JSON.parse(fromFile.stdout);
  assert.deepEqual(numbers(b), numbers(a));
  assert.equal(b.model, 'floor');
  assert.equal(a.tasks, mini.tasks.length);
  assert.ok(a.overall > 0, 'the floor scores something, so the comparison is not of zeros');
  // Every full score object survives, not only the main metric.
  const runScores = readScoreSource(run).scores;
  const fileScores = readScoreSource(out).scores;
  assert.equal(fileScores.size, mini.tasks.length);
  for (const [t, s] of runScores) assert.deepEqual(fileScores.get(t), s, t);
  // Without --allow-partial both agree that the 78-task overall does not exist yet.
  assert.deepEqual(numbers(buildLeaderboard([out])[0]), numbers(buildLeaderboard([run])[0]));
  assert.equal(buildLeaderboard([out])[0].overall, null);
});

test("the report has report_score_v2.py's layout: metadata fields, modality and task order, N/A entries", async () => {
  const dir = tempDir('tte-bench-submission-');
  const run = await miniRun(dir);
  const at = new Date(Date.UTC(2026, 10, 30, 14, 0, 0, 5));
  const { report, missing } = buildSubmission(run, {
    model: 'floor',
    backbone: 'none',
    sizeB: 2.21,
    url: 'https://example.org/floor',
    allowPartial: true,
    generatedAt: at,
  });
  assert.deepEqual(Object.keys(report), ['metadata', 'metrics']);
  assert.deepEqual(report.metadata, {
    model_name: 'floor',
    model_backbone: 'none',
    model_size: 2.21,
    embedding_dimension: null,
    max_length_tokens: null,
    model_release_date: null,
    data_source: 'Self-Reported',
    url: 'https://example.org/floor',
    report_generated_date: '2026-11-30T14:00:00.005000',
  });
  const published = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as {
    metrics: Record<string, Record<string, unknown>>;
  };
  assert.deepEqual(Object.keys(report.metrics), Object.keys(published.metrics));
  for (const m of Object.keys(published.metrics))
    assert.deepEqual(Object.keys(report.metrics[m as 'image']), Object.keys(published.metrics[m]), m);
  const inRun = new Set(mini.tasks.map((t) => t.name));
  assert.deepEqual(
    missing,
    scoredTasks()
      .filter((t) => !inRun.has(t.name))
      .map((t) => t.name),
  );
  for (const t of scoredTasks()) {
    const v = report.metrics[t.modality][t.name];
    if (inRun.has(t.name)) assert.deepEqual(v, JSON.parse(readFileSync(join(run, `${t.name}_score.json`), 'utf8')), t.name);
    else assert.equal(v, 'FILE_N/A', t.name); // the mini suite touches every modality, so no DIR_N/A
  }
  // The written text is Python's: 4-space indent, floats with a fraction, ints for counts, no trailing newline.
  const file = join(dir, 'out', 'floor.json');
  exportSubmission(run, { model: 'floor', out: file, allowPartial: true, generatedAt: at });
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\{\n {4}"metadata": \{\n {8}"model_name": "floor",/);
  assert.match(text, /\n {16}"num_pred": \d+,\n/);
  assert.ok(!text.endsWith('\n'));
  assert.match(text, /"(hit|ndcg_linear)@\d+": (\d\.\d+(e-\d\d)?)/);
  assert.equal(pythonJson(JSON.parse(text)), text);
});

test('an incomplete run is refused without --allow-partial, and bad metadata is a ConfigError', async () => {
  const dir = tempDir('tte-bench-submission-');
  const run = await miniRun(dir);
  assert.throws(
    () => buildSubmission(run, { model: 'floor' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      new RegExp(`run has ${mini.tasks.length} of the 78 scored tasks .*--allow-partial`).test((e as Error).message),
  );
  assert.throws(() => buildSubmission(run, { model: 'floor', allowPartial: true, releaseDate: '30/11/2026' }), /not YYYY-MM-DD/);
  assert.throws(() => buildSubmission(run, { model: 'floor', allowPartial: true, embeddingDimension: 1.5 }), /must be an integer/);
  const r = runCli(['export-submission', run, '--model', 'floor', '--out', join(dir, 'x.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tte-bench: .*missing: .*--allow-partial/);
  const noRun = runCli(['export-submission', dir, '--model', 'floor', '--out', join(dir, 'x.json')]);
  assert.equal(noRun.status, 2);
  assert.match(noRun.stderr, /not a tte-bench run folder/);
});

test("a task scored on other numbers of queries than the run's benchmark version has is refused without --allow-partial", async () => {
  const dir = tempDir('tte-bench-submission-');
  const run = await miniRun(dir);
  // a complete run, made of VLM2Vec-V2's published v2.0.0 score objects in the mini run's summary
  const published = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as {
    metrics: Record<string, Record<string, Record<string, number>>>;
  };
  const byTask = new Map(Object.values(published.metrics).flatMap((m) => Object.entries(m)));
  const summaryFile = join(run, 'summary.json');
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const shape = summary.tasks[0];
  summary.tasks = scoredTasks().map((t) => {
    const s = byTask.get(t.name) as Record<string, number>;
    writeFileSync(join(run, `${t.name}_score.json`), JSON.stringify(s));
    const { name, modality, meta, metric, mode } = t;
    return { ...shape, name, modality, meta, metric, mode, main_score: s[metric], num_queries: s.num_data };
  });
  const withVersion = (version: string) => {
    summary.mmeb_version = version;
    writeFileSync(summaryFile, JSON.stringify(summary));
  };
  withVersion('v2.0.0');
  assert.deepEqual(buildSubmission(run, { model: 'V2' }).partial, []);
  // the same files as a v2.1 run: MomentSeeker has 1602 queries there
  withVersion('v2.1');
  assert.throws(
    () => buildSubmission(run, { model: 'V2' }),
    (e: unknown) =>
      e instanceof DataError &&
      /scored on another number of queries than the benchmark has: MomentSeeker 1800 \(MMEB-V2 v2\.1 has 1602\); .*--allow-partial/.test(
        (e as Error).message,
      ),
  );
  // one task's folder from a shard: fewer queries
  withVersion('v2.0.0');
  writeFileSync(join(run, 'OK-VQA_score.json'), JSON.stringify({ ...byTask.get('OK-VQA'), num_pred: 250, num_data: 250 }));
  const r = runCli(['export-submission', run, '--model', 'V2', '--out', join(dir, 'x.json')]);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /^tte-bench: .*run: scored on another number of queries than the benchmark has: OK-VQA 250 \(MMEB-V2 v2\.0\.0 has 1000\)/,
  );
  const allowed = runCli(['export-submission', run, '--model', 'V2', '--out', join(dir, 'x.json'), '--allow-partial']);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.match(
    allowed.stdout,
    /^note: scored on another number of queries than the benchmark has: OK-VQA 250 \(MMEB-V2 v2\.0\.0 has 1000\)$/m,
  );
});
