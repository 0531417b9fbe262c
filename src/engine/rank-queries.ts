/**
 * Ranking glue between the pipeline's vectors and the metrics: every query of an EvalSet ranked into a
 * VLM2Vec-style prediction line. Global tasks go through the scoring pool (top-k in a worker thread), local
 * candidate lists are ranked in place.
 */
import type { EvalSet } from '../items/types.js';
import type { Prediction } from '../metrics/ranking.js';
import { predictionLine } from '../report/results.js';
import type { ScoringPool } from '../scoring/pool.js';
import { rankIndices, stack } from '../scoring/rank.js';

/**
 * Rank every query of an EvalSet and return VLM2Vec-style predictions: global tasks through the scoring
 * pool (onnxruntime top-k in a worker thread), local lists in place.
 */
export async function predict(
  evalSet: EvalSet,
  queryVectors: Float32Array[],
  candidateVectors: Float32Array[],
  predK: number,
  scoring: ScoringPool,
): Promise<Prediction[]> {
  const dim = queryVectors[0]?.length ?? candidateVectors[0]?.length ?? 0;
  const index = new Map(evalSet.candidates.map((c, i) => [c.id, i]));
  const ids = evalSet.candidates.map((c) => c.id);
  if (evalSet.mode === 'global') {
    const gold = evalSet.queries.map((q) => q.gold.map((g) => index.get(g)).filter((i): i is number => i !== undefined));
    const ranked = await scoring.topk(queryVectors, candidateVectors, predK, gold);
    return evalSet.queries.map((q, qi) =>
      predictionLine(
        evalSet,
        ranked[qi].map((i) => ids[i]),
        q.gold,
        q.relScores,
      ),
    );
  }
  return evalSet.queries.map((q, qi) => {
    const gold = new Set(q.gold);
    const local = q.candidateIds ?? [];
    const matrix = stack(
      local.map((id) => candidateVectors[index.get(id) as number]),
      dim,
    );
    const ranked = rankIndices(queryVectors[qi], matrix, local.length, (i) => gold.has(local[i])).map((i) => local[i]);
    return predictionLine(evalSet, ranked, q.gold, q.relScores);
  });
}
