import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FORMATS_EXPECTED, FORMATS_ROOT, SCORES, runCli, tempDir } from './helpers.js';

test('tasks --json lists 78 scored tasks plus the unscored variants, with the documented fields', () => {
  const r = runCli(['tasks', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const tasks = JSON.parse(r.stdout) as { name: string; scored: boolean; meta: string }[];
  assert.equal(tasks.filter((t) => t.scored).length, 78);
  assert.equal(tasks.length, 81);
  assert.deepEqual(Object.keys(tasks[0]), ['name', 'modality', 'meta', 'metric', 'mode', 'parser', 'scored']);
  const vcls = JSON.parse(runCli(['tasks', '--json', '--meta', 'V-CLS']).stdout) as { name: string }[];
  assert.deepEqual(
    vcls.map((t) => t.name),
    ['K700', 'SmthSmthV2', 'HMDB51', 'UCF101', 'Breakfast'],
  );
  assert.equal(JSON.parse(runCli(['tasks', '--json', '--modality', 'video']).stdout).length, 18);
});

test('score prints VLM2Vec keys for a pred.jsonl; a bad line exits 2 naming file and line', () => {
  const dir = tempDir();
  const pred = join(dir, 'X_pred.jsonl');
  writeFileSync(
    pred,
    [
      JSON.stringify({ prediction: ['a', 'b', 'c'], label: 'b', rel_scores: null }),
      JSON.stringify({ prediction: [3, 1, 2], label: [1, 2], rel_scores: [2, 1] }),
      '',
    ].join('\n'),
  );
  const r = runCli(['score', '--pred', pred]);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, number>;
  assert.equal(s['hit@1'], 0);
  assert.equal(s['hit@5'], 1);
  assert.equal(s.num_pred, 2);
  // query 2: grades 1→2, 2→1, ranking 3,1,2: DCG = 2/log2(3) + 1/log2(4); IDCG = 2 + 1/log2(3)
  const q2 = (2 / Math.log2(3) + 1 / 2) / (2 + 1 / Math.log2(3));
  const q1 = 1 / Math.log2(3);
  assert.ok(Math.abs(s['ndcg_linear@5'] - (q1 + q2) / 2) < 1e-12);

  writeFileSync(pred, `${JSON.stringify({ prediction: ['a'], label: 'a', rel_scores: null })}\n{"prediction": "oops", "label": "a"}\n`);
  const bad = runCli(['score', '--pred', pred]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /X_pred\.jsonl, line 2, field 'prediction'/);
  const missing = runCli(['score', '--pred', join(dir, 'nope.jsonl')]);
  assert.equal(missing.status, 2);
});

test('leaderboard --json reproduces VLM2Vec-V2 v2.0.0 and reports missing tasks', () => {
  const r = runCli([
    'leaderboard',
    join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'),
    join(SCORES, 'v2.1-baselines-visdoc-page-fixed', 'gme-Qwen2-VL-2B-Instruct.json'),
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(rows[0]).slice(0, 6), ['model', 'tasks', 'missing', 'overall', 'modalities', 'meta']);
  assert.equal(rows[0].overall.toFixed(2), '58.02');
  assert.equal(rows[1].overall, null);
  assert.deepEqual(rows[1].missing.sort(), ['MMLongBench-doc', 'ViDoSeek-doc']);
  const text = runCli(['leaderboard', join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json')]);
  assert.match(text.stdout, /VLM2Vec-V2\.0-Qwen2VL-2B\s+58\.02\s+64\.85\s+34\.58\s+65\.36/);
});

test('dump writes the fixture EvalSet to --out; unknown tasks and missing snapshots exit 2', () => {
  const dir = tempDir();
  const out = join(dir, 'VisDial.jsonl');
  const r = runCli(['dump', '--task', 'VisDial', '--data-root', FORMATS_ROOT, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const parse = (t: string) =>
    t
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  assert.deepEqual(parse(readFileSync(out, 'utf8')), parse(readFileSync(join(FORMATS_EXPECTED, 'VisDial.jsonl'), 'utf8')));
  assert.equal(runCli(['dump', '--task', 'NoSuchTask', '--data-root', FORMATS_ROOT]).status, 2);
  const miss = runCli(['dump', '--task', 'K700', '--data-root', FORMATS_ROOT]);
  assert.equal(miss.status, 2);
  assert.match(miss.stderr, /VLM2Vec\/Kinetics-700 not found/);
});

test('validate exits 0 on a complete root and 1 when anything is missing', () => {
  assert.equal(runCli(['validate', '--data-root', FORMATS_ROOT, '--task', 'N24News,CIRR']).status, 0);
  const r = runCli(['validate', '--data-root', FORMATS_ROOT, '--task', 'N24News', '--task', 'UCF101']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL UCF101/);
});

test('run --suite mini: end to end, VLM2Vec-style files, byte-identical scores on a second run', () => {
  const a = tempDir();
  const b = tempDir();
  const r1 = runCli(['run', '--suite', 'mini', '--out', join(a, 'res'), '--report-dir', join(a, 'rep'), '--cache-dir', join(a, 'cache')]);
  assert.equal(r1.status, 0, r1.stderr);
  const r2 = runCli(['run', '--suite', 'mini', '--out', join(b, 'res'), '--report-dir', join(b, 'rep'), '--no-cache']);
  assert.equal(r2.status, 0, r2.stderr);
  const files = readdirSync(join(a, 'res')).filter((f) => f.endsWith('_score.json') || f.endsWith('_pred.jsonl') || f === 'summary.json');
  assert.equal(files.filter((f) => f.endsWith('_score.json')).length, 13);
  for (const f of files) assert.equal(readFileSync(join(a, 'res', f), 'utf8'), readFileSync(join(b, 'res', f), 'utf8'), f);
  const summary = JSON.parse(readFileSync(join(a, 'res', 'summary.json'), 'utf8'));
  const metas = new Set(summary.tasks.map((t: { meta: string }) => t.meta));
  assert.equal(metas.size, 12, 'the mini suite covers all 12 meta-tasks');
  assert.ok(summary.rollup.overall > 0 && summary.rollup.overall < 100, `non-trivial overall ${summary.rollup.overall}`);
  const score = JSON.parse(readFileSync(join(a, 'res', 'ImageNet-1K_score.json'), 'utf8'));
  assert.ok('hit@1' in score && 'ndcg_linear@5' in score && score.num_pred === 10);
  const pred = readFileSync(join(a, 'res', 'ViDoRe_arxivqa_pred.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(Array.isArray(pred[0].label) && Array.isArray(pred[0].rel_scores));
  assert.ok(existsSync(join(a, 'rep', 'report.md')));
  // scoring a written pred file again gives the written score
  const rescored = runCli(['score', '--pred', join(a, 'res', 'ViDoSeek-doc_pred.jsonl')]);
  assert.deepEqual(JSON.parse(rescored.stdout), JSON.parse(readFileSync(join(a, 'res', 'ViDoSeek-doc_score.json'), 'utf8')));
  // the run folder rolls up through the leaderboard like any score folder
  const lb = JSON.parse(runCli(['leaderboard', join(a, 'res'), '--json', '--allow-partial']).stdout);
  assert.equal(lb[0].model, 'builtin-floor');
  assert.equal(lb[0].tasks, 13);
  // a third run into the same folder reuses every finished task
  const r3 = runCli(['run', '--suite', 'mini', '--out', join(a, 'res'), '--report-dir', join(a, 'rep'), '--cache-dir', join(a, 'cache')]);
  assert.equal((r3.stderr.match(/\(reused\)/g) ?? []).length, 13);
});

test('run stops at a task with missing data (exit 2), or with --keep-going runs the rest and exits 1', () => {
  const dir = tempDir();
  const args = [
    'run',
    '--tasks',
    'K700,N24News',
    '--data-root',
    FORMATS_ROOT,
    '--out',
    join(dir, 'out'),
    '--report-dir',
    join(dir, 'rep'),
    '--no-cache',
  ];
  const stop = runCli(args);
  assert.equal(stop.status, 2);
  assert.match(stop.stderr, /VLM2Vec\/Kinetics-700 not found/);
  const go = runCli([...args, '--keep-going']);
  assert.equal(go.status, 1);
  assert.match(go.stderr, /1 task\(s\) failed:\n {2}K700:/);
  assert.ok(existsSync(join(dir, 'out', 'N24News_score.json')));
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
  assert.equal(manifest.failures[0].task, 'K700');
});
