/**
 * The four TTE pipelines over one EvalSet.
 *  - no-think: the embedder sees each query as the benchmark builds it;
 *  - teacher / distilled: a reasoner writes an ECR trace for each query (a large served model, or a small
 *    local one), and the embedder sees the query with the trace appended;
 *  - unified: one model reasons and embeds from its own hidden states.
 * With `thinkTargets`, candidates are reasoned about too (index-side ECR, produced once and cached).
 *
 * Work flows in two passes per side so memory stays bounded: pass 1 streams the items, hashes their media
 * and looks each key up in the cache; pass 2 sends only the missing unique keys, in batches, with several
 * batches in flight (enough to keep every endpoint's `maxConcurrency` busy), re-reading media for those
 * batches only. Every trace and vector goes through the content-addressed cache, so identical items are
 * requested once per run and never again by a later run. This module knows nothing about tasks.
 */
import { performance } from 'node:perf_hooks';
import type { ModelConfig } from '../backends/config.js';
import { callShape, modelIdentity } from '../backends/model-fields.js';
import type { Backend } from '../backends/registry.js';
import type { LoadedMedia, Trace } from '../backends/types.js';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, Item } from '../datasets/types.js';
import { type Cache, cacheKey, mediaDigest } from './cache.js';
import type { CacheClaims } from './cache-claims.js';
import { hashJson } from '../util/fingerprint.js';
import { VectorGuard } from './invariants.js';
import type { MediaLoader } from './media.js';
import { DataError } from '../errors.js';
import { forEachPool } from '../util/pool.js';
import { PROMPT_VERSION, promptFamily, reasoningPrompt, withTrace, type PromptFamily } from './prompts.js';

export interface PipelineStats {
  /** Wall time during which at least one model call was running (overlapping calls count once). */
  busyMs: number;
  embedCalls: number;
  embedItems: number;
  reasonCalls: number;
  reasonItems: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
}

export interface EmbeddedSet {
  queryVectors: Float32Array[];
  candidateVectors: Float32Array[];
  queryTraces: (Trace | null)[];
  candidateTraces: (Trace | null)[];
  stats: PipelineStats;
}

export interface PipelineOptions {
  version: MmebVersion;
  batchSize?: number;
  /** Batches in flight at once (default: enough to fill the backend's maxConcurrency). */
  parallelBatches?: number;
  cache?: Cache | null;
  thinkTargets?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Cooperative cancellation: no new model call starts after it fires; running calls finish and are cached. */
  signal?: AbortSignal;
  /** Claims on the cache shared with other processes: each missing item is computed by one of them. */
  claims?: CacheClaims | null;
  /** Adaptive thinking (tte/gate.ts): which items of a side get a trace; absent = all of them. */
  shouldThink?: (items: Item[], role: Role) => Promise<boolean[]>;
}

export type Role = 'query' | 'target';

// which config fields are transport (left out of cache keys) is decided by the backends, next to the schema
export { modelIdentity } from '../backends/model-fields.js';
export type Stage = 'trace' | 'embedding' | 'unified';

/** The cache identity of a model: its id and the config fields that change what it computes. */
export function modelKey(id: string, cfg: Record<string, unknown> | null): string {
  return hashJson({ id, config: modelIdentity(cfg) });
}

/** The cache key of one stage's value for one item; exported so `traces import` seeds exactly these keys. */
export function stageKey(stage: Stage, model: string | null, role: Role, text: string, digests: string[], version: MmebVersion): string {
  return cacheKey({ kind: stage, model, prompt: stage === 'embedding' ? null : PROMPT_VERSION, role, text, media: digests, version });
}

export async function embedEvalSet(evalSet: EvalSet, backend: Backend, media: MediaLoader, opts: PipelineOptions): Promise<EmbeddedSet> {
  const batchSize = opts.batchSize ?? backend.config.embedder.batchSize ?? 16;
  // how many items each call takes and how many batches run at once follow from the model's transport
  const plan = (cfg: ModelConfig | null, role: 'reasoner' | 'embedder') => {
    const { itemsPerCall: size, inFlightItems } = callShape(cfg, role, batchSize);
    return { size, parallel: opts.parallelBatches ?? Math.max(1, Math.ceil(inFlightItems / size) + 1) };
  };
  const reasonPlan = plan(backend.config.reasoner, 'reasoner');
  const embedPlan = plan(backend.config.embedder, 'embedder');
  const cache = opts.cache ?? null;
  const stats: PipelineStats = {
    busyMs: 0,
    embedCalls: 0,
    embedItems: 0,
    reasonCalls: 0,
    reasonItems: 0,
    cacheHits: 0,
    promptTokens: 0,
    completionTokens: 0,
  };
  let active = 0;
  let busySince = 0;
  const busy = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active++ === 0) busySince = performance.now();
    try {
      return await fn();
    } finally {
      if (--active === 0) stats.busyMs += performance.now() - busySince;
    }
  };
  const embedderKey = modelKey(backend.embedder.id, backend.config.embedder);
  const reasonerKey = backend.reasoner ? modelKey(backend.reasoner.id, backend.config.reasoner) : null;
  const total = evalSet.queries.length + evalSet.candidates.length;
  let done = 0;
  // One dimension per task and per cache namespace; every vector finite (checked as answers arrive, so a
  // wrong server stops the run at its first answer, and again over cached vectors).
  const guard = new VectorGuard(evalSet.task.name, backend.embedder.id, cache, embedderKey);
  const checked = (vectors: Float32Array[], items: Item[], idx: number[], role: Role) =>
    vectors.map((v, j) => guard.check(v, `${role} ${items[idx[j]].id}`));
  // When one side fails, the other stops taking new items too (its running calls finish and are cached).
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;

  /** Pass 1: media digests of every item, streamed in slices so media bytes are not all held at once. */
  const digestsOf = async (items: Item[]): Promise<string[][]> => {
    const out: string[][] = new Array(items.length);
    const slice = 64;
    for (let s = 0; s < items.length; s += slice) {
      const loaded = await Promise.all(items.slice(s, s + slice).map((it) => media.load(it.media)));
      loaded.forEach((m, j) => (out[s + j] = mediaDigest(m)));
    }
    return out;
  };

  /**
   * Resolve one stage for every item: cached values are taken, the rest grouped by key (identical items
   * are asked once) and computed in batches with `parallel` batches in flight.
   */
  async function resolveStage<V>(
    items: Item[],
    keys: string[],
    get: (key: string) => V | null,
    compute: (indices: number[], loaded: LoadedMedia[][]) => Promise<V[]>,
    put: (key: string, v: V) => Promise<unknown> | undefined,
    { size, parallel }: { size: number; parallel: number },
    onDone?: (n: number) => void,
  ): Promise<V[]> {
    const out: (V | null)[] = items.map(() => null);
    const pending = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const hit = get(k);
      if (hit !== null) {
        out[i] = hit;
        stats.cacheHits++;
        onDone?.(1);
      } else pending.set(k, [...(pending.get(k) ?? []), i]);
    });
    const unique = [...pending.keys()];
    const work = async (batch: string[]) => {
      const first = batch.map((k) => (pending.get(k) as number[])[0]);
      const loaded = await Promise.all(first.map((i) => media.load(items[i].media)));
      const values = await busy(() => compute(first, loaded));
      const stored = batch.map((k, j) => {
        const idx = pending.get(k) as number[];
        for (const i of idx) out[i] = values[j];
        onDone?.(idx.length);
        return put(k, values[j]);
      });
      // a call ends when its answers are on disk: a kill loses at most the calls in flight
      await Promise.all(stored);
    };
    if (opts.claims && cache) {
      // items another process is computing are waited for and taken from the cache when they land
      const ready = (k: string) => {
        const v = get(k);
        if (v === null) return false;
        stats.cacheHits++;
        for (const i of pending.get(k) as number[]) out[i] = v;
        onDone?.((pending.get(k) as number[]).length);
        return true;
      };
      await opts.claims.share(unique, { size, parallel, signal }, work, ready);
      return out as V[];
    }
    const batches: string[][] = [];
    for (let b = 0; b < unique.length; b += size) batches.push(unique.slice(b, b + size));
    await forEachPool(batches, parallel, work, signal);
    return out as V[];
  }

  const key = (stage: Stage, role: Role, text: string, digests: string[]) =>
    stageKey(stage, stage === 'trace' ? reasonerKey : embedderKey, role, text, digests, opts.version);

  const side = async (items: Item[], role: Role, digests: string[][]): Promise<{ vectors: Float32Array[]; traces: (Trace | null)[] }> => {
    const think = role === 'query' || opts.thinkTargets === true;
    const fam: PromptFamily = role === 'query' ? promptFamily(evalSet.task.meta) : 'target';
    const progress = (n: number) => {
      done += n;
      opts.onProgress?.(done, total);
    };
    if (think && backend.unified) {
      const unified = backend.unified;
      const prompts = items.map((it) => reasoningPrompt(fam, it.text));
      const keys = prompts.map((p, i) => key('unified', role, p, digests[i]));
      const pairs = await resolveStage(
        items,
        keys,
        (k) => {
          const t = cache?.getTrace(k) ?? null;
          const v = t ? (cache?.getEmbedding(k) ?? null) : null;
          return t && v ? { trace: t, vector: v } : null;
        },
        async (idx, loaded) => {
          const res = await unified.reasonAndEmbed(idx.map((i, j) => ({ text: prompts[i], media: loaded[j] })));
          checked(
            res.map((r) => r.vector),
            items,
            idx,
            role,
          );
          stats.reasonCalls++;
          stats.embedCalls++;
          stats.reasonItems += idx.length;
          stats.embedItems += idx.length;
          for (const r of res) {
            stats.promptTokens += r.trace.usage?.promptTokens ?? 0;
            stats.completionTokens += r.trace.usage?.completionTokens ?? 0;
          }
          return res;
        },
        (k, v) => (cache ? Promise.all([cache.putTrace(k, v.trace), cache.putEmbedding(k, v.vector)]) : undefined),
        { size: batchSize, parallel: embedPlan.parallel },
        progress,
      );
      pairs.forEach((p, i) => guard.check(p.vector, `${role} ${items[i].id}`));
      return { vectors: pairs.map((p) => p.vector), traces: pairs.map((p) => p.trace) };
    }
    let texts = items.map((it) => it.text);
    const traces: (Trace | null)[] = items.map(() => null);
    if (think && backend.reasoner) {
      const reasoner = backend.reasoner;
      // adaptive thinking: only the items the gate picks are reasoned on; the others keep their plain text
      const mask = opts.shouldThink ? await opts.shouldThink(items, role) : null;
      const picked = items.map((_, i) => i).filter((i) => !mask || mask[i]);
      const prompts = picked.map((i) => reasoningPrompt(fam, items[i].text));
      const got = await resolveStage(
        picked.map((i) => items[i]),
        prompts.map((p, j) => key('trace', role, p, digests[picked[j]])),
        (k) => cache?.getTrace(k) ?? null,
        async (idx, loaded) => {
          const res = await reasoner.reason(
            idx.map((i, j) => ({ text: prompts[i], media: loaded[j] })),
            { task: evalSet.task.name, family: fam, signal },
          );
          stats.reasonCalls++;
          stats.reasonItems += idx.length;
          for (const t of res) {
            stats.promptTokens += t.usage?.promptTokens ?? 0;
            stats.completionTokens += t.usage?.completionTokens ?? 0;
          }
          return res;
        },
        (k, t) => cache?.putTrace(k, t),
        reasonPlan,
      );
      picked.forEach((i, j) => (traces[i] = got[j]));
      texts = items.map((it, i) => withTrace(it.text, traces[i]?.text ?? null));
    }
    // With a model protocol the embedder renders from the parts (and an eval profile may change the parts
    // without changing VLM2Vec's string), so the parts join the key; without one, keys stay as they were.
    const byParts = typeof backend.config.embedder.protocol === 'string';
    const vectors = await resolveStage(
      items,
      texts.map((t, i) => key('embedding', role, byParts ? JSON.stringify([t, items[i].parts ?? null]) : t, digests[i])),
      (k) => cache?.getEmbedding(k) ?? null,
      async (idx, loaded) => {
        const res = await backend.embedder.embed(
          idx.map((i, j) => ({ text: texts[i], media: loaded[j], role, parts: items[i].parts, trace: traces[i]?.text ?? null })),
          { task: evalSet.task.name, signal },
        );
        stats.embedCalls++;
        stats.embedItems += idx.length;
        if (res.length !== idx.length)
          throw new DataError(`model ${backend.embedder.id} returned ${res.length} vector(s) for ${idx.length} item(s)`, {
            task: evalSet.task.name,
          });
        return checked(res, items, idx, role);
      },
      (k, v) => cache?.putEmbedding(k, v),
      embedPlan,
      progress,
    );
    vectors.forEach((v, i) => guard.check(v, `${role} ${items[i].id}`));
    return { vectors, traces };
  };

  // Both sides at once: no drain between them, and the endpoint limits still bound what is in flight.
  // allSettled: when one side fails or is cancelled, the other's running calls still finish (and are
  // cached) before the error propagates, so nothing keeps running behind the caller's back.
  // Every medium of both sides is read (and hashed) before the first model call: a missing or unreadable
  // file is reported before anything is embedded.
  const queryDigests = await digestsOf(evalSet.queries);
  const candidateDigests = await digestsOf(evalSet.candidates);
  const failFast = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  const [qs, ts] = await Promise.allSettled([
    failFast(side(evalSet.queries, 'query', queryDigests)),
    failFast(side(evalSet.candidates, 'target', candidateDigests)),
  ]);
  if (qs.status === 'rejected') throw qs.reason;
  if (ts.status === 'rejected') throw ts.reason;
  const [q, t] = [qs.value, ts.value];
  return { queryVectors: q.vectors, candidateVectors: t.vectors, queryTraces: q.traces, candidateTraces: t.traces, stats };
}
