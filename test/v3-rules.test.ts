/**
 * The rules MMEB-V3's VLM2Vec (Stars1233/VLM2Vec 44f991d) changes for the 78 V2 tasks and for scoring, each
 * against MMEB-V2's (TIGER-AI-Lab/VLM2Vec 6e1e1d4): RankingMetrics per version (hand-computed tables), frame
 * sampling of a short folder, multi-positive moment clips, MVBench's left-out subsets (warnings, never
 * silent), the local-to-global fallback of eval.py, and absent instruction columns. Every data case is built
 * from real files (JSON Lines, JSON, parquet, JPEG frames) in a temporary MMEB-V3 root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { parseBackendConfig } from '../src/backends/config.js';
import { catalogFor, getTask } from '../src/catalog/load.js';
import type { TaskSpec } from '../src/catalog/types.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { ADAPTERS } from '../src/datasets/registry.js';
import { runTasks } from '../src/engine/run.js';
import { DataError } from '../src/errors.js';
import { sampleFrames, sampleFramesV3 } from '../src/items/frames.js';
import {
  metricRulesFor,
  ndcgAtK,
  perQueryMetrics,
  type Prediction,
  recallAtK,
  scoreKeys,
  scorePredictions,
  SCORE_KEYS,
} from '../src/metrics/ranking.js';
import { predictionLine } from '../src/report/results.js';
import { FORMATS_ROOT, tempDir } from './helpers.js';

const V3 = catalogFor('v3');
const FRAME = join(FORMATS_ROOT, 'video-tasks/frames/video_ret/MSVD/zzit5b_-ukg_5_20/6.jpg');

function put(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** A frame folder of n real JPEG frames named 1.jpg … n.jpg. */
function frames(root: string, rel: string, n: number): void {
  mkdirSync(join(root, rel), { recursive: true });
  for (let i = 1; i <= n; i++) copyFileSync(FRAME, join(root, rel, `${i}.jpg`));
}

const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} vs ${b}`);

// ---------------------------------------------------------------- metrics

test('metric rules follow the benchmark version: v3 for MMEB-V3, v2 for every v2.x', () => {
  assert.equal(metricRulesFor('v3'), 'v3');
  assert.equal(metricRulesFor('v2.1'), 'v2');
  assert.deepEqual(scoreKeys('v2'), SCORE_KEYS);
  // V3's score file: the same keys in the same order, but one `mrr` in place of mrr@1/5/10 (metrics.py:243-252)
  assert.deepEqual(scoreKeys('v3'), [...SCORE_KEYS.filter((k) => !k.startsWith('mrr@')), 'mrr']);
});

test('a query without positives: recall 1 under v2, 0 under v3; every other metric 0 in both', () => {
  const p: Prediction = { prediction: ['a', 'b', 'c'], label: [], rel_scores: null };
  const v2 = perQueryMetrics(p, 'v2');
  const v3 = perQueryMetrics(p, 'v3');
  for (const k of [1, 5, 10]) {
    assert.equal(v2[`recall@${k}`], 1, `v2 recall@${k}`); // 6e1e1d4 metrics.py:42 "return 1.0"
    assert.equal(v3[`recall@${k}`], 0, `v3 recall@${k}`); // 44f991d metrics.py:42 "return 0.0"
    for (const m of ['hit', 'ndcg_linear', 'ndcg_exponential', 'precision', 'f1', 'map']) {
      assert.equal(v2[`${m}@${k}`], 0, `v2 ${m}@${k}`);
      assert.equal(v3[`${m}@${k}`], 0, `v3 ${m}@${k}`);
    }
    assert.equal(v2[`mrr@${k}`], 0);
  }
  assert.equal(v3.mrr, 0);
  // the same with graded relevance given as an empty list
  assert.equal(ndcgAtK(['a'], [], 5, [], 'linear'), 0);
  assert.equal(recallAtK(['a'], [], 0, 'v3'), 0);
  assert.equal(recallAtK(['a'], [], 0, 'v2'), 1);
});

test('task means with a no-positive query: v2 recall@1 = (1 + 1 + 0)/3, v3 = (0 + 1 + 0)/3; v3 mrr over the whole ranking', () => {
  const ranking = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9', 'd10', 'd11'];
  const preds: Prediction[] = [
    { prediction: ranking, label: [], rel_scores: null }, // no positives (a V3 text query without qrels)
    { prediction: ranking, label: ['d0'], rel_scores: null }, // rank 1
    { prediction: ranking, label: ['d11'], rel_scores: null }, // rank 12: beyond every k
  ];
  const v2 = scorePredictions(preds, 3, 'v2');
  const v3 = scorePredictions(preds, 3, 'v3');
  assert.deepEqual(Object.keys(v3), [...scoreKeys('v3'), 'num_pred', 'num_data']);
  close(v2['recall@1'], 2 / 3);
  close(v3['recall@1'], 1 / 3);
  close(v2['hit@1'], 1 / 3);
  close(v3['hit@1'], 1 / 3);
  close(v2['mrr@10'], 1 / 3); // (0 + 1 + 0) / 3: rank 12 is cut at 10
  close(v3.mrr, (0 + 1 + 1 / 12) / 3); // the whole ranking
  assert.equal(v3['mrr@10'], undefined);
  assert.equal(v2.mrr, undefined);
  // the main metrics do not depend on the version
  for (const k of ['hit@1', 'ndcg_linear@5']) assert.equal(v2[k], v3[k], k);
});

test('graded qrels (grades above 1): ndcg by hand, the same under v2 and v3, each grade on its own document', () => {
  // qrels d1:3, d2:1, d3:2; ranking d2, x, d3, d1, y
  const p: Prediction = { prediction: ['d2', 'x', 'd3', 'd1', 'y'], label: ['d1', 'd2', 'd3'], rel_scores: [3, 1, 2] };
  // linear: DCG = 1/log2(2) + 0/log2(3) + 2/log2(4) + 3/log2(5); IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4)
  const dcgLin = 1 + 2 / 2 + 3 / Math.log2(5);
  const idcgLin = 3 + 2 / Math.log2(3) + 1 / 2;
  // exponential: gains 2^g - 1 = 1, 3, 7
  const dcgExp = 1 + 3 / 2 + 7 / Math.log2(5);
  const idcgExp = 7 + 3 / Math.log2(3) + 1 / 2;
  for (const rules of ['v2', 'v3'] as const) {
    const m = perQueryMetrics(p, rules);
    close(m['ndcg_linear@5'], dcgLin / idcgLin, `${rules} linear@5`);
    close(m['ndcg_exponential@5'], dcgExp / idcgExp, `${rules} exponential@5`);
    // the same numbers as literals (Python: (1 + 2/2 + 3/log2(5)) / (3 + 2/log2(3) + 1/2), likewise with 2**g - 1)
    close(m['ndcg_linear@5'], 0.6913328016675099);
    close(m['ndcg_exponential@5'], 0.5871244157025115);
    // @1: only d2 (grade 1) is ranked; ideal is d1 (grade 3)
    close(m['ndcg_linear@1'], 1 / 3);
    close(m['ndcg_exponential@1'], 1 / 7);
    // binary metrics ignore the grades: 3 positives, 3 of them in the top 5
    close(m['recall@5'], 1);
    close(m['precision@5'], 3 / 5);
    close(m['map@5'], (1 / 1 + 2 / 3 + 3 / 4) / 3);
  }
});

// ---------------------------------------------------------------- frames

test('frame sampling: v2 keeps a short folder whole, v3 repeats frames to k (np.linspace(0, n-1, k, dtype=int))', () => {
  const f = (n: number) => Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(sampleFrames(f(3), 8), [0, 1, 2]);
  assert.deepEqual(sampleFramesV3(f(3), 8), [0, 0, 0, 0, 1, 1, 1, 2]);
  assert.deepEqual(sampleFramesV3(f(1), 8), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(sampleFramesV3(f(5), 8), [0, 0, 1, 1, 2, 2, 3, 4]);
  assert.deepEqual(sampleFramesV3(f(0), 8), []);
  // enough frames: both versions agree
  assert.deepEqual(sampleFramesV3(f(64), 8), sampleFrames(f(64), 8));
  assert.deepEqual(sampleFrames(f(64), 8), [0, 9, 18, 27, 36, 45, 54, 63]);
});

test('MSVD under v3: a 3-frame video becomes 8 frames (V3 pads); the V2 parser cannot build it', async () => {
  const root = tempDir();
  const base = 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSVD/frames';
  put(
    root,
    'video-tasks/data/msvd.jsonl',
    jsonl([
      { video_id: 'short', video: 'short.avi', caption: ['a dog runs'] },
      { video_id: 'long', video: 'long.avi', caption: ['a cat sits'] },
    ]),
  );
  frames(root, `${base}/short`, 3);
  frames(root, `${base}/long`, 12);
  const { evalSet, problems } = await loadEvalSet(getTask('MSVD', V3), { dataRoot: root, version: 'v3' });
  assert.deepEqual(problems, []);
  const media = (id: string) => {
    const c = evalSet.candidates.find((x) => x.id === id);
    return c?.media[0].kind === 'frames' ? c.media[0].paths.map((p) => p.split('/').pop()) : null;
  };
  assert.deepEqual(media('short'), ['1.jpg', '1.jpg', '1.jpg', '1.jpg', '2.jpg', '2.jpg', '2.jpg', '3.jpg']);
  assert.deepEqual(media('long'), ['1.jpg', '2.jpg', '4.jpg', '5.jpg', '7.jpg', '8.jpg', '10.jpg', '12.jpg']);
});

test('YouCook2 under v3: a row whose frame folder and video are both missing stops the build (VLM2Vec fails there too)', async () => {
  const root = tempDir();
  const task = getTask('YouCook2', V3);
  const file = Object.values(task.v3?.configs ?? {})[0];
  put(root, file, jsonl([{ id: 'gone', video_path: 'x/gone.mp4', sentence: 'chop onions' }]));
  await assert.rejects(
    loadEvalSet(task, { dataRoot: root, version: 'v3' }),
    (e: unknown) => e instanceof DataError && /missing frame folder .*gone/.test(e.message),
  );
});

// ---------------------------------------------------------------- moment retrieval

test('QVHighlight under v3: every positive* clip is gold (a list when several, a string when one)', async () => {
  const root = tempDir();
  const task = getTask('QVHighlight', V3);
  const base = task.media.frameRoot as string;
  put(
    root,
    'video-tasks/data/qvhighlight.jsonl',
    jsonl([
      { query: 'a man cooks', video_path: 'videos/two.mp4' },
      { query: 'a girl sings', video_path: 'videos/one.mp4' },
    ]),
  );
  for (const d of ['query', 'positive_0', 'positive_1', 'negative_0', 'negative_1']) frames(root, `${base}/two/${d}`, 8);
  for (const d of ['query', 'positive', 'negative_0']) frames(root, `${base}/one/${d}`, 8);
  const { evalSet, problems } = await loadEvalSet(task, { dataRoot: root, version: 'v3' });
  assert.deepEqual(problems, []);
  const [two, one] = evalSet.queries;
  assert.deepEqual(two.gold, [`${base}/two/positive_0`, `${base}/two/positive_1`]);
  assert.deepEqual(one.gold, [`${base}/one/positive`]);
  assert.equal(evalSet.labelShape, 'by-count');
  // pred lines write the gold as VLM2Vec 44f991d writes label_name: a list only when there are several
  const line = (q: typeof two) => predictionLine(evalSet, ['x'], q.gold, null).label;
  assert.deepEqual(line(two), two.gold);
  assert.equal(line(one), one.gold[0]);
  // hit@1 with either positive first
  const s = scorePredictions(
    [
      { prediction: [`${base}/two/positive_1`, `${base}/two/negative_0`], label: two.gold, rel_scores: null },
      { prediction: [`${base}/one/negative_0`, `${base}/one/positive`], label: one.gold[0], rel_scores: null },
    ],
    2,
    'v3',
  );
  assert.equal(s['hit@1'], 0.5);
});

// ---------------------------------------------------------------- MVBench

function mvbenchRow(video: string, question: string) {
  return { video, question, candidates: ['left', 'right'], answer: 'right' };
}

test('MVBench under v3: a missing or unreadable subset file is left out with a warning naming it; none at all is an error', async () => {
  const root = tempDir();
  const task = getTask('MVBench', V3);
  const base = task.media.frameRoot as string;
  put(root, 'video-tasks/data/mvbench/action_count.json', JSON.stringify([mvbenchRow('c1.mp4', 'How many?')]));
  put(root, 'video-tasks/data/mvbench/moving_direction.json', JSON.stringify([mvbenchRow('m1.mp4', 'Which way?')]));
  put(root, 'video-tasks/data/mvbench/state_change.json', '{ not json');
  frames(root, `${base}/action_count/c1.mp4`, 8);
  frames(root, `${base}/moving_direction/m1.mp4`, 8);
  const { evalSet, problems } = await loadEvalSet(task, { dataRoot: root, version: 'v3' });
  // rows in VLM2Vec's subset order: moving_direction comes before action_count
  assert.deepEqual(
    evalSet.queries.map((q) => q.text.includes('Which way?')),
    [true, false],
  );
  assert.ok(problems.every((p) => p.warning));
  assert.equal(problems.length, 18);
  const missing = problems.filter((p) => /its file is missing/.test(p.message));
  assert.equal(missing.length, 17);
  assert.match(missing[0].message, /^MVBench subset episodic_reasoning left out: its file is missing/);
  assert.equal(missing[0].location.file, 'video-tasks/data/mvbench/episodic_reasoning.json');
  const unreadable = problems.find((p) => p.message.includes('state_change'));
  assert.ok(unreadable && /cannot load/.test(unreadable.message), unreadable?.message);

  await assert.rejects(
    loadEvalSet(task, { dataRoot: tempDir(), version: 'v3' }),
    (e: unknown) => e instanceof DataError && /no MVBench subset file could be read/.test(e.message),
  );
});

test('a run records the left-out MVBench subsets: in the log and in the task status (data_warnings)', async () => {
  const root = tempDir();
  const task = getTask('MVBench', V3);
  put(root, 'video-tasks/data/mvbench/action_count.json', JSON.stringify([mvbenchRow('c1.mp4', 'How many?')]));
  frames(root, `${task.media.frameRoot}/action_count/c1.mp4`, 8);
  const outDir = join(tempDir(), 'run');
  const lines: string[] = [];
  const result = await runTasks({
    runId: 'v3-rules',
    tasks: [task],
    dataRoot: root,
    version: 'v3',
    backend: parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } }),
    outDir,
    cacheDir: null,
    suite: 'mvbench',
    log: (l: string) => lines.push(l),
  });
  assert.deepEqual(result.failures, []);
  const status = JSON.parse(readFileSync(join(outDir, '.status', 'MVBench.json'), 'utf8'));
  assert.equal(status.num_queries, 1);
  assert.equal(status.data_warnings.length, 19);
  assert.equal(
    status.data_warnings[0],
    "video-tasks/data/mvbench/episodic_reasoning.json: MVBench subset episodic_reasoning left out: its file is missing (VLM2Vec's MMEB-V3 loader skips it)",
  );
  assert.equal(
    lines.filter((l) => /MVBench: warning: video-tasks\/data\/mvbench\/\w+\.json: MVBench subset \w+ left out/.test(l)).length,
    19,
    lines.join('\n'),
  );
  // the score file is MMEB-V3's: one whole-ranking mrr
  const scores = JSON.parse(readFileSync(join(outDir, 'MVBench_score.json'), 'utf8'));
  assert.deepEqual(Object.keys(scores), [...scoreKeys('v3'), 'num_pred', 'num_data']);
});

// ---------------------------------------------------------------- eval.py's local-to-global fallback

test('a local task with a query that has no candidates of its own is ranked globally under v3, with a warning', async () => {
  // NSynth is local in MMEB-V3 and its family (audio_cls) has no adapter here yet: a stand-in adapter gives two
  // queries, one without candidates, to exercise the EvalSet assembly (eval.py 44f991d lines 470-481)
  const task: TaskSpec = getTask('NSynth', V3);
  const previous = ADAPTERS.audio_cls;
  const item = (id: string) => ({ id, parts: { instruction: '', text: id, rule: { kind: 'raw' } as const }, media: [] });
  ADAPTERS.audio_cls = async () => ({
    queries: [
      { ...item('q0'), candidates: [item('guitar'), item('piano')], gold: ['guitar'], relScores: null },
      { ...item('q1'), candidates: [], gold: ['piano'], relScores: null },
    ],
    corpus: [],
  });
  try {
    const v3 = await loadEvalSet(task, { dataRoot: tempDir(), version: 'v3' });
    assert.equal(v3.evalSet.mode, 'global');
    assert.ok(v3.evalSet.queries.every((q) => q.candidateIds === null));
    assert.deepEqual(
      v3.evalSet.candidates.map((c) => c.id),
      ['guitar', 'piano'],
    );
    assert.equal(v3.problems.length, 1);
    assert.ok(v3.problems[0].warning);
    assert.match(
      v3.problems[0].message,
      /1 of 2 queries \(first: 'q1'\) have no candidates of their own: the whole task is ranked globally/,
    );
    // when every query has candidates the task stays local
    ADAPTERS.audio_cls = async () => ({
      queries: [{ ...item('q0'), candidates: [item('guitar'), item('piano')], gold: ['guitar'], relScores: null }],
      corpus: [],
    });
    const local = await loadEvalSet(task, { dataRoot: tempDir(), version: 'v3' });
    assert.equal(local.evalSet.mode, 'local');
    assert.deepEqual(local.evalSet.queries[0].candidateIds, ['guitar', 'piano']);
    assert.deepEqual(local.problems, []);
  } finally {
    ADAPTERS.audio_cls = previous;
  }
});

// ---------------------------------------------------------------- image parsers

/** An N24News annotation folder under an MMEB-V3 root, with or without the qry_inst column. */
function n24news(withInst: boolean): string {
  const root = tempDir();
  const file = join(root, 'image-query/N24News/test-00000-of-00001.parquet');
  mkdirSync(dirname(file), { recursive: true });
  parquetWriteFile({
    filename: file,
    columnData: [
      ...(withInst ? [{ name: 'qry_inst', data: [''], type: 'STRING' as const }] : []),
      { name: 'qry_text', data: ['A cat on a mat'], type: 'STRING' as const },
      { name: 'qry_img_path', data: ['N24News/Test/a.jpg'], type: 'STRING' as const },
      { name: 'tgt_text', data: [['Sports', 'Food']] },
    ],
  });
  mkdirSync(join(root, 'image-tasks/MMEB/N24News/Test'), { recursive: true });
  copyFileSync(FRAME, join(root, 'image-tasks/MMEB/N24News/Test/a.jpg'));
  return root;
}

test('image parsers under v3: an absent qry_inst column reads as "" (V3 reads it only if present)', async () => {
  const task = getTask('N24News', V3);
  const absent = await loadEvalSet(task, { dataRoot: n24news(false), version: 'v3' });
  const empty = await loadEvalSet(task, { dataRoot: n24news(true), version: 'v3' });
  assert.equal(absent.evalSet.queries[0].parts?.instruction, '');
  // process_input_text("", text=...) gives " " + text; "<|image_pad|> " is prepended, then "\n" appended
  assert.equal(absent.evalSet.queries[0].text, '<|image_pad|>  A cat on a mat\n');
  assert.equal(absent.evalSet.queries[0].text, empty.evalSet.queries[0].text);
  assert.deepEqual(absent.evalSet.queries[0].gold, ['Sports']);
  assert.deepEqual(absent.problems, []);
});
