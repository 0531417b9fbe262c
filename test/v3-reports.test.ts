/**
 * MMEB-V3 results layout and roll-ups: task names with spaces and parentheses as file names, the V3 score
 * folders and per-model reports VLM2Vec's report_score_v3.py reads and writes (Stars1233/VLM2Vec 44f991d),
 * the maintainers' paper-vs-reproduction CSV format, and export-submission's V3 layout. Every expected mean
 * is computed by hand from the values written here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogFor, scoredTasks } from '../src/catalog/load.js';
import type { Modality, TaskSpec } from '../src/catalog/types.js';
import { ConfigError, DataError } from '../src/errors.js';
import { regressionGate } from '../src/report/compare.js';
import { buildLeaderboard, formatLeaderboard } from '../src/report/leaderboard.js';
import { taskForLabel, readPaperTable } from '../src/report/paper-csv.js';
import { buildSummary } from '../src/report/results.js';
import { exportSubmission } from '../src/report/submission.js';
import { checkTaskName, taskFile } from '../src/util/task-file.js';
import { toJson } from '../src/util/json.js';
import { tempDir } from './helpers.js';

const V3 = scoredTasks(catalogFor('v3'));
const close = (a: number | null | undefined, b: number, eps = 1e-9) =>
  assert.ok(typeof a === 'number' && Math.abs(a - b) <= eps, `${a} != ${b}`);

/** One main-metric value per group (fractions); the other metric gets a different value, so a wrong metric shows. */
const GROUP_VALUE: Record<string, number> = {
  image: 0.5,
  video: 0.25,
  visdoc: 0.75,
  audio: 0.1,
  text: 0.2,
  tool: 0.4,
  gui: 0.3,
  memory: 0.6,
};
const scoreFor = (t: TaskSpec) => {
  const v = GROUP_VALUE[t.modality];
  return t.metric === 'hit@1' ? { 'hit@1': v, 'ndcg_linear@5': 0.99 } : { 'hit@1': 0.01, 'ndcg_linear@5': v };
};
// by hand: overall = (37·.5 + 18·.25 + 24·.75 + 11·.1 + 53·.2 + 35·.4 + 8·.3 + 4·.6) / 190 = 71.5 / 190;
// agent = (35·.4 + 8·.3 + 4·.6) / 47 = 18.8 / 47 = .4
const OVERALL = (71.5 / 190) * 100;
const AGENT = 40;

test('the V3 catalog: 190 scored tasks, every name one file-name segment, the awkward ones among them', () => {
  assert.equal(V3.length, 190);
  for (const t of V3) assert.equal(checkTaskName(t.name), t.name);
  const names = new Set(V3.map((t) => t.name));
  for (const n of ['Legal Document', 'Medical Case', 'TUTSound(hard)', 'Biology', 'biology', '2wikimqa']) assert.ok(names.has(n), n);
});

test('task files: spaces and parentheses kept as they are, a separator or dot name refused (never a subfolder)', () => {
  const dir = tempDir();
  assert.equal(taskFile(dir, 'Legal Document', '_score.json'), join(dir, 'Legal Document_score.json'));
  assert.equal(taskFile(dir, 'TUTSound(hard)', '_pred.jsonl'), join(dir, 'TUTSound(hard)_pred.jsonl'));
  for (const bad of ['text/BRIGHT/aops', 'a\\b', '..', '.', '', 'x\ny']) {
    assert.throws(() => taskFile(dir, bad, '_score.json'), ConfigError, JSON.stringify(bad));
  }
});

/** `<exp>/<group>/<task>_score.json`; text tasks nested as eval.py writes their YAML keys (text/<Family>/<task>). */
function writeV3Folder(dir: string, skip: string[] = []): void {
  for (const t of V3) {
    if (skip.includes(t.name)) continue;
    const sub = t.modality === 'text' && t.v3 ? join(dir, ...t.v3.key.split('/').slice(0, -1)) : join(dir, t.modality);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${t.name}_score.json`), JSON.stringify(scoreFor(t)));
  }
}

test('leaderboard over a V3 score folder: eight groups by their metric, agent over 47 tasks, overall over 190', () => {
  const dir = join(tempDir(), 'my-model');
  writeV3Folder(dir);
  assert.ok(existsSync(join(dir, 'text', 'MultiConIR', 'Legal Document_score.json')), 'nested text layout');
  const [row] = buildLeaderboard([dir]);
  assert.equal(row.tasks, 190);
  assert.deepEqual(row.missing, []);
  for (const [g, v] of Object.entries(GROUP_VALUE)) close(row.modalities[g as Modality], v * 100);
  close(row.modalities.agent, AGENT);
  close(row.overall, OVERALL);
  assert.deepEqual(Object.keys(row.modalities), ['image', 'video', 'visdoc', 'audio', 'text', 'tool', 'gui', 'memory', 'agent']);
  assert.equal(row.scores['Legal Document'], 20);
  assert.equal(row.scores['TUTSound(hard)'], 10);
  const table = formatLeaderboard([row]);
  assert.match(table.split('\n')[0], /Overall\s+Image\s+Video\s+VisDoc\s+Audio\s+Text\s+Tool\s+GUI\s+Memory\s+Agent\s+Tasks/);
  assert.match(table, /37\.63 .* 40\.00 +190\/190/);
});

test('missing V3 tasks are named and make their group, agent and overall null (as V2 does), unless --allow-partial', () => {
  const dir = join(tempDir(), 'partial');
  writeV3Folder(dir, ['Legal Document', 'KnowMeBench']);
  const [row] = buildLeaderboard([dir]);
  assert.deepEqual(row.missing, ['Legal Document', 'KnowMeBench']);
  assert.equal(row.tasks, 188);
  assert.equal(row.modalities.text, null);
  assert.equal(row.modalities.memory, null);
  assert.equal(row.modalities.agent, null);
  assert.equal(row.overall, null);
  close(row.modalities.tool, 40);
  assert.match(formatLeaderboard([row]), /partial: missing 2 task\(s\): Legal Document, KnowMeBench/);
  const [loose] = buildLeaderboard([dir], { allowPartial: true });
  close(loose.modalities.text, 20);
  // agent over the 46 present: (35·.4 + 8·.3 + 3·.6) / 46 = 18.2 / 46
  close(loose.modalities.agent, (18.2 / 46) * 100);
  // overall over 188: (71.5 − .2 − .6) / 188
  close(loose.overall, (70.7 / 188) * 100);
});

/** A V3 run folder written the way a run writes one (summary.json from buildSummary, {task}_score.json). */
function writeV3Run(dir: string, skip: string[] = []): void {
  mkdirSync(dir, { recursive: true });
  const results = V3.filter((t) => !skip.includes(t.name)).map((t) => ({ task: t, scores: scoreFor(t), numQueries: 4, numCandidates: 9 }));
  for (const r of results) writeFileSync(taskFile(dir, r.task.name, '_score.json'), JSON.stringify(r.scores));
  const backend = { name: 'tiny', pipeline: 'no-think', embedder: { type: 'builtin' }, reasoner: null };
  writeFileSync(join(dir, 'summary.json'), toJson(buildSummary('r1', 'v3', null, backend, results)));
}

test('a V3 run summary rolls up to the V3 columns; export-submission --mmeb-version v3 writes report_score_v3.py layout and report', () => {
  const root = tempDir();
  const run = join(root, 'run');
  writeV3Run(run, ['TUTSound(hard)']);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
  assert.equal(summary.benchmark, 'MMEB-V3');
  close(summary.rollup.modalities.agent, AGENT);
  close(summary.rollup.modalities.text, 20);
  // 189 tasks: (71.5 − .1) / 189
  close(summary.rollup.overall, (71.4 / 189) * 100);
  assert.throws(() => exportSubmission(run, { model: 'tiny', out: join(root, 'exp') }), /189 of the 190/);
  const out = join(root, 'exp');
  const { file, missing } = exportSubmission(run, {
    model: 'Tiny Model',
    out,
    version: 'v3',
    allowPartial: true,
    generatedAt: new Date('2026-01-02T03:04:05.678Z'),
  });
  assert.deepEqual(missing, ['TUTSound(hard)']);
  assert.equal(file, join(out, 'Tiny Model.json'));
  assert.deepEqual(readdirSync(out).sort(), ['Tiny Model.json', 'audio', 'gui', 'image', 'memory', 'text', 'tool', 'video', 'visdoc']);
  assert.ok(existsSync(join(out, 'text', 'Legal Document_score.json')));
  assert.ok(!existsSync(join(out, 'audio', 'TUTSound(hard)_score.json')));
  const report = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(Object.keys(report.metrics), ['image', 'video', 'visdoc', 'audio', 'text', 'tool', 'gui', 'memory']);
  assert.deepEqual(Object.keys(report.metadata), [
    'model_name',
    'model_backbone',
    'model_size',
    'embedding_dimension',
    'max_length_tokens',
    'model_release_date',
    'data_source',
    'url',
    'contact',
    'report_generated_date',
  ]);
  assert.equal(report.metrics.audio['TUTSound(hard)'], 'FILE_N/A');
  assert.ok('ViDoSeek-page-fixed' in report.metrics.visdoc && !('ViDoSeek-page' in report.metrics.visdoc));
  assert.ok('MMLongBench-page-fixed' in report.metrics.visdoc);
  assert.match(readFileSync(file, 'utf8'), /^\{\n {4}"metadata": \{\n/);
  // both outputs read back to the same roll-up: the folder and the report (its -fixed keys mapped back)
  const [fromFolder] = buildLeaderboard([out]);
  const [fromReport] = buildLeaderboard([file]);
  for (const row of [fromFolder, fromReport]) {
    assert.deepEqual(row.missing, ['TUTSound(hard)']);
    assert.equal(row.tasks, 189);
    assert.equal(row.scores['ViDoSeek-page'], 75);
    close(row.modalities.visdoc, 75);
    close(row.modalities.agent, AGENT);
  }
  assert.equal(fromReport.model, 'Tiny Model');
});

test('a V3 report with report_score_v3.py status strings: DIR_N/A / JSON_ERROR entries are missing tasks, named', () => {
  const dir = tempDir();
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const t of V3) {
    metrics[t.modality] ??= {};
    metrics[t.modality][t.name === 'ViDoSeek-page' ? 'ViDoSeek-page-fixed' : t.name] = t.modality === 'gui' ? 'DIR_N/A' : scoreFor(t);
  }
  metrics.text['Medical Case'] = 'JSON_ERROR';
  const file = join(dir, 'm.json');
  writeFileSync(file, JSON.stringify({ metadata: { model_name: 'M' }, metrics }));
  const [row] = buildLeaderboard([file]);
  assert.deepEqual(row.missing, [...V3.filter((t) => t.modality === 'gui').map((t) => t.name), 'Medical Case'].sort(byCatalog));
  assert.equal(row.modalities.gui, null);
  assert.equal(row.modalities.text, null);
  assert.equal(row.modalities.agent, null);
  close(row.modalities.visdoc, 75);
});
const order = new Map(V3.map((t, i) => [t.name, i]));
const byCatalog = (a: string, b: string) => (order.get(a) as number) - (order.get(b) as number);

test('the regression gate on two V3 run folders shows the V3 groups and agent', () => {
  const root = tempDir();
  writeV3Run(join(root, 'a'));
  writeV3Run(join(root, 'b'));
  const gate = regressionGate(join(root, 'a'), join(root, 'b'), { maxDrop: 0 });
  assert.equal(gate.ok, true);
  const groups = gate.lines.filter((l) => l.level === 'modality').map((l) => l.name);
  assert.deepEqual(groups, ['image', 'video', 'visdoc', 'audio', 'text', 'tool', 'gui', 'memory', 'agent']);
  close(gate.lines.find((l) => l.name === 'agent')?.baseline, AGENT);
  assert.ok(gate.lines.some((l) => l.level === 'task' && l.name === 'TUTSound(hard)'));
});

// ---- the maintainers' paper-vs-reproduction CSV format (synthetic values; labels as the real tables write them)

const PAPER_HEADER = 'dataset,Model A (paper),Model B (paper),"Model B (reproduced, ndcg_linear@5)",diff,eval_time_s';

function writeCsv(dir: string, name: string, lines: string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('CSV labels map to report names: family prefixes, Tool-, case, spaces and separators', () => {
  const of = (g: string) => V3.filter((t) => t.modality === g);
  const cases: [string, string, string][] = [
    ['text', 'BRIGHT earth science', 'earth_science'],
    ['text', 'BRIGHT biology', 'biology'],
    ['text', 'R2MED Biology', 'Biology'],
    ['text', 'MultiConIR Legal Document', 'Legal Document'],
    ['text', 'LongEmbed summ screen fd', 'summ_screen_fd'],
    ['text', 'InfoSearch Audience-v1', 'Audience-v1'],
    ['tool', 'Tool-craft-math-algebra', 'craft-math-algebra'],
    ['tool', 'Tool-tool-be-honest', 'tool-be-honest'],
    ['tool', 'tool-be-honest', 'tool-be-honest'],
    ['gui', 'GAE-guiact-q2s', 'GAE-GUIAct_q2s'],
    ['gui', 'GAE-mind2web-t2s', 'GAE-Mind2Web_t2s'],
    ['visdoc', 'ViDoRe arxivqa', 'ViDoRe_arxivqa'],
    ['visdoc', 'VisRAG MP-DocVQA', 'VisRAG_MP-DocVQA'],
    ['visdoc', 'ViDoRe syntheticDocQA artificial intelligence', 'ViDoRe_syntheticDocQA_artificial_intelligence'],
    ['image', 'MSCOCO i2t', 'MSCOCO_i2t'],
    ['image', 'MSCOCO', 'MSCOCO'],
    ['audio', 'TUTSound(hard)', 'TUTSound(hard)'],
  ];
  for (const [g, label, name] of cases) assert.equal(taskForLabel(label, of(g), 'x.csv')?.name, name, label);
  assert.equal(taskForLabel('No Such Set', of('text'), 'x.csv'), null);
});

test('paper CSVs: one model per (paper) column, average rows checked, means as hand-computed', () => {
  const dir = join(tempDir(), 'modelb');
  writeCsv(dir, 'modelb_memory_hit@1_paper_vs_repro.csv', [
    'dataset,Model A (paper),Model B (paper),Model B (reproduced),diff (repro - paper),eval_time_s,eval_time',
    'DeepPlanning,10.0,40.1,40.0,-0.1,24,0m24',
    'KnowMeBench,20.0,30.5,30.5,0.0,74,1m14',
    'PeerQA,30.5,20.0,20.0,0.0,14,0m14',
    'REALTALK,40.1,10.0,10.1,0.1,14,0m14',
    // Model A: (10 + 20 + 30.5 + 40.1) / 4 = 25.15; Model B the same values reversed
    'AVG (n=4),25.2,25.1,25.2,0.0,,',
  ]);
  writeCsv(dir, 'modelb_text_ndcglinear@5_paper_vs_repro.csv', [
    PAPER_HEADER,
    'BRIGHT biology,12.0,1.5,1.6,0.1,56',
    'R2MED Biology,24.0,,3.0,,30',
    'MultiConIR Legal Document,6.5,4.5,4.4,-0.1,12',
    'AVG (n=53),,,3.0,,',
    'PAPER category avg (Model B),,,3.0,,',
  ]);
  // Nemotron's audio table: a note line, one unnamed paper column (the folder's reproduced model's)
  writeCsv(dir, 'modelb_audio_hit@1_paper_vs_repro.csv', [
    '"# Model B audio reproduced on the merged code."',
    'dataset,paper hit@1,reproduced hit@1,authors repro_new,diff (repro - repro_new)',
    'NSynth,28.2,22.5,22.7,-0.2',
    'TUTSound(hard),41.0,40.0,40.0,0.0',
  ]);
  writeCsv(dir, 'modelb_omniset_hit@1_mrr_paper_vs_repro.csv', ['direction,Hit@1 (paper),Hit@1 (repro),n', 'T2I,0.0,0.0,101']);
  const memory = readPaperTable(join(dir, 'modelb_memory_hit@1_paper_vs_repro.csv'), catalogFor('v3').tasks, ['memory']);
  assert.equal(memory.checkedAverages, 2);

  const rows = buildLeaderboard([dir], { allowPartial: true });
  // models in the order the folder's tables (sorted by name) first name them: audio names Model B alone
  assert.deepEqual(
    rows.map((r) => r.model),
    ['Model B', 'Model A'],
  );
  const [b, a] = rows;
  close(a.modalities.memory, 25.15);
  close(b.modalities.memory, 25.15);
  // Model A text: (12 + 24 + 6.5) / 3; Model B: R2MED Biology is empty, so (1.5 + 4.5) / 2
  close(a.modalities.text, 42.5 / 3);
  close(b.modalities.text, 3);
  assert.equal(a.scores['Legal Document'], 6.5);
  assert.equal(b.scores.biology, 1.5);
  assert.equal(b.scores.Biology, undefined);
  // the unnamed audio column is Model B's: (28.2 + 41) / 2
  close(b.modalities.audio, 34.6);
  assert.equal(a.modalities.audio, null);
  assert.equal(b.scores['TUTSound(hard)'], 41);
  // agent = memory only here: 4 tasks
  close(b.modalities.agent, 25.15);
  // strict (as V2): the missing tasks are named and nothing is averaged over a part
  const strictA = buildLeaderboard([dir]).find((r) => r.model === 'Model A')!;
  close(strictA.modalities.memory, 25.15);
  assert.equal(strictA.modalities.text, null);
  assert.equal(strictA.overall, null);
  assert.equal(strictA.missing.length, 190 - 7);
});

test('paper CSVs: an average row that disagrees, a bad cell, or a wrong metric is a DataError naming the file', () => {
  const dir = tempDir();
  const tasks = catalogFor('v3').tasks;
  const avg = writeCsv(dir, 'x_memory_hit@1_paper_vs_repro.csv', [
    'dataset,Model A (paper)',
    'DeepPlanning,10.0',
    'KnowMeBench,20.0',
    'PeerQA,30.0',
    'REALTALK,40.0',
    'AVG (n=4),26.0',
  ]);
  assert.throws(
    () => readPaperTable(avg, tasks, ['memory']),
    (e: unknown) => e instanceof DataError && /average row gives 26/.test(String(e)) && String(e).includes(avg),
  );
  const cell = writeCsv(dir, 'y_gui_hit@1_paper_vs_repro.csv', ['dataset,Model A (paper)', 'GAE-guiact-q2s,n/a']);
  assert.throws(() => readPaperTable(cell, tasks, ['gui']), /'n\/a' is not a score in 0–100/);
  const metric = writeCsv(dir, 'z_text_hit@1_paper_vs_repro.csv', ['dataset,Model A (paper)', 'BRIGHT aops,2.0']);
  assert.throws(() => readPaperTable(metric, tasks, ['text']), /holds hit@1 but aops's main metric is ndcg_linear@5/);
});

test('V2 sources keep the V2 table (no agent, twelve meta-task columns)', () => {
  const dir = join(tempDir(), 'v2');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'MSCOCO_score.json'), JSON.stringify({ 'hit@1': 0.5 }));
  const [row] = buildLeaderboard([dir]);
  assert.equal(row.modalities.agent, undefined);
  assert.deepEqual(Object.keys(row.modalities), ['image', 'video', 'visdoc']);
  assert.equal(row.tasks + row.missing.length, 78);
  assert.match(formatLeaderboard([row]).split('\n')[0], /VisDoc\s+I-CLS/);
});

test('merge: shards holding `Legal Document` and `TUTSound(hard)` merge into one V3 run that leaderboard and the gate read', async () => {
  const { mergeShards } = await import('../src/engine/merge.js');
  const root = tempDir();
  const names = ['Legal Document', 'TUTSound(hard)'];
  const backend = { name: 'tiny', pipeline: 'no-think', embedder: { type: 'builtin' }, reasoner: null };
  names.forEach((name, index) => {
    const dir = join(root, `shard${index}`);
    mkdirSync(dir, { recursive: true });
    const task = V3.find((t) => t.name === name) as TaskSpec;
    const scores = scoreFor(task);
    writeFileSync(taskFile(dir, name, '_score.json'), JSON.stringify(scores));
    writeFileSync(taskFile(dir, name, '_pred.jsonl'), '{"prediction":["d1"],"label":"d1","rel_scores":null}\n');
    writeFileSync(
      join(dir, 'summary.json'),
      toJson(buildSummary('r1', 'v3', null, backend, [{ task, scores, numQueries: 1, numCandidates: 2 }])),
    );
    writeFileSync(
      join(dir, 'manifest.json'),
      toJson({ run_id: 'r1', mmeb_version: 'v3', suite: null, shard: { index, count: 2, allTasks: names }, tasks: {} }),
    );
  });
  const out = join(root, 'merged');
  const summary = mergeShards([join(root, 'shard0'), join(root, 'shard1')], out);
  assert.deepEqual(
    summary.tasks.map((t) => t.name),
    names,
  );
  assert.deepEqual(
    readdirSync(out)
      .filter((f) => f.endsWith('_score.json'))
      .sort(),
    ['Legal Document_score.json', 'TUTSound(hard)_score.json'],
  );
  const [row] = buildLeaderboard([out], { allowPartial: true });
  assert.deepEqual(row.scores, { 'TUTSound(hard)': 10, 'Legal Document': 20 });
  close(row.modalities.text, 20);
  close(row.modalities.audio, 10);
  const gate = regressionGate(out, out, { maxDrop: 0 });
  assert.deepEqual(
    gate.lines.filter((l) => l.level === 'task').map((l) => l.name),
    ['TUTSound(hard)', 'Legal Document'],
  );
});

test('a V3 run report (Markdown and HTML) has the V3 groups, agent and the tasks under their own names', async () => {
  const { buildReportData } = await import('../src/report/write.js');
  const { markdownReport } = await import('../src/report/markdown.js');
  const { htmlReport } = await import('../src/report/html.js');
  const run = join(tempDir(), 'run');
  writeV3Run(run);
  const data = await buildReportData(run);
  const md = markdownReport(data);
  const header = md.split('\n').find((l) => l.startsWith('| Model |')) as string;
  assert.match(header, /\| Overall \| Image \| Video \| Visdoc \| Audio \| Text \| Tool \| GUI \| Memory \| Agent \| I-CLS .* \| MEM \|/);
  assert.match(md, /37\.6\d? \|.* 40\.0\d? \|/);
  assert.ok(md.includes('Legal Document') && md.includes('TUTSound(hard)'));
  const html = htmlReport(data);
  assert.ok(html.includes('<th>Agent</th>') && html.includes('TUTSound(hard)'));
});
