/**
 * Run orchestration: for each task, catalog spec → EvalSet → pipeline (reasoner, embedder) → ranking →
 * predictions → metrics → result files. A task whose results exist with the same fingerprint (backend
 * config, task spec, benchmark version, data files) is reused; any difference recomputes it, so stale
 * results are never silently reused. Every file is written atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackendConfig } from '../backends/config.js';
import { ConfigError, DataError } from '../errors.js';
import { createBackend } from '../backends/registry.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { DEFAULT_EVAL_PROFILE, type EvalProfileName } from '../catalog/profiles.js';
import { DataRoot } from '../datasets/readers/data-root.js';
import type { TextFormat } from '../datasets/types.js';
import { perQueryMetrics, scorePredictions, type Prediction, type ScoreObject } from '../metrics/ranking.js';
import { validateSummary } from '../report/summary-schema.js';
import type { Example } from '../report/run-folder.js';
import type { Trace } from '../backends/types.js';
import type { PriceTable } from '../report/costs.js';
import { buildSummary, predictionLine, type RunSummary, type TaskCost, type TaskResult } from '../report/results.js';
import { rankIndices, stack } from '../scoring/rank.js';
import type { ScoringPool } from '../scoring/pool.js';
import { embedEvalSet, modelKey, type PipelineStats } from '../tte/pipeline.js';
import { PROMPT_VERSION } from '../tte/prompts.js';
import { Cache, defaultCacheDir } from '../tte/cache.js';
import { readJsonFile, toJson, writeFileAtomic, writeJsonAtomic } from '../util/json.js';
import { packageVersion } from '../util/package-root.js';
import { dataFingerprint, hashJson, resumeGuard, sameGuard } from '../util/fingerprint.js';
import { writeLinesAtomic } from '../util/lines.js';
import { writeReportsIfChanged } from './report-stamp.js';
import { MediaLoader } from '../tte/media.js';
import { createReranker } from '../rerank/registry.js';
import { RerankCache } from '../rerank/cache.js';
import { rerankTask } from '../rerank/task.js';
import { makeThinkGate, thinkCost } from '../tte/gate.js';
import { CacheClaims } from '../tte/cache-claims.js';
import { sliceEvalSet, type ShardSource } from './shard.js';

export interface RunOptions {
  runId: string;
  tasks: TaskSpec[];
  dataRoot: string;
  hfRoot?: string;
  version: MmebVersion;
  /** Eval profile (default vlm2vec); recorded in summary.json and manifest.json like the benchmark version. */
  profile?: EvalProfileName;
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

export interface RunResult {
  summary: RunSummary;
  failures: { task: string; error: string }[];
  outDir: string;
  reportDir?: string;
  reused: string[];
}

interface TaskStatus {
  fingerprint: string;
  num_queries: number;
  num_candidates: number;
  /** What computing this task cost when it was computed (kept so a resumed run still reports it). */
  cost: TaskCost;
  /** A part of a split task: its query range, and the fingerprint the whole task has (for `merge`). */
  part?: { index: number; count: number; range: [number, number]; task_fingerprint: string };
  /** The data files the task was built from, and what must not change to resume from them alone. */
  data_files?: string[];
  resume_guard?: Record<string, [number, number] | null>;
}

export type { TaskCost };

export function taskCost(stats: PipelineStats | null, wallSeconds: number): TaskCost {
  return {
    wall_seconds: wallSeconds,
    model_busy_seconds: (stats?.busyMs ?? 0) / 1000,
    reasoner_prompt_tokens: stats?.promptTokens ?? 0,
    reasoner_completion_tokens: stats?.completionTokens ?? 0,
    reason_calls: stats?.reasonCalls ?? 0,
    reasoned_items: stats?.reasonItems ?? 0,
    embed_calls: stats?.embedCalls ?? 0,
    embedded_items: stats?.embedItems ?? 0,
    cache_hits: stats?.cacheHits ?? 0,
  };
}

/**
 * Rank every query of an EvalSet and return VLM2Vec-style predictions: global tasks through the scoring
 * pool (onnxruntime top-k in a worker thread), local lists in place.
 */
export async function predict(
  evalSet: import('../datasets/types.js').EvalSet,
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
        evalSet.task,
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
    return predictionLine(evalSet.task, ranked, q.gold, q.relScores);
  });
}

/** The three best and three worst queries of a task by its main metric (ties: query order), for reports. */
export function examples(
  evalSet: import('../datasets/types.js').EvalSet,
  preds: Prediction[],
  traces: (Trace | null)[],
): { best: Example[]; worst: Example[] } {
  const metric = evalSet.task.metric;
  const rows: Example[] = preds.map((p, i) => ({
    id: evalSet.queries[i].id,
    text: evalSet.queries[i].text,
    gold: evalSet.queries[i].gold,
    top: p.prediction.slice(0, 3),
    score: perQueryMetrics(p)[metric],
    trace: traces[i]?.text ?? null,
  }));
  const order = rows.map((r, i) => ({ r, i }));
  const best = [...order]
    .sort((a, b) => b.r.score - a.r.score || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.r);
  const worst = [...order]
    .sort((a, b) => a.r.score - b.r.score || a.i - b.i)
    .slice(0, 3)
    .map((x) => x.r);
  return { best, worst };
}

/** writeJsonAtomic, skipped when the file already holds exactly this (a resumed run: no fsync, no rename). */
function writeJsonIfChanged(path: string, value: unknown): void {
  const text = toJson(value);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileAtomic(path, text);
}

export async function runTasks(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const predK = opts.predK ?? 100;
  const backend = await createBackend(opts.backend);
  const cache = opts.cacheDir === null ? null : new Cache(opts.cacheDir ?? defaultCacheDir());
  // processes sharing the cache (shards on a network file system) ask the model once per item between them
  const claims = cache ? new CacheClaims(cache.dir, { ttlMs: (opts.claimTtlSeconds ?? 60) * 1000 }) : null;
  // the scoring pool (piscina), the data readers and the items writer (sharp) load when a task is computed: a resumed run loads none
  let scoring = null as ScoringPool | null; // (as: set in scorer, so not narrowed to null below)
  const scorer = async () => (scoring ??= new (await import('../scoring/pool.js')).ScoringPool());
  const reranker = opts.backend.reranker ? createReranker(opts.backend.reranker) : null;
  const rerankCache = cache ? new RerankCache(cache.dir) : null;
  if (reranker && (opts.backend.rerankDepth as number) > predK && opts.tasks.some((t) => t.mode === 'global')) {
    throw new ConfigError(
      `rerankDepth ${opts.backend.rerankDepth} is deeper than the ${predK} ids a global task keeps per query (raise --pred-k)`,
      { field: 'rerankDepth' },
    );
  }
  const root = new DataRoot(opts.dataRoot);
  const format: TextFormat = opts.backend.embedder.textFormat ?? 'qwen2-vl';
  const profile = opts.profile ?? DEFAULT_EVAL_PROFILE;
  const results: TaskResult[] = [];
  const reused: string[] = [];
  const timings: Record<string, { seconds: number; reused: boolean; stats: PipelineStats | null }> = {};
  const costs: Record<string, TaskCost> = {};
  const failures: { task: string; error: string }[] = [];
  const fingerprints: Record<string, unknown> = {};
  const started = new Date();
  try {
    for (const [n, task] of opts.tasks.entries()) {
      opts.signal?.throwIfAborted();
      try {
        const t0 = performance.now();
        const part = opts.parts?.[task.name];
        const fingerprintOf = (data: ReturnType<typeof dataFingerprint>) => {
          const taskFingerprint = hashJson({
            backend: opts.backend,
            task,
            version: opts.version,
            format,
            // only a non-default profile joins the fingerprint, so runs made before profiles existed are reused
            ...(profile !== DEFAULT_EVAL_PROFILE ? { profile } : {}),
            predK,
            thinkTargets: opts.thinkTargets === true,
            prompts: PROMPT_VERSION,
            data,
            harness: packageVersion(),
          });
          return {
            taskFingerprint,
            fingerprint: part ? hashJson({ task: taskFingerprint, part: part.part, parts: part.parts }) : taskFingerprint,
          };
        };
        const statusFile = join(opts.outDir, '.status', `${task.name}.json`);
        const scoreFile = join(opts.outDir, `${task.name}_score.json`);
        const predFile = join(opts.outDir, `${task.name}_pred.jsonl`);
        let scores: ScoreObject;
        let stats: PipelineStats | null = null;
        const status: TaskStatus | null = existsSync(statusFile) ? readJsonFile<TaskStatus>(statusFile) : null;
        const finished = status !== null && existsSync(scoreFile) && existsSync(predFile);
        const guardRoots = [opts.hfRoot ?? join(root.dir, 'hf'), root.dir];
        // A finished task is resumed from the data files its status recorded (size + mtime, and the folders
        // and dataset cards that decide which files a split resolves to): no data is read, no media stated.
        // Any difference falls through to the full path below, which decides exactly as before.
        // (A query-range part takes the full path: its own counts are not in the status, which holds the whole task's.)
        let resumed: ReturnType<typeof dataFingerprint> | null = null;
        if (
          !part &&
          finished &&
          status.data_files &&
          status.resume_guard &&
          sameGuard(resumeGuard(status.data_files, guardRoots), status.resume_guard)
        ) {
          const data = dataFingerprint(status.data_files);
          if (fingerprintOf(data).fingerprint === status.fingerprint) resumed = data;
        }
        let numQueries: number;
        let numCandidates: number;
        let partLabel = '';
        if (resumed && status) {
          fingerprints[task.name] = { fingerprint: status.fingerprint, data: resumed };
          scores = readJsonFile<ScoreObject>(scoreFile);
          reused.push(task.name);
          costs[task.name] = status.cost;
          [numQueries, numCandidates] = [status.num_queries, status.num_candidates];
        } else {
          const { evalSet: whole } = await (await import('../datasets/load.js')).loadEvalSet(task, {
            dataRoot: root.dir,
            hfRoot: opts.hfRoot,
            version: opts.version,
            format,
            profile,
          });
          const { evalSet, range } = part ? sliceEvalSet(whole, part.part, part.parts) : { evalSet: whole, range: null };
          const data = dataFingerprint(evalSet.dataFiles);
          const { taskFingerprint, fingerprint } = fingerprintOf(data);
          const dataFiles = [...new Set(evalSet.dataFiles)].sort();
          const guard = resumeGuard(dataFiles, guardRoots);
          fingerprints[task.name] = {
            fingerprint,
            data,
            ...(part && range ? { part: { index: part.part, count: part.parts, range } } : {}),
          };
          [numQueries, numCandidates] = [evalSet.queries.length, evalSet.candidates.length];
          if (part && range)
            partLabel = ` part ${part.part + 1}/${part.parts} (queries ${range[0]}..${range[1]} of ${whole.queries.length})`;
          if (finished && status.fingerprint === fingerprint) {
            scores = readJsonFile<ScoreObject>(scoreFile);
            reused.push(task.name);
            costs[task.name] = status.cost;
            // record the data files (a status from before they were) and their current guard, so the next
            // resume reads nothing
            if (!isDeepStrictEqual(status.data_files, dataFiles) || !isDeepStrictEqual(status.resume_guard, guard))
              writeJsonAtomic(statusFile, { ...status, data_files: dataFiles, resume_guard: guard });
          } else {
            const media = new MediaLoader(root, evalSet);
            const gate = makeThinkGate(opts.backend, evalSet, { backend, media, cache, version: opts.version, signal: opts.signal });
            const embedded = await embedEvalSet(evalSet, backend, media, {
              version: opts.version,
              cache,
              thinkTargets: opts.thinkTargets,
              shouldThink: gate?.shouldThink,
              onProgress: (d, t) => opts.onProgress?.(task.name, d, t),
              signal: opts.signal,
              claims,
            });
            stats = embedded.stats;
            if (embedded.queryTraces.some((t) => t)) {
              writeLinesAtomic(
                join(opts.outDir, `${task.name}_traces.jsonl`),
                evalSet.queries.map((q, i) => JSON.stringify({ id: q.id, trace: embedded.queryTraces[i]?.text ?? null }) + '\n'),
              );
            }
            let preds = await predict(evalSet, embedded.queryVectors, embedded.candidateVectors, predK, await scorer());
            const reranked = reranker
              ? await rerankTask(evalSet, preds, reranker, {
                  backend: opts.backend,
                  outDir: opts.outDir,
                  media,
                  cache: rerankCache,
                  version: opts.version,
                  signal: opts.signal,
                })
              : null;
            if (reranked) preds = reranked.preds;
            scores = scorePredictions(preds);
            writeLinesAtomic(
              predFile,
              (function* () {
                for (const p of preds) yield JSON.stringify(p) + '\n';
              })(),
            );
            writeJsonAtomic(join(opts.outDir, `${task.name}_examples.json`), examples(evalSet, preds, embedded.queryTraces));
            // what the query browser, id-paired comparisons and trace export read
            const reasonerIdentity = backend.reasoner
              ? { id: backend.reasoner.id, key: modelKey(backend.reasoner.id, opts.backend.reasoner) }
              : backend.unified
                ? { id: backend.unified.id, key: modelKey(backend.unified.id, opts.backend.embedder) }
                : null;
            await (await import('../report/items.js')).writeItemsFile(opts.outDir, evalSet, preds, reasonerIdentity, (p) => root.exists(p));
            evalSet.inlineMedia.clear(); // page images carried by the data: vectors and thumbnails are made, release them
            writeJsonAtomic(scoreFile, scores, 4);
            costs[task.name] = taskCost(stats, (performance.now() - t0) / 1000);
            if (reranked) costs[task.name].rerank = reranked.cost;
            if (gate) costs[task.name].think = thinkCost(gate.stats, embedded.queryTraces);
            // a part records the whole task's counts (what the merged summary reports) and its own range
            const st: TaskStatus = {
              fingerprint,
              num_queries: whole.queries.length,
              num_candidates: whole.candidates.length,
              cost: costs[task.name],
              data_files: dataFiles,
              resume_guard: guard,
            };
            if (part && range) st.part = { index: part.part, count: part.parts, range, task_fingerprint: taskFingerprint };
            writeJsonAtomic(statusFile, st);
          }
        }
        results.push({ task, scores, numQueries, numCandidates });
        const seconds = (performance.now() - t0) / 1000;
        timings[task.name] = { seconds, reused: reused.includes(task.name), stats };
        log(
          `[${n + 1}/${opts.tasks.length}] ${task.name}${partLabel}: ${numQueries} queries, ${numCandidates} candidates, ` +
            `${task.metric} ${(scores[task.metric] * 100).toFixed(2)}${reused.includes(task.name) ? ' (reused)' : ''} (${seconds.toFixed(2)}s)`,
        );
      } catch (caught) {
        // a file-level error (an unreadable parquet) names the file; say which task read it, too
        const err =
          caught instanceof DataError && !caught.location.task
            ? new DataError(caught.detail, { ...caught.location, task: task.name })
            : caught;
        // --keep-going: a task whose data is broken or missing is reported, the others still run
        if (!opts.keepGoing || !(err instanceof DataError) || opts.signal?.aborted) throw err;
        failures.push({ task: task.name, error: err.message });
        log(`[${n + 1}/${opts.tasks.length}] ${task.name}: FAILED — ${err.message}`);
      }
    }
  } catch (err) {
    await reranker?.close?.();
    claims?.close();
    await backend.close();
    await scoring?.close();
    throw err;
  }
  const summary = validateSummary(buildSummary(opts.runId, opts.version, opts.suite ?? null, opts.backend, results, failures, profile));
  writeJsonIfChanged(join(opts.outDir, 'summary.json'), summary);
  // Costs vary with the cache state, so they live beside the deterministic summary, not in it.
  writeJsonIfChanged(join(opts.outDir, 'costs.json'), { run_id: opts.runId, tasks: costs });
  writeJsonAtomic(join(opts.outDir, 'manifest.json'), {
    run_id: opts.runId,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    harness: { name: 'tte-bench', version: packageVersion(), node: process.version },
    mmeb_version: opts.version,
    eval_profile: profile,
    data_root: root.dir,
    text_format: format,
    pred_k: predK,
    cache_dir: cache?.dir ?? null,
    think_targets: opts.thinkTargets === true,
    shard: opts.shard ? { ...opts.shard, parts: opts.parts ?? {} } : null,
    failures,
    suite: opts.suite ?? null,
    backend: summary.backend,
    tasks: Object.fromEntries(opts.tasks.map((t) => [t.name, { ...timings[t.name], ...(fingerprints[t.name] as object) }])),
  });
  if (opts.reportDir) await writeReportsIfChanged(opts.outDir, opts.reportDir, opts.prices);
  await reranker?.close?.();
  await backend.close();
  await scoring?.close();
  return { summary, failures, outDir: opts.outDir, reportDir: opts.reportDir, reused };
}
