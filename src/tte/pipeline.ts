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
import type { Backend, UnifiedModel } from '../backends/registry.js';
import type { ModelMedia, Reasoner, Trace } from '../backends/types.js';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, Item } from '../items/types.js';
import { type Cache, cacheKey, mediaDigest } from './cache.js';
import type { CacheClaims } from './cache-claims.js';
import { hashJson } from '../util/fingerprint.js';
import { VectorGuard } from './invariants.js';
import { type MediaLoader, visualOnly } from './media.js';
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

/** Embeds both sides of an EvalSet at once (queries and candidates), reasoning first where the pipeline does. */
export async function embedEvalSet(evalSet: EvalSet, backend: Backend, media: MediaLoader, opts: PipelineOptions): Promise<EmbeddedSet> {
  const run = startRun(evalSet, backend, media, opts);
  // Every medium of both sides is read (and hashed) before the first model call: a missing or unreadable
  // file is reported before anything is embedded.
  const queryDigests = await digestsOf(media, evalSet.queries);
  const candidateDigests = await digestsOf(media, evalSet.candidates);
  const [q, t] = await bothSides(
    run.stop,
    () => embedSide(run, evalSet.queries, 'query', queryDigests),
    () => embedSide(run, evalSet.candidates, 'target', candidateDigests),
  );
  return { queryVectors: q.vectors, candidateVectors: t.vectors, queryTraces: q.traces, candidateTraces: t.traces, stats: run.stats };
}

/** Items per call, and how many calls are in flight at once. */
interface CallPlan {
  size: number;
  parallel: number;
}

/** One embedEvalSet call: its inputs, plans, cache identities and counters, shared by the functions below. */
interface Run {
  evalSet: EvalSet;
  backend: Backend;
  media: MediaLoader;
  opts: PipelineOptions;
  cache: Cache | null;
  batchSize: number;
  reasonPlan: CallPlan;
  embedPlan: CallPlan;
  embedderKey: string;
  reasonerKey: string | null;
  /** One dimension per task and cache namespace, every vector finite: checked as answers arrive and over cached ones. */
  guard: VectorGuard;
  stats: PipelineStats;
  clock: BusyClock;
  /** When one side fails, the other stops taking new items too (its running calls finish and are cached). */
  stop: AbortController;
  signal: AbortSignal;
  /** Items done on both sides together, for onProgress. */
  progress: (n: number) => void;
}

function startRun(evalSet: EvalSet, backend: Backend, media: MediaLoader, opts: PipelineOptions): Run {
  const batchSize = opts.batchSize ?? backend.config.embedder.batchSize ?? 16;
  const cache = opts.cache ?? null;
  const embedderKey = modelKey(backend.embedder.id, backend.config.embedder);
  const stats = emptyStats();
  const stop = new AbortController();
  const total = evalSet.queries.length + evalSet.candidates.length;
  let done = 0;
  return {
    evalSet,
    backend,
    media,
    opts,
    cache,
    batchSize,
    reasonPlan: callPlan(backend.config.reasoner, 'reasoner', batchSize, opts.parallelBatches),
    embedPlan: callPlan(backend.config.embedder, 'embedder', batchSize, opts.parallelBatches),
    embedderKey,
    reasonerKey: backend.reasoner ? modelKey(backend.reasoner.id, backend.config.reasoner) : null,
    guard: new VectorGuard(evalSet.task.name, backend.embedder.id, cache, embedderKey),
    stats,
    clock: new BusyClock(stats),
    stop,
    signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal,
    progress: (n) => {
      done += n;
      opts.onProgress?.(done, total);
    },
  };
}

function emptyStats(): PipelineStats {
  return { busyMs: 0, embedCalls: 0, embedItems: 0, reasonCalls: 0, reasonItems: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 };
}

/**
 * How many items each call takes and how many calls run at once follow from the model's transport
 * (backends/model-fields.ts): enough batches in flight to keep every endpoint or local worker busy.
 */
function callPlan(cfg: ModelConfig | null, role: 'reasoner' | 'embedder', batchSize: number, parallelBatches?: number): CallPlan {
  const { itemsPerCall: size, inFlightItems } = callShape(cfg, role, batchSize);
  return { size, parallel: parallelBatches ?? Math.max(1, Math.ceil(inFlightItems / size) + 1) };
}

/** Wall time during which at least one model call runs (overlapping calls count once). */
class BusyClock {
  private active = 0;
  private since = 0;
  constructor(private readonly stats: PipelineStats) {}

  async time<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.since = performance.now();
    try {
      return await fn();
    } finally {
      if (--this.active === 0) this.stats.busyMs += performance.now() - this.since;
    }
  }
}

function countUsage(stats: PipelineStats, usage: Trace['usage']): void {
  stats.promptTokens += usage?.promptTokens ?? 0;
  stats.completionTokens += usage?.completionTokens ?? 0;
}

/** Pass 1: media digests of every item, streamed in slices so media bytes are not all held at once. */
async function digestsOf(media: MediaLoader, items: Item[]): Promise<string[][]> {
  const out: string[][] = new Array(items.length);
  const slice = 64;
  for (let s = 0; s < items.length; s += slice) {
    const loaded = await Promise.all(items.slice(s, s + slice).map((it) => media.loadAll(it.media, it.id)));
    loaded.forEach((m, j) => (out[s + j] = mediaDigest(m)));
  }
  return out;
}

/**
 * Both sides at once: no drain between them, and the endpoint limits still bound what is in flight.
 * allSettled: when one side fails or is cancelled, the other's running calls still finish (and are cached)
 * before the error propagates, so nothing keeps running behind the caller's back.
 */
async function bothSides<T>(stop: AbortController, first: () => Promise<T>, second: () => Promise<T>): Promise<[T, T]> {
  const failFast = (p: Promise<T>) =>
    p.catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  const [a, b] = await Promise.allSettled([failFast(first()), failFast(second())]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

interface Side {
  vectors: Float32Array[];
  traces: (Trace | null)[];
}

/**
 * One side of the EvalSet. Where it is reasoned on (queries; candidates with thinkTargets): a unified model
 * reasons and embeds in one pass, or the reasoner writes traces that are appended before embedding.
 */
async function embedSide(run: Run, items: Item[], role: Role, digests: string[][]): Promise<Side> {
  const think = role === 'query' || run.opts.thinkTargets === true;
  const family: PromptFamily = role === 'query' ? promptFamily(run.evalSet.task) : 'target';
  if (think && run.backend.unified) return unifiedSide(run, run.backend.unified, items, role, family, digests);
  const traces: (Trace | null)[] =
    think && run.backend.reasoner ? await reasonSide(run, run.backend.reasoner, items, role, family, digests) : items.map(() => null);
  const vectors = await embedItems(run, items, role, digests, traces);
  return { vectors, traces };
}

/** The cache key of one item's value at one stage. */
function itemKey(run: Run, stage: Stage, role: Role, text: string, digests: string[]): string {
  return stageKey(stage, stage === 'trace' ? run.reasonerKey : run.embedderKey, role, text, digests, run.opts.version);
}

/** Checks each answered vector as it arrives, so a wrong server stops the run at its first answer. */
function checkAnswers(run: Run, vectors: Float32Array[], items: Item[], idx: number[], role: Role): Float32Array[] {
  return vectors.map((v, j) => run.guard.check(v, `${role} ${items[idx[j]].id}`));
}

/** Unified: one call reasons and embeds each item; trace and vector are cached under one key. */
async function unifiedSide(
  run: Run,
  unified: UnifiedModel,
  items: Item[],
  role: Role,
  family: PromptFamily,
  digests: string[][],
): Promise<Side> {
  const { cache, stats } = run;
  const prompts = items.map((it) => reasoningPrompt(family, it.text));
  const pairs = await resolveStage<{ trace: Trace; vector: Float32Array }>(
    run,
    items,
    prompts.map((p, i) => itemKey(run, 'unified', role, p, digests[i])),
    {
      get: (k) => {
        const t = cache?.getTrace(k) ?? null;
        const v = t ? (cache?.getEmbedding(k) ?? null) : null;
        return t && v ? { trace: t, vector: v } : null;
      },
      compute: async (idx, loaded) => {
        const res = await unified.reasonAndEmbed(
          idx.map((i, j) => ({ text: prompts[i], media: visualOnly(loaded[j], 'think (reason and embed)') })),
        );
        checkAnswers(
          run,
          res.map((r) => r.vector),
          items,
          idx,
          role,
        );
        stats.reasonCalls++;
        stats.embedCalls++;
        stats.reasonItems += idx.length;
        stats.embedItems += idx.length;
        for (const r of res) countUsage(stats, r.trace.usage);
        return res;
      },
      put: (k, v) => (cache ? Promise.all([cache.putTrace(k, v.trace), cache.putEmbedding(k, v.vector)]) : undefined),
    },
    { size: run.batchSize, parallel: run.embedPlan.parallel },
    run.progress,
  );
  pairs.forEach((p, i) => run.guard.check(p.vector, `${role} ${items[i].id}`));
  return { vectors: pairs.map((p) => p.vector), traces: pairs.map((p) => p.trace) };
}

/** Teacher / distilled: a trace for each item the gate picks (all of them without a gate); null for the others. */
async function reasonSide(
  run: Run,
  reasoner: Reasoner,
  items: Item[],
  role: Role,
  family: PromptFamily,
  digests: string[][],
): Promise<(Trace | null)[]> {
  const { cache, stats } = run;
  // adaptive thinking: only the items the gate picks are reasoned on; the others keep their plain text
  const mask = run.opts.shouldThink ? await run.opts.shouldThink(items, role) : null;
  const picked = items.map((_, i) => i).filter((i) => !mask || mask[i]);
  const prompts = picked.map((i) => reasoningPrompt(family, items[i].text));
  const got = await resolveStage<Trace>(
    run,
    picked.map((i) => items[i]),
    prompts.map((p, j) => itemKey(run, 'trace', role, p, digests[picked[j]])),
    {
      get: (k) => cache?.getTrace(k) ?? null,
      compute: async (idx, loaded) => {
        const res = await reasoner.reason(
          idx.map((i, j) => ({ text: prompts[i], media: visualOnly(loaded[j], 'think (reasoner)') })),
          { task: run.evalSet.task.name, family, signal: run.signal },
        );
        stats.reasonCalls++;
        stats.reasonItems += idx.length;
        for (const t of res) countUsage(stats, t.usage);
        return res;
      },
      put: (k, t) => cache?.putTrace(k, t),
    },
    run.reasonPlan,
  );
  const traces: (Trace | null)[] = items.map(() => null);
  picked.forEach((i, j) => (traces[i] = got[j]));
  return traces;
}

/** The embedder over each item's text, with its trace appended where it has one. */
async function embedItems(run: Run, items: Item[], role: Role, digests: string[][], traces: (Trace | null)[]): Promise<Float32Array[]> {
  const { backend, cache, stats } = run;
  // an item without a trace keeps its text as it is
  const texts = items.map((it, i) => withTrace(it.text, traces[i]?.text ?? null));
  // With a model protocol the embedder renders from the parts (and an eval profile may change the parts
  // without changing VLM2Vec's string), so the parts join the key; without one, keys stay as they were.
  const byParts = typeof backend.config.embedder.protocol === 'string';
  const vectors = await resolveStage<Float32Array>(
    run,
    items,
    texts.map((t, i) => itemKey(run, 'embedding', role, byParts ? JSON.stringify([t, items[i].parts ?? null]) : t, digests[i])),
    {
      get: (k) => cache?.getEmbedding(k) ?? null,
      compute: async (idx, loaded) => {
        const res = await backend.embedder.embed(
          idx.map((i, j) => ({ text: texts[i], media: loaded[j], role, parts: items[i].parts, trace: traces[i]?.text ?? null })),
          { task: run.evalSet.task.name, signal: run.signal },
        );
        stats.embedCalls++;
        stats.embedItems += idx.length;
        if (res.length !== idx.length)
          throw new DataError(`model ${backend.embedder.id} returned ${res.length} vector(s) for ${idx.length} item(s)`, {
            task: run.evalSet.task.name,
          });
        return checkAnswers(run, res, items, idx, role);
      },
      put: (k, v) => cache?.putEmbedding(k, v),
    },
    run.embedPlan,
    run.progress,
  );
  vectors.forEach((v, i) => run.guard.check(v, `${role} ${items[i].id}`));
  return vectors;
}

/** How one stage reads its cached values, computes the missing ones (a batch of item indices) and stores them. */
interface StageIO<V> {
  get: (key: string) => V | null;
  compute: (indices: number[], loaded: ModelMedia[][]) => Promise<V[]>;
  put: (key: string, v: V) => Promise<unknown> | undefined;
}

/**
 * Resolve one stage for every item: cached values are taken, the rest grouped by key (identical items are
 * asked once) and computed in batches with `parallel` batches in flight — shared with other processes
 * through claims on the cache when there are claims.
 */
async function resolveStage<V>(
  run: Run,
  items: Item[],
  keys: string[],
  io: StageIO<V>,
  plan: CallPlan,
  onDone?: (n: number) => void,
): Promise<V[]> {
  const out: (V | null)[] = items.map(() => null);
  const pending = takeCached(run, keys, io, out, onDone);
  const unique = [...pending.keys()];
  const work = (batch: string[]) => computeBatch(run, items, batch, pending, io, out, onDone);
  const claims = run.opts.claims;
  if (claims && run.cache) {
    // items another process is computing are waited for and taken from the cache when they land
    const ready = (k: string) => {
      const v = io.get(k);
      if (v === null) return false;
      run.stats.cacheHits++;
      for (const i of pending.get(k) as number[]) out[i] = v;
      onDone?.((pending.get(k) as number[]).length);
      return true;
    };
    await claims.share(unique, { size: plan.size, parallel: plan.parallel, signal: run.signal }, work, ready);
    return out as V[];
  }
  const batches: string[][] = [];
  for (let b = 0; b < unique.length; b += plan.size) batches.push(unique.slice(b, b + plan.size));
  await forEachPool(batches, plan.parallel, work, run.signal);
  return out as V[];
}

/** Cache lookup: fills `out` with cached values; returns the missing keys, each with the items that share it. */
function takeCached<V>(run: Run, keys: string[], io: StageIO<V>, out: (V | null)[], onDone?: (n: number) => void): Map<string, number[]> {
  const pending = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const hit = io.get(k);
    if (hit !== null) {
      out[i] = hit;
      run.stats.cacheHits++;
      onDone?.(1);
    } else pending.set(k, [...(pending.get(k) ?? []), i]);
  });
  return pending;
}

/**
 * Pass 2 for one batch of missing keys: re-read the media of one item per key, call the model, and store
 * each answer. The call ends when its answers are on disk: a kill loses at most the calls in flight.
 */
async function computeBatch<V>(
  run: Run,
  items: Item[],
  batch: string[],
  pending: Map<string, number[]>,
  io: StageIO<V>,
  out: (V | null)[],
  onDone?: (n: number) => void,
): Promise<void> {
  const first = batch.map((k) => (pending.get(k) as number[])[0]);
  const loaded = await Promise.all(first.map((i) => run.media.loadAll(items[i].media, items[i].id)));
  const values = await run.clock.time(() => io.compute(first, loaded));
  const stored = batch.map((k, j) => {
    const idx = pending.get(k) as number[];
    for (const i of idx) out[i] = values[j];
    onDone?.(idx.length);
    return io.put(k, values[j]);
  });
  await Promise.all(stored);
}
