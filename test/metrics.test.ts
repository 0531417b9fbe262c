import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averagePrecisionAtK,
  f1AtK,
  hitAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
  scorePredictions,
  SCORE_KEYS,
} from '../src/metrics/ranking.js';
import { npMean, pairwiseSum } from '../src/metrics/numeric.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('set-based metrics, hand-computed', () => {
  // pred a b c d e; relevant {b, e, z}
  const pred = ['a', 'b', 'c', 'd', 'e'];
  const labels = ['b', 'e', 'z'];
  const table: [string, (k: number) => number, number, number][] = [
    ['hit@1', (k) => hitAtK(pred, labels, k), 1, 0],
    ['hit@5', (k) => hitAtK(pred, labels, k), 5, 1],
    ['precision@5', (k) => precisionAtK(pred, labels, k), 5, 2 / 5],
    ['precision@10 (k beyond list)', (k) => precisionAtK(pred, labels, k), 10, 2 / 10],
    ['recall@5', (k) => recallAtK(pred, labels, k), 5, 2 / 3],
    ['f1@5', (k) => f1AtK(pred, labels, k), 5, (2 * (0.4 * (2 / 3))) / (0.4 + 2 / 3)],
    // AP@5: hits at ranks 2 and 5 → (1/2 + 2/5) / min(3, 5)
    ['map@5', (k) => averagePrecisionAtK(pred, labels, k), 5, (1 / 2 + 2 / 5) / 3],
    // AP@1 normalises by min(|labels|, k) = 1, and there is no hit in the top 1
    ['map@1', (k) => averagePrecisionAtK(pred, labels, k), 1, 0],
    ['mrr@5', (k) => reciprocalRankAtK(pred, labels, k), 5, 1 / 2],
    ['mrr@1', (k) => reciprocalRankAtK(pred, labels, k), 1, 0],
  ];
  for (const [name, fn, k, want] of table) {
    assert.ok(Math.abs(fn(k) - want) <= 1e-12, `${name}: ${fn(k)} != ${want}`);
  }
});

test('empty label lists follow VLM2Vec: hit/precision/map/mrr 0, recall 1', () => {
  assert.equal(hitAtK(['a'], [], 1), 0);
  assert.equal(precisionAtK(['a'], [], 1), 0);
  assert.equal(recallAtK(['a'], [], 1), 1);
  assert.equal(averagePrecisionAtK(['a'], [], 1), 0);
  assert.equal(reciprocalRankAtK(['a'], [], 1), 0);
  assert.equal(ndcgAtK(['a'], [], 5, null, 'linear'), 0);
});

test('a repeated prediction counts once for hits but again for AP, as in VLM2Vec', () => {
  const pred = ['x', 'x', 'y'];
  assert.equal(precisionAtK(pred, ['x'], 2), 1 / 2);
  // AP: hits at 1 and 2 → (1/1 + 2/2) / min(1, 2)
  assert.equal(averagePrecisionAtK(pred, ['x'], 2), 2);
});

test('binary NDCG, hand-computed', () => {
  // relevant at ranks 2 and 4 (0-based 1 and 3), two relevant in total
  const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
  const idcg = 1 + 1 / Math.log2(3);
  close(ndcgAtK(['a', 'r1', 'b', 'r2'], ['r1', 'r2'], 5, null, 'linear'), dcg / idcg);
  close(ndcgAtK(['a', 'r1', 'b', 'r2'], ['r1', 'r2'], 5, null, 'exponential'), dcg / idcg);
  close(ndcgAtK(['r1'], 'r1', 1, null, 'linear'), 1);
});

test('graded NDCG keeps each grade on its own document (the deliberate fix)', () => {
  // gold p1 (grade 3), p2 (grade 1); ranking p2, p1
  const dcgLin = 1 / Math.log2(2) + 3 / Math.log2(3);
  const idcgLin = 3 / Math.log2(2) + 1 / Math.log2(3);
  close(ndcgAtK(['p2', 'p1'], ['p1', 'p2'], 5, [3, 1], 'linear'), dcgLin / idcgLin);
  const dcgExp = (2 ** 1 - 1) / 1 + (2 ** 3 - 1) / Math.log2(3);
  const idcgExp = (2 ** 3 - 1) / 1 + (2 ** 1 - 1) / Math.log2(3);
  close(ndcgAtK(['p2', 'p1'], ['p1', 'p2'], 5, [3, 1], 'exponential'), dcgExp / idcgExp);
  // IDCG uses only the top-k grades
  close(ndcgAtK(['p1'], ['p1', 'p2'], 1, [3, 1], 'linear'), 1);
  assert.throws(() => ndcgAtK(['p1'], ['p1', 'p2'], 1, [3], 'linear'), /rel_scores/);
});

test('pairwiseSum reproduces numpy bit for bit (values from numpy 2.4 np.mean)', () => {
  // np.mean of [0.1]*13 and of [i/7 for i in range(200)] computed with numpy 2.4
  assert.equal(npMean(new Array(13).fill(0.1)), 0.10000000000000002);
  const xs = Array.from({ length: 200 }, (_, i) => i / 7);
  assert.equal(npMean(xs), 14.214285714285715);
  assert.equal(pairwiseSum(xs), 2842.857142857143);
  assert.equal(npMean([]), 0);
});

test('scorePredictions writes every VLM2Vec key in order, then num_pred and num_data', () => {
  const s = scorePredictions([
    { prediction: ['a', 'b'], label: 'a', rel_scores: null },
    { prediction: ['b', 'a'], label: 'a', rel_scores: null },
  ]);
  assert.deepEqual(Object.keys(s), [...SCORE_KEYS, 'num_pred', 'num_data']);
  assert.equal(s['hit@1'], 0.5);
  assert.equal(s['mrr@5'], 0.75);
  close(s['ndcg_linear@5'], (1 + 1 / Math.log2(3)) / 2);
  assert.equal(s.num_pred, 2);
  assert.equal(s.num_data, 2);
});
