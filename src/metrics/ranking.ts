/**
 * VLM2Vec's RankingMetrics (src/utils/eval_utils/metrics.py), re-implemented metric for metric:
 * per-query values, then the numpy mean over queries. The benchmark version picks the reference: MMEB-V2
 * follows TIGER-AI-Lab/VLM2Vec at 6e1e1d4, MMEB-V3 the file at 44f991d, which changes two things (`MetricRules`).
 * One deliberate difference from both, documented in docs/exactness.md: graded relevance stays attached to its document. VLM2Vec de-duplicates the labels with
 * `list(set(labels))` and then zips them with the *original-order* rel_scores, so a query whose pages
 * carry different grades can have its gains credited to the wrong pages (and, for string ids, the result
 * depends on PYTHONHASHSEED). With equal grades, or binary relevance, the two agree exactly.
 */
import type { MmebVersion } from '../catalog/types.js';
import { npMean } from './numeric.js';

export type Id = string;

/** One line of a VLM2Vec `{task}_pred.jsonl`. */
export interface Prediction {
  prediction: Id[];
  label: Id | Id[];
  rel_scores: number[] | null;
}

export const METRIC_NAMES = ['hit', 'ndcg', 'precision', 'recall', 'f1', 'map', 'mrr'] as const;
export const K_VALUES = [1, 5, 10] as const;

/**
 * Which RankingMetrics a score follows. 'v2' (MMEB-V2, VLM2Vec 6e1e1d4): recall of a query without positives is
 * 1.0, and MRR is cut at each k (`mrr@1`, `mrr@5`, `mrr@10`). 'v3' (MMEB-V3, VLM2Vec 44f991d metrics.py:42-43 and
 * 243-252): that recall is 0.0, and one `mrr` is taken over the whole ranking. Every other metric is the same
 * in both, the no-positive and graded cases included.
 */
export type MetricRules = 'v2' | 'v3';

/** The RankingMetrics of a benchmark version: MMEB-V3's for v3, MMEB-V2's for every v2.x. */
export function metricRulesFor(version: MmebVersion): MetricRules {
  return version === 'v3' ? 'v3' : 'v2';
}

const KEYED_METRICS = ['hit', 'ndcg_linear', 'ndcg_exponential', 'precision', 'recall', 'f1', 'map'] as const;

/** Score-file key order exactly as VLM2Vec writes it (num_pred and num_data follow). */
export function scoreKeys(rules: MetricRules = 'v2'): string[] {
  const keyed = (m: string) => K_VALUES.map((k) => `${m}@${k}`);
  return [...KEYED_METRICS.flatMap(keyed), ...(rules === 'v3' ? ['mrr'] : keyed('mrr'))];
}

/** MMEB-V2's score keys (the default everywhere a version is not named). */
export const SCORE_KEYS: string[] = scoreKeys('v2');

export type ScoreObject = Record<string, number>;

/** Unique labels, first-seen order (the order only matters for nothing but readability: all uses are set-like). */
function uniqueLabels(label: Id | Id[]): Id[] {
  const list = Array.isArray(label) ? label : [label];
  return [...new Set(list)];
}

function hitsInTopK(prediction: Id[], labels: Set<Id>, k: number): number {
  // VLM2Vec: len(set(pred[:k]) & set(labels)) — a predicted id repeated in the top k counts once.
  const seen = new Set<Id>();
  for (const p of prediction.slice(0, k)) if (labels.has(p)) seen.add(p);
  return seen.size;
}

export function hitAtK(prediction: Id[], labels: Id[], k: number): number {
  if (!labels.length || k === 0) return 0;
  return hitsInTopK(prediction, new Set(labels), k) > 0 ? 1 : 0;
}

export function precisionAtK(prediction: Id[], labels: Id[], k: number): number {
  if (!labels.length || k === 0) return 0;
  return hitsInTopK(prediction, new Set(labels), k) / k;
}

/**
 * Recall@k. With no relevant items MMEB-V2's VLM2Vec (6e1e1d4) returns 1.0 (nothing to miss; MMEB-V2 never has
 * a query without a label, so there it only matters for hand-made prediction files); MMEB-V3's (44f991d) returns
 * 0.0, and V3's text, tool and memory tasks keep queries without positives.
 */
export function recallAtK(prediction: Id[], labels: Id[], k: number, rules: MetricRules = 'v2'): number {
  if (!labels.length) return rules === 'v3' ? 0 : 1;
  if (k === 0) return 0;
  return hitsInTopK(prediction, new Set(labels), k) / labels.length;
}

export function f1AtK(prediction: Id[], labels: Id[], k: number, rules: MetricRules = 'v2'): number {
  const p = precisionAtK(prediction, labels, k);
  const r = recallAtK(prediction, labels, k, rules);
  return p + r === 0 ? 0 : (2 * (p * r)) / (p + r);
}

/** AP@k normalised by min(|labels|, k), as VLM2Vec does (not by |labels|). Repeated predictions count again. */
export function averagePrecisionAtK(prediction: Id[], labels: Id[], k: number): number {
  if (!labels.length || k === 0) return 0;
  const labelSet = new Set(labels);
  let score = 0;
  let hits = 0;
  prediction.slice(0, k).forEach((p, i) => {
    if (labelSet.has(p)) {
      hits += 1;
      score += hits / (i + 1);
    }
  });
  return hits ? score / Math.min(labels.length, k) : 0;
}

/**
 * Reciprocal rank of the first relevant item within the top k (k = Infinity: the whole ranking, MMEB-V3's
 * `mrr`). A pred file of a global task keeps only the top --pred-k ids, so MMEB-V3's `mrr` is VLM2Vec's exactly
 * when each query's first positive is among them; beyond, the query scores 0 where VLM2Vec gives less than
 * 1/(pred-k + 1).
 */
export function reciprocalRankAtK(prediction: Id[], labels: Id[], k: number): number {
  if (!labels.length) return 0;
  const labelSet = new Set(labels);
  const top = Number.isFinite(k) ? prediction.slice(0, k) : prediction;
  for (let i = 0; i < top.length; i++) if (labelSet.has(top[i])) return 1 / (i + 1);
  return 0;
}

export type NdcgForm = 'linear' | 'exponential';

function dcg(rels: number[], form: NdcgForm): number {
  // Python's sum() over a generator: sequential left-to-right addition starting from 0.
  let total = 0;
  rels.forEach((rel, idx) => {
    const gain = form === 'linear' ? rel : 2 ** rel - 1;
    total += gain / Math.log2(idx + 2);
  });
  return total;
}

/**
 * NDCG@k. Binary when relScores is null; graded otherwise, with each grade kept on its own document
 * (labels and relScores zipped in their original order). A label repeated with grades is refused, as in
 * VLM2Vec, whose evaluate() de-duplicates the labels with set() before ndcg_at_k checks that labels and
 * grades have the same length. IDCG uses the top-k grades sorted descending.
 */
export function ndcgAtK(prediction: Id[], labels: Id | Id[], k: number, relScores: number[] | null, form: NdcgForm): number {
  let relevance: number[];
  let ideal: number[];
  const top = prediction.slice(0, k);
  if (relScores === null) {
    const labelSet = new Set(Array.isArray(labels) ? labels : [labels]);
    relevance = top.map((p) => (labelSet.has(p) ? 1 : 0));
    ideal = new Array(Math.min(labelSet.size, k)).fill(1);
  } else {
    const list = Array.isArray(labels) ? labels : [labels];
    if (list.length !== relScores.length) {
      throw new RangeError(`rel_scores has ${relScores.length} entries but label has ${list.length}`);
    }
    const grade = new Map<Id, number>();
    list.forEach((l, i) => {
      if (grade.has(l)) throw new RangeError(`label '${l}' is listed twice with rel_scores`);
      grade.set(l, relScores[i]);
    });
    relevance = top.map((p) => grade.get(p) ?? 0);
    ideal = [...grade.values()].sort((a, b) => b - a).slice(0, k);
  }
  const dcgScore = dcg(relevance, form);
  const idcgScore = ideal.length ? dcg(ideal, form) : 1;
  return idcgScore > 0 ? dcgScore / idcgScore : 0;
}

/** Per-query metric values, in scoreKeys(rules) order. Used by the aggregate and by paired comparisons. */
export function perQueryMetrics(p: Prediction, rules: MetricRules = 'v2'): ScoreObject {
  const labels = uniqueLabels(p.label);
  const out: ScoreObject = {};
  for (const k of K_VALUES) out[`hit@${k}`] = hitAtK(p.prediction, labels, k);
  for (const k of K_VALUES) out[`ndcg_linear@${k}`] = ndcgAtK(p.prediction, p.label, k, p.rel_scores, 'linear');
  for (const k of K_VALUES) {
    out[`ndcg_exponential@${k}`] = ndcgAtK(p.prediction, p.label, k, p.rel_scores, 'exponential');
  }
  for (const k of K_VALUES) out[`precision@${k}`] = precisionAtK(p.prediction, labels, k);
  for (const k of K_VALUES) out[`recall@${k}`] = recallAtK(p.prediction, labels, k, rules);
  for (const k of K_VALUES) out[`f1@${k}`] = f1AtK(p.prediction, labels, k, rules);
  for (const k of K_VALUES) out[`map@${k}`] = averagePrecisionAtK(p.prediction, labels, k);
  if (rules === 'v3') out.mrr = reciprocalRankAtK(p.prediction, labels, Number.POSITIVE_INFINITY);
  else for (const k of K_VALUES) out[`mrr@${k}`] = reciprocalRankAtK(p.prediction, labels, k);
  return out;
}

/**
 * The score object VLM2Vec writes to `{task}_score.json`: every metric at k = 1, 5, 10 (mean over
 * queries; MMEB-V3: one `mrr` in place of mrr@k), then num_pred and num_data.
 */
export function scorePredictions(preds: Prediction[], numData = preds.length, rules: MetricRules = 'v2'): ScoreObject {
  const keys = scoreKeys(rules);
  const columns: Record<string, number[]> = Object.fromEntries(keys.map((key) => [key, []]));
  for (const p of preds) {
    const m = perQueryMetrics(p, rules);
    for (const key of keys) columns[key].push(m[key]);
  }
  const out: ScoreObject = {};
  for (const key of keys) out[key] = npMean(columns[key]);
  out.num_pred = preds.length;
  out.num_data = numData;
  return out;
}
