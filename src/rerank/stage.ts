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
import type { EvalSet, Item } from '../items/types.js';
import { DataError } from '../errors.js';
import { cacheKey, mediaDigest } from '../tte/cache.js';
import { hashJson } from '../util/fingerprint.js';
import type { MediaLoader } from '../tte/media.js';
import type { Prediction } from '../metrics/ranking.js';
import { promptFamily } from '../tte/prompts.js';
import { forEachPool } from '../util/pool.js';
import type { RerankCache } from './cache.js';
import { stripPlaceholders, type RerankItem, type RerankPair, type RerankScore, type Reranker } from './types.js';

export interface RerankStats {
  /** reranker.score calls (per query with pairs not in the cache, or per pair for chat rerankers). */
  calls: number;
  /** Pairs scored by the model in this run. */
  pairs: number;
  /** Pairs served by the cache, or by another query's request for the same pair in this run. */
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

interface Deferred {
  promise: Promise<RerankScore>;
  resolve: (s: RerankScore) => void;
  reject: (e: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (s: RerankScore) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<RerankScore>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {}); // a failure is reported by the call that failed
  return { promise, resolve, reject };
}

export function emptyRerankStats(): RerankStats {
  return {
    calls: 0,
    pairs: 0,
    cacheHits: 0,
    promptTokens: 0,
    completionTokens: 0,
    workPromptTokens: 0,
    workCompletionTokens: 0,
    unparsed: 0,
    busyMs: 0,
  };
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
  const family = promptFamily(evalSet.task);
  const byId = new Map(evalSet.candidates.map((c) => [c.id, c]));
  const model = hashJson({ id: reranker.id, config: opts.identity });
  const digests = new Map<string, string[]>();
  const inflight = new Map<string, Promise<RerankScore>>();
  const rows: RerankRow[] = new Array(preds.length);
  const out: Prediction[] = new Array(preds.length);
  let active = 0;
  let since = 0;
  let done = 0;

  const loadItem = async (item: Item): Promise<{ ri: RerankItem; digest: string[] }> => {
    const media = await opts.media.load(item.media);
    return { ri: { id: item.id, text: stripPlaceholders(item.text), media, parts: item.parts }, digest: mediaDigest(media) };
  };

  await forEachPool(
    preds,
    opts.parallel ?? 8,
    async (pred, qi) => {
      const q = evalSet.queries[qi];
      const topIds = [...new Set(pred.prediction.slice(0, opts.depth))];
      const gold = new Set(q.gold);
      const query = await loadItem(q);
      const scores = new Map<string, RerankScore>();
      const pending: { pair: RerankPair; key: string; done: Deferred }[] = [];
      const shared: Promise<void>[] = [];
      for (const id of topIds) {
        const cand = byId.get(id);
        if (!cand)
          throw new DataError(`query ${qi} (${q.id}) ranks candidate '${id}', which is not in the task's candidate pool`, { task });
        // candidate media are loaded for the key only when not already digested; a pair sent to the model loads them again
        let digest = digests.get(id);
        let loaded: RerankItem | null = null;
        if (!digest) {
          const l = await loadItem(cand);
          digest = l.digest;
          loaded = l.ri;
          digests.set(id, digest);
        }
        const key = cacheKey({
          kind: 'rerank',
          model,
          prompt: reranker.promptVersion,
          family,
          query: reranker.readsParts ? [query.ri.text, query.digest, q.parts ?? null] : [query.ri.text, query.digest],
          candidate: reranker.readsParts
            ? [stripPlaceholders(cand.text), digest, cand.parts ?? null]
            : [stripPlaceholders(cand.text), digest],
          version: opts.version,
        });
        const hit = reranker.cacheable ? (opts.cache?.get(key) ?? null) : null;
        if (hit) {
          scores.set(id, hit);
          stats.cacheHits++;
          continue;
        }
        // the same pair already asked for by another query of this run: wait for that answer
        const asked = reranker.cacheable ? inflight.get(key) : undefined;
        if (asked) {
          shared.push(asked.then((s) => void scores.set(id, s)));
          stats.cacheHits++;
          continue;
        }
        loaded ??= (await loadItem(cand)).ri;
        const entry = {
          pair: { query: query.ri, candidate: loaded, retrievalRank: pred.prediction.indexOf(id), gold: gold.has(id) },
          key,
          done: deferred(),
        };
        if (reranker.cacheable) inflight.set(key, entry.done.promise);
        pending.push(entry);
      }
      if (pending.length) {
        opts.signal?.throwIfAborted();
        // one call per query (pooling rerankers) or per pair (chat rerankers); a call ends when its scores are
        // on disk, so a kill loses at most the calls in flight
        const calls = reranker.unit === 'pair' ? pending.map((p) => [p]) : [pending];
        // allSettled: when one call fails, the others still finish and are cached before the error propagates
        const settled = await Promise.allSettled(
          calls.map(async (call) => {
            if (active++ === 0) since = performance.now();
            let got: RerankScore[];
            try {
              got = await reranker.score(
                call.map((p) => p.pair),
                { task, family, signal: opts.signal },
              );
            } catch (err) {
              for (const p of call) p.done.reject(err);
              throw err;
            } finally {
              if (--active === 0) stats.busyMs += performance.now() - since;
            }
            if (got.length !== call.length)
              throw new DataError(`reranker ${reranker.id} returned ${got.length} score(s) for ${call.length} pair(s)`, { task });
            stats.calls++;
            stats.pairs += call.length;
            const writes: Promise<void>[] = [];
            got.forEach((s, j) => {
              scores.set(call[j].pair.candidate.id, s);
              stats.promptTokens += s.usage?.promptTokens ?? 0;
              stats.completionTokens += s.usage?.completionTokens ?? 0;
              if (s.unparsed) stats.unparsed++;
              if (reranker.cacheable && opts.cache) writes.push(opts.cache.put(call[j].key, s));
            });
            await Promise.all(writes);
            got.forEach((s, j) => call[j].done.resolve(s));
          }),
        );
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
      await Promise.all(shared);
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
    },
    opts.signal,
  );
  return { preds: out, rows, stats };
}
