/**
 * What every task of a run shares — the backend, the trace/embedding cache and its claims, the scoring
 * pool, the reranker — built once before the first task and released after the last (or a failure).
 */
import { join } from 'node:path';
import type { BackendConfig } from '../backends/config.js';
import { createBackend, type Backend } from '../backends/registry.js';
import { DEFAULT_EVAL_PROFILE, type EvalProfileName } from '../catalog/profiles.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { DataRoot } from '../items/data-root.js';
import type { AudioPrepOptions } from '../media/audio-prepare.js';
import type { TextFormat } from '../items/types.js';
import { ConfigError } from '../errors.js';
import type { PriceTable } from '../report/costs.js';
import { RerankCache } from '../rerank/cache.js';
import { createReranker } from '../rerank/registry.js';
import type { Reranker } from '../rerank/types.js';
import type { ScoringPool } from '../scoring/pool.js';
import { Cache, defaultCacheDir } from '../tte/cache.js';
import { CacheClaims } from '../tte/cache-claims.js';
import type { ShardSource } from './shard.js';

export interface RunOptions {
  runId: string;
  tasks: TaskSpec[];
  dataRoot: string;
  hfRoot?: string;
  version: MmebVersion;
  /** Eval profile (default vlm2vec); recorded in summary.json and manifest.json like the benchmark version. */
  profile?: EvalProfileName;
  /**
   * How audio clips are prepared (VLM2Vec's --audio_max_seconds / --eval_crop; default its collator's 10.24 s head
   * crop). Set, it joins each task's fingerprint and the manifest; the prepared samples key the embedding cache.
   */
  audio?: AudioPrepOptions;
  backend: BackendConfig;
  outDir: string;
  reportDir?: string;
  suite?: string | null;
  /** How many ranked ids a global task's pred.jsonl keeps per query (local tasks keep the whole list). */
  predK?: number;
  /** Trace and embedding cache folder; null disables the cache. Default $XDG_CACHE_HOME/tte-bench. */
  cacheDir?: string | null;
  /** Reason about candidates too (index-side ECR). */
  thinkTargets?: boolean;
  /** This run is one shard of `allTasks` (recorded in the manifest for `merge`). */
  shard?: { index: number; count: number; allTasks: string[]; source?: ShardSource };
  /** Tasks this shard runs only a part of (query range part/parts, see shard.ts); the rest run whole. */
  parts?: Record<string, { part: number; parts: number }>;
  /** Seconds without a heartbeat after which another process's cache claim is taken over (default 60). */
  claimTtlSeconds?: number;
  onProgress?: (task: string, done: number, total: number) => void;
  /** Turns tokens and calls into money in the report. */
  prices?: PriceTable;
  /** Stop cooperatively: finished tasks and every answer received so far are kept; a rerun resumes. */
  signal?: AbortSignal;
  /** Go on past tasks whose data is missing or broken (they are listed in the result and the manifest). */
  keepGoing?: boolean;
  log?: (line: string) => void;
}

/** What every task of a run shares: the models, caches and scoring pool, and the run's settings. */
export interface RunContext {
  opts: RunOptions;
  predK: number;
  backend: Backend;
  cache: Cache | null;
  claims: CacheClaims | null;
  /** The scoring pool (worker threads), started by the first task that ranks: a resumed run never loads it. */
  scoring: LazyScoringPool;
  reranker: Reranker | null;
  rerankCache: RerankCache | null;
  root: DataRoot;
  format: TextFormat;
  profile: EvalProfileName;
  /** What a finished task's recorded data files are checked against to resume without reading them. */
  guardRoots: string[];
}

interface LazyScoringPool {
  get(): Promise<ScoringPool>;
  close(): Promise<void>;
}

function lazyScoringPool(): LazyScoringPool {
  let pool: Promise<ScoringPool> | null = null;
  return {
    get: () => (pool ??= import('../scoring/pool.js').then((m) => new m.ScoringPool())),
    close: async () => {
      if (pool) await (await pool).close();
    },
  };
}

/** Build the backend, caches, scoring pool and reranker the run's tasks share; refuse what cannot work. */
export async function openRun(opts: RunOptions): Promise<RunContext> {
  const predK = opts.predK ?? 100;
  const backend = await createBackend(opts.backend);
  const cache = opts.cacheDir === null ? null : new Cache(opts.cacheDir ?? defaultCacheDir());
  // processes sharing the cache (shards on a network file system) ask the model once per item between them
  const claims = cache ? new CacheClaims(cache.dir, { ttlMs: (opts.claimTtlSeconds ?? 60) * 1000 }) : null;
  const scoring = lazyScoringPool();
  const reranker = opts.backend.reranker ? createReranker(opts.backend.reranker) : null;
  const rerankCache = cache ? new RerankCache(cache.dir) : null;
  if (reranker && (opts.backend.rerankDepth as number) > predK && opts.tasks.some((t) => t.mode === 'global')) {
    throw new ConfigError(
      `rerankDepth ${opts.backend.rerankDepth} is deeper than the ${predK} ids a global task keeps per query (raise --pred-k)`,
      { field: 'rerankDepth' },
    );
  }
  const root = new DataRoot(opts.dataRoot);
  return {
    opts,
    predK,
    backend,
    cache,
    claims,
    scoring,
    reranker,
    rerankCache,
    root,
    format: opts.backend.embedder.textFormat ?? 'qwen2-vl',
    profile: opts.profile ?? DEFAULT_EVAL_PROFILE,
    guardRoots: [opts.hfRoot ?? join(root.dir, 'hf'), root.dir],
  };
}

/** Release the models, claims and worker threads (claims still held, after a failure, are dropped). */
export async function closeRun(run: RunContext): Promise<void> {
  await run.reranker?.close?.();
  run.claims?.close();
  await run.backend.close();
  await run.scoring.close();
}
