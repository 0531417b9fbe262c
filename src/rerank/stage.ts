/**
 * The rerank stage of a retrieval cascade: each query's top K retrieved candidates are scored pairwise by
 * a reranker and re-sorted by score (ties keep their retrieval order); candidates below K keep their
 * retrieval order after the reranked ones. Works on predictions, so it serves a fresh run (after
 * ranking) and an existing run's `pred.jsonl` alike (`tte-bench rerank`).
 *
 * Every score goes through the content-addressed rerank cache as it arrives (a call ends when its answers
 * are on disk), so a killed run resumes without asking for any pair twice, and identical pairs are asked
 * once per run.
 */
import { performance } from 'node:perf_hooks';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, Item } from '../datasets/types.js';
import { DataError } from '../errors.js';
import { cacheKey, mediaDigest } from '../engine/cache.js';
import { hashJson } from '../engine/fingerprint.js';
import type { MediaLoader } from '../engine/media.js';
import type { Prediction } from '../metrics/ranking.js';
import { promptFamily } from '../tte/prompts.js';
import { forEachPool } from '../util/pool.js';
import type { RerankCache } from './cache.js';
import { stripPlaceholders, type RerankItem, type RerankPair, type RerankScore, type Reranker } from './types.js';

export interface RerankStats {
  /** reranker.score calls (one per query with pairs not in the cache). */
  calls: number;
  /** Pairs scored by the model in this run. */
  pairs: number;
  /** Pairs served by the cache. */
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  /** Tokens of every score used, cached ones included: what the stage's work costs, whatever the cache held. */
  workPromptTokens: number;
  workCompletionTokens: number;
  /** Replies of a reasoning reranker without a readable judgement. */
  unparsed: number;
  busyMs: number;
}

export interface RerankRow {
  id: string;
  /** The top K as retrieved, and each one's reranker score (same order). */
  retrieved: string[];
  scores: number[];
  /** The reranker's written reasoning per retrieved candidate, when it wrote any. */
  traces?: (string | null)[];
}

export interface RerankOptions {
  depth: number;
  version: MmebVersion;
  media: MediaLoader;
  cache: RerankCache | null;
  /** The reranker's config as written (part of the cache key, transport fields left out). */
  identity: Record<string, unknown>;
  /** Queries in flight at once (default 8). */
  parallel?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export function emptyRerankStats(): RerankStats {
  return { calls: 0, pairs: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0, workPromptTokens: 0, workCompletionTokens: 0, unparsed: 0, busyMs: 0 };
}

/** Re-sort the first `depth` entries of `prediction` by `score` (descending; ties keep retrieval order). */
export function applyRerank(prediction: string[], depth: number, score: (id: string) => number): string[] {
  const top = prediction.slice(0, depth).map((id, i) => ({ id, i, s: score(id) }));
  top.sort((a, b) => b.s - a.s || a.i - b.i);
  return [...top.map((t) => t.id), ...prediction.slice(depth)];
}

export async function rerankPredictions(
  evalSet: EvalSet,
  preds: Prediction[],
  reranker: Reranker,
  opts: RerankOptions,
): Promise<{ preds: Prediction[]; rows: RerankRow[]; stats: RerankStats }> {
  const task = evalSet.task.name;
  if (preds.length !== evalSet.queries.length) {
    throw new DataError(`has ${preds.length} prediction(s) but the task has ${evalSet.queries.length} queries`, { task });
  }
  const stats = emptyRerankStats();
  const family = promptFamily(evalSet.task.meta);
  const byId = new Map(evalSet.candidates.map((c) => [c.id, c]));
  const model = hashJson({ id: reranker.id, config: opts.identity });
  const digests = new Map<string, string[]>();
  const rows: RerankRow[] = new Array(preds.length);
  const out: Prediction[] = new Array(preds.length);
  let active = 0;
  let since = 0;
  let done = 0;

  const loadItem = async (item: Item): Promise<{ ri: RerankItem; digest: string[] }> => {
    const media = await opts.media.load(item.media);
    return { ri: { id: item.id, text: stripPlaceholders(item.text), media }, digest: mediaDigest(media) };
  };

  await forEachPool(preds, opts.parallel ?? 8, async (pred, qi) => {
    const q = evalSet.queries[qi];
    const topIds = [...new Set(pred.prediction.slice(0, opts.depth))];
    const gold = new Set(q.gold);
    const query = await loadItem(q);
    const scores = new Map<string, RerankScore>();
    const pending: { pair: RerankPair; key: string }[] = [];
    for (const id of topIds) {
      const cand = byId.get(id);
      if (!cand) throw new DataError(`query ${qi} (${q.id}) ranks candidate '${id}', which is not in the task's candidate pool`, { task });
      // candidate media are loaded for the key only when not already digested; a pair sent to the model loads them again
      let digest = digests.get(id);
      let loaded: RerankItem | null = null;
      if (!digest) {
        const l = await loadItem(cand);
        digest = l.digest;
        loaded = l.ri;
        digests.set(id, digest);
      }
      const key = cacheKey({ kind: 'rerank', model, prompt: reranker.promptVersion, family, query: [query.ri.text, query.digest], candidate: [stripPlaceholders(cand.text), digest], version: opts.version });
      const hit = reranker.cacheable ? (opts.cache?.get(key) ?? null) : null;
      if (hit) {
        scores.set(id, hit);
        stats.cacheHits++;
        continue;
      }
      loaded ??= (await loadItem(cand)).ri;
      pending.push({ pair: { query: query.ri, candidate: loaded, retrievalRank: pred.prediction.indexOf(id), gold: gold.has(id) }, key });
    }
    if (pending.length) {
      opts.signal?.throwIfAborted();
      if (active++ === 0) since = performance.now();
      let got: RerankScore[];
      try {
        got = await reranker.score(pending.map((p) => p.pair), { task, family, signal: opts.signal });
      } finally {
        if (--active === 0) stats.busyMs += performance.now() - since;
      }
      if (got.length !== pending.length) throw new DataError(`reranker ${reranker.id} returned ${got.length} score(s) for ${pending.length} pair(s)`, { task });
      stats.calls++;
      stats.pairs += pending.length;
      const writes: Promise<void>[] = [];
      got.forEach((s, j) => {
        scores.set(pending[j].pair.candidate.id, s);
        stats.promptTokens += s.usage?.promptTokens ?? 0;
        stats.completionTokens += s.usage?.completionTokens ?? 0;
        if (s.unparsed) stats.unparsed++;
        if (reranker.cacheable && opts.cache) writes.push(opts.cache.put(pending[j].key, s));
      });
      // a call ends when its answers are on disk: a kill loses at most the calls in flight
      await Promise.all(writes);
    }
    for (const s of scores.values()) {
      stats.workPromptTokens += s.usage?.promptTokens ?? 0;
      stats.workCompletionTokens += s.usage?.completionTokens ?? 0;
    }
    const retrieved = pred.prediction.slice(0, opts.depth);
    const row: RerankRow = { id: q.id, retrieved, scores: retrieved.map((id) => (scores.get(id) as RerankScore).score) };
    if (retrieved.some((id) => scores.get(id)?.trace)) row.traces = retrieved.map((id) => scores.get(id)?.trace ?? null);
    rows[qi] = row;
    out[qi] = { ...pred, prediction: applyRerank(pred.prediction, opts.depth, (id) => (scores.get(id) as RerankScore).score) };
    opts.onProgress?.(++done, preds.length);
  }, opts.signal);
  return { preds: out, rows, stats };
}
