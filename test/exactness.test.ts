/**
 * Inputs on which a re-implementation of VLM2Vec's scoring could silently part from it: each case either
 * scores as VLM2Vec's RankingMetrics (src/utils/eval_utils/metrics.py, commit 6e1e1d4) does, or — where
 * VLM2Vec raises, or where JSON numbers lose the distinction Python keeps — is refused with a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../src/errors.js';
import { readPredictionFile } from '../src/metrics/pred-file.js';
import { ndcgAtK, scorePredictions } from '../src/metrics/ranking.js';
import { runCli, tempDir } from './helpers.js';

function predFile(lines: unknown[]): string {
  const file = join(tempDir(), 'task_pred.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

test('a repeated label with rel_scores is refused, as VLM2Vec raises (its set() makes labels and grades differ in length)', () => {
  // RankingMetrics.evaluate de-duplicates the labels with set() and then ndcg_at_k raises
  // ValueError("If rels is provided, label must be a list of the same length.")
  assert.throws(() => ndcgAtK(['a'], ['a', 'a'], 5, [1, 1], 'linear'), RangeError);
  const file = predFile([
    { prediction: ['a', 'b'], label: ['a', 'b'], rel_scores: [2, 1] },
    { prediction: ['a', 'b'], label: ['a', 'b', 'a'], rel_scores: [2, 1, 3] },
  ]);
  assert.throws(
    () => readPredictionFile(file),
    (e: Error) => e instanceof DataError && /line 2/.test(e.message) && /'a'/.test(e.message) && /rel_scores|label/.test(e.message),
  );
  // without grades a repeated label is harmless (set semantics), as in VLM2Vec
  const ok = readPredictionFile(predFile([{ prediction: ['b', 'a'], label: ['a', 'a'], rel_scores: null }]));
  const s = scorePredictions(ok);
  assert.equal(s['hit@1'], 0);
  assert.equal(s['recall@5'], 1); // one distinct label, found
  assert.equal(s['map@5'], 1 / 2);
});

test('ids: a number and a string with the same digits in one line are refused (Python compares 7 and "7" as different ids)', () => {
  const file = predFile([{ prediction: [7, 3], label: '7', rel_scores: null }]);
  assert.throws(
    () => readPredictionFile(file),
    (e: Error) => e instanceof DataError && /line 1/.test(e.message) && /7/.test(e.message),
  );
  // numbers throughout (ViDoRe's int64 ids, as VLM2Vec writes them) stay fine, and so do strings throughout
  const nums = readPredictionFile(predFile([{ prediction: [3, 7], label: [7], rel_scores: [1] }]));
  assert.deepEqual(nums[0].prediction, ['3', '7']);
  assert.equal(scorePredictions(nums)['hit@5'], 1);
  // a number and an unrelated string in one line compare as different either way: accepted
  const mixed = readPredictionFile(predFile([{ prediction: [3, 'x'], label: 'x', rel_scores: null }]));
  assert.equal(scorePredictions(mixed)['mrr@5'], 1 / 2);
  // 1 and 1.0 are one id in Python (1 == 1.0) and here
  const floatFile = join(tempDir(), 'floats_pred.jsonl');
  writeFileSync(floatFile, '{"prediction": [1.0, 2], "label": 1, "rel_scores": null}\n');
  const floats = readPredictionFile(floatFile);
  assert.equal(scorePredictions(floats)['hit@1'], 1);
});

test('ids: integers beyond 2^53 are refused (JSON.parse would merge distinct ids; Python keeps them apart)', () => {
  const dir = tempDir();
  const file = join(dir, 'big_pred.jsonl');
  // 9007199254740993 parses to 9007199254740992 here: the two ids would become one and the query would "hit"
  writeFileSync(file, '{"prediction": [9007199254740993, 5], "label": [9007199254740992], "rel_scores": null}\n');
  assert.throws(
    () => readPredictionFile(file),
    (e: Error) => e instanceof DataError && /line 1/.test(e.message) && /field 'prediction'/.test(e.message) && /string/.test(e.message),
  );
  const r = runCli(['score', '--pred', file]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /big_pred\.jsonl, line 1/);
});

test('rank --gold: a gold line it cannot read as labels is refused with its line, not turned into the label "null"', async () => {
  const { rankFiles } = await import('../src/scoring/rank-files.js');
  const { npyBytes } = await import('../src/util/npy.js');
  const dir = tempDir();
  const d = 3;
  const q = Float32Array.from({ length: 2 * d }, (_, i) => Math.sin(i + 1));
  const c = Float32Array.from({ length: 4 * d }, (_, i) => Math.cos(i * 1.3));
  writeFileSync(join(dir, 'q.npy'), npyBytes({ rows: 2, cols: d, data: q }));
  writeFileSync(join(dir, 'c.npy'), npyBytes({ rows: 4, cols: d, data: c }));
  const rank = (goldLines: string[]) => {
    const gold = join(dir, 'gold.jsonl');
    writeFileSync(gold, goldLines.join('\n') + '\n');
    return rankFiles({ queries: join(dir, 'q.npy'), candidates: join(dir, 'c.npy'), gold, k: 4 });
  };
  // each bad line is line 2 of its file; line 1 is fine
  const bad: [string, RegExp][] = [
    ['null', /label/],
    ['{"labels": ["1"]}', /label/], // a misspelt key: no label at all
    ['[["1"]]', /label/],
    ['{"label": {"id": "1"}}', /label/],
    ['{"label": "1", "rel_scores": "3"}', /rel_scores/],
    ['{"label": ["1", "2"], "rel_scores": [1]}', /rel_scores/],
    ['{"label": ["1", "1"], "rel_scores": [1, 2]}', /listed twice/],
    ['{"label": "1", "rel_scores": [true]}', /rel_scores/],
    ['[9007199254740993]', /2\^53/],
  ];
  for (const [line, why] of bad) {
    await assert.rejects(
      rank(['"0"', line]),
      (e: Error) => e instanceof DataError && /gold\.jsonl, line 2/.test(e.message) && why.test(e.message),
      line,
    );
  }
  // what it reads: an id, a list of ids, or {label, rel_scores}; numbers become their digits
  const { predictions } = await rank(['3', '{"label": [0, "2"], "rel_scores": [2, 1]}']);
  const preds = [...predictions];
  assert.equal(preds[0].label, '3');
  assert.deepEqual(preds[1].label, ['0', '2']);
  assert.deepEqual(preds[1].rel_scores, [2, 1]);
});

test('score folders and reports: one task under two keys (ViDoSeek-page and ViDoSeek-page-fixed) is refused, not settled by file order', async () => {
  const { mkdirSync, readFileSync } = await import('node:fs');
  const { buildLeaderboard } = await import('../src/report/leaderboard.js');
  const { SCORES } = await import('./helpers.js');
  type Report = { metrics: Record<string, Record<string, Record<string, number>>> };
  const old = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as Report;
  const fixed = JSON.parse(
    readFileSync(join(SCORES, 'v2.1-baselines-visdoc-page-fixed', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8'),
  ) as Report;
  const dir = join(tempDir(), 'mixed');
  mkdirSync(dir);
  for (const tasks of Object.values(old.metrics)) {
    for (const [task, s] of Object.entries(tasks)) writeFileSync(join(dir, `${task}_score.json`), JSON.stringify(s));
  }
  // the v2.0.0 folder plus a post-fix ViDoSeek-page result under the key report_score_v2.py now writes
  writeFileSync(join(dir, 'ViDoSeek-page-fixed_score.json'), JSON.stringify(fixed.metrics.visdoc['ViDoSeek-page']));
  assert.throws(
    () => buildLeaderboard([dir]),
    (e: Error) =>
      e instanceof DataError && /ViDoSeek-page-fixed/.test(e.message) && /ViDoSeek-page_score\.json|'ViDoSeek-page'/.test(e.message),
  );
  // the same object under both keys says one thing: accepted (58.02 as published)
  writeFileSync(join(dir, 'ViDoSeek-page-fixed_score.json'), JSON.stringify(old.metrics.visdoc['ViDoSeek-page']));
  assert.equal(buildLeaderboard([dir])[0].overall?.toFixed(2), '58.02');
  // a report listing one task under two modalities with different scores
  const twice = structuredClone(old);
  twice.metrics.video.HatefulMemes = { ...old.metrics.image.HatefulMemes, 'hit@1': 0.99 };
  const file = join(tempDir(), 'twice.json');
  writeFileSync(file, JSON.stringify(twice));
  assert.throws(
    () => buildLeaderboard([file]),
    (e: Error) => e instanceof DataError && /HatefulMemes/.test(e.message),
  );
});

test('roll-ups average the scored tasks only: the English-only ViDoRe-V2 variants never enter VD-V2, visdoc or the overall', async () => {
  const { mkdirSync, readFileSync } = await import('node:fs');
  const { rollUp } = await import('../src/metrics/aggregate.js');
  const { getTask, loadCatalog, scoredTasks } = await import('../src/catalog/load.js');
  const { regressionGate } = await import('../src/report/compare.js');
  const { buildLeaderboard } = await import('../src/report/leaderboard.js');
  const { SCORES } = await import('./helpers.js');
  // hand-computed: VD-V2 = the four scored tasks (report_score_v2.py's modality2dataset), not the English copies
  const vdv2 = [
    'ViDoRe_esg_reports_human_labeled_v2',
    'ViDoRe_biomedical_lectures_v2_multilingual',
    'ViDoRe_economics_reports_v2_multilingual',
  ];
  const english = 'ViDoRe_biomedical_lectures_v2';
  const scores = new Map([...vdv2.map((t, i) => [t, 0.1 * (i + 1)] as [string, number]), [english, 0.9]]);
  const r = rollUp(
    scores,
    [...vdv2, english].map((t) => getTask(t)),
    { allowPartial: true, scale: 100 },
  );
  assert.equal(r.meta['VD-V2']?.toFixed(6), (20).toFixed(6)); // (10 + 20 + 30) / 3
  assert.equal(r.overall?.toFixed(6), (20).toFixed(6));
  assert.equal(r.tasks, 3);
  // the regression gate over two VLM2Vec eval folders that also hold the English variants' score files
  type Report = { metrics: Record<string, Record<string, Record<string, number>>> };
  const folder = (version: string) => {
    const doc = JSON.parse(readFileSync(join(SCORES, version, 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as Report;
    const dir = join(tempDir(), version);
    mkdirSync(dir);
    for (const tasks of Object.values(doc.metrics)) {
      for (const [task, s] of Object.entries(tasks)) writeFileSync(join(dir, `${task}_score.json`), JSON.stringify(s));
    }
    for (const t of loadCatalog().tasks.filter((x) => !x.scored)) {
      writeFileSync(join(dir, `${t.name}_score.json`), JSON.stringify({ 'hit@1': 1, 'ndcg_linear@5': version === 'v2.0.0' ? 1 : 0 }));
    }
    return dir;
  };
  const [base, cand] = [folder('v2.0.0'), folder('v2.0.1')];
  // v2.0.1 re-scored MomentSeeker on 1602 queries (1800 in v2.0.0): another measurement, refused unless allowed
  assert.throws(
    () => regressionGate(base, cand, { maxDrop: 100 }),
    /measured different things: MomentSeeker num_data \(baseline 1800, candidate 1602\); pass --allow-different-data/,
  );
  const gate = regressionGate(base, cand, { maxDrop: 100, allowDifferentData: true });
  assert.deepEqual(gate.differentData, [{ what: 'MomentSeeker num_data', baseline: 1800, candidate: 1602 }]);
  const overall = gate.lines.find((l) => l.level === 'overall');
  const [lbBase] = buildLeaderboard([base]);
  const [lbCand] = buildLeaderboard([cand]);
  assert.equal(lbBase.overall?.toFixed(2), '58.02');
  assert.equal(overall?.baseline, lbBase.overall);
  assert.equal(overall?.candidate, lbCand.overall);
  assert.equal(gate.lines.find((l) => l.name === 'VD-V2')?.baseline, lbBase.meta['VD-V2']);
  // the unscored tasks are still compared task by task
  assert.ok(gate.lines.some((l) => l.level === 'task' && l.name === english && l.drop === 100));
  assert.equal(scoredTasks().length, 78);
});

test('leaderboard reads an eval output folder in the layout report_score_v2.py reads (<exp>/{image,video,visdoc}/<task>_score.json)', async () => {
  const { mkdirSync, readFileSync } = await import('node:fs');
  const { buildLeaderboard } = await import('../src/report/leaderboard.js');
  const { SCORES } = await import('./helpers.js');
  type Report = { metrics: Record<string, Record<string, Record<string, number>>> };
  const doc = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as Report;
  const exp = join(tempDir(), 'VLM2Vec-Qwen2VL-V2.0-2B');
  for (const [modality, tasks] of Object.entries(doc.metrics)) {
    mkdirSync(join(exp, modality), { recursive: true });
    for (const [task, s] of Object.entries(tasks)) writeFileSync(join(exp, modality, `${task}_score.json`), JSON.stringify(s));
  }
  const [row] = buildLeaderboard([exp]);
  assert.equal(row.model, 'VLM2Vec-Qwen2VL-V2.0-2B');
  assert.equal(row.tasks, 78);
  assert.equal(row.overall?.toFixed(2), '58.02');
  assert.deepEqual(
    [row.modalities.image, row.modalities.video, row.modalities.visdoc].map((v) => v?.toFixed(2)),
    ['64.85', '34.58', '65.36'],
  );
  // one task's score in two modality folders, different: refused
  writeFileSync(join(exp, 'video', 'HatefulMemes_score.json'), JSON.stringify({ ...doc.metrics.image.HatefulMemes, 'hit@1': 0.99 }));
  assert.throws(
    () => buildLeaderboard([exp]),
    (e: Error) => e instanceof DataError && /HatefulMemes/.test(e.message),
  );
  // a folder with neither score files nor modality folders of them is still an error
  const empty = join(tempDir(), 'empty');
  mkdirSync(join(empty, 'image'), { recursive: true });
  assert.throws(
    () => buildLeaderboard([empty]),
    (e: Error) => e instanceof DataError && /_score\.json/.test(e.message),
  );
});

/** Edge cases in one pred file; the expected values are what VLM2Vec's RankingMetrics (6e1e1d4) with numpy 2.4 gives. */
const EDGE_LINES = [
  '{"prediction": ["a", "a", "b", "c"], "label": ["a"], "rel_scores": null}',
  '{"prediction": ["x", "b", "b", "a", "c", "d", "e", "f", "g", "h", "a"], "label": ["a", "b", "zz"], "rel_scores": null}',
  '{"prediction": ["c"], "label": "c", "rel_scores": null}',
  '{"prediction": [], "label": ["a"], "rel_scores": null}',
  '{"prediction": ["a", "b"], "label": [], "rel_scores": null}',
  '{"prediction": ["q", "r", "s"], "label": ["missing"], "rel_scores": null}',
  '{"prediction": [5, 3, 9, 1], "label": [3, 1], "rel_scores": [2, 2]}',
  '{"prediction": [5, 3, 9, 1], "label": [7], "rel_scores": [1]}',
  '{"prediction": ["p1", "p2", "p1", "p3"], "label": ["p1", "p3"], "rel_scores": [3, 3]}',
  '{"prediction": ["a", "b", "c", "d", "e", "f"], "label": ["f", "f", "e"], "rel_scores": null}',
  '{"prediction": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"], "label": ["k", "l", "a"], "rel_scores": null}',
  '{"prediction": ["a", "b"], "label": ["b"], "rel_scores": [0]}',
  '{"prediction": ["a", "b"], "label": ["a", "b"], "rel_scores": [0.5, 0.5]}',
];
const EDGE_EXPECTED: [string, number][] = [
  ['hit@1', 0.38461538461538464],
  ['hit@5', 0.6923076923076923],
  ['hit@10', 0.6923076923076923],
  ['ndcg_linear@1', 0.38461538461538464],
  ['ndcg_linear@5', 0.5311495887976317],
  ['ndcg_linear@10', 0.5479501608605675],
  ['ndcg_exponential@1', 0.38461538461538464],
  ['ndcg_exponential@5', 0.5311495887976317],
  ['ndcg_exponential@10', 0.5479501608605675],
  ['precision@1', 0.38461538461538464],
  ['precision@5', 0.2],
  ['precision@10', 0.1076923076923077],
  ['recall@1', 0.33333333333333337],
  ['recall@5', 0.6538461538461539],
  ['recall@10', 0.6923076923076923],
  ['f1@1', 0.2948717948717948],
  ['f1@5', 0.2884615384615385],
  ['f1@10', 0.18002510310202618],
  ['map@1', 0.38461538461538464],
  ['map@5', 0.560042735042735],
  ['map@10', 0.5728632478632478],
  ['mrr@1', 0.38461538461538464],
  ['mrr@5', 0.5153846153846154],
  ['mrr@10', 0.5153846153846154],
  ['num_pred', 13],
  ['num_data', 13],
];

test('score on edge cases (repeated predictions and labels, lists shorter than k, labels never predicted, no labels, int ids, equal and zero grades) equals VLM2Vec bit for bit', () => {
  const file = join(tempDir(), 'edge_pred.jsonl');
  writeFileSync(file, EDGE_LINES.join('\n') + '\n');
  const r = runCli(['score', '--pred', file]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, number>;
  assert.deepEqual(
    Object.keys(got),
    EDGE_EXPECTED.map(([k]) => k),
  );
  for (const [k, want] of EDGE_EXPECTED) assert.equal(got[k], want, k);
});
