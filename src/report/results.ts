/**
 * Result files of a run. Per task, VLM2Vec-compatible `{task}_score.json` and `{task}_pred.jsonl`;
 * per run, `summary.json` (deterministic: no timestamps, fixed key order) and `manifest.json` (timings,
 * versions, data fingerprints).
 */
import { type Benchmark, benchmarkOf, type MetaTask, type Modality, type MmebVersion, type TaskSpec } from '../catalog/types.js';
import type { EvalSet } from '../items/types.js';
import type { Prediction, ScoreObject } from '../metrics/ranking.js';
import { rollUp } from '../metrics/aggregate.js';
import { type RunCoverage, v3Coverage } from './coverage.js';
import type { RerankCost, ThinkCost } from '../metrics/costs.js';

/** What computing one task cost (a `costs.json` entry; kept in the task's status so a resumed run still reports it). */
export interface TaskCost {
  wall_seconds: number;
  model_busy_seconds: number;
  reasoner_prompt_tokens: number;
  reasoner_completion_tokens: number;
  reason_calls: number;
  reasoned_items: number;
  embed_calls: number;
  embedded_items: number;
  cache_hits: number;
  /** The rerank stage, when the backend has a reranker. */
  rerank?: RerankCost;
  /** Adaptive thinking, when the backend's "think" is not "always". */
  think?: ThinkCost;
}

export interface TaskResult {
  task: TaskSpec;
  scores: ScoreObject;
  numQueries: number;
  numCandidates: number;
}

export interface RunSummary {
  schema: 'tte-bench/run-summary@1';
  run_id: string;
  benchmark: Benchmark;
  mmeb_version: MmebVersion;
  /** Whose per-task inputs the run used (vlm2vec: VLM2Vec's evaluation). */
  eval_profile?: string;
  suite: string | null;
  backend: {
    name: string;
    pipeline: string;
    embedder: Record<string, unknown>;
    reasoner: Record<string, unknown> | null;
    /** Present only for cascades and adaptive thinking, so plain runs' summaries are unchanged. */
    reranker?: Record<string, unknown>;
    rerank_depth?: number;
    think?: string;
    think_gate?: Record<string, unknown>;
  };
  tasks: {
    name: string;
    modality: Modality;
    meta: MetaTask;
    metric: string;
    mode: string;
    main_score: number;
    'hit@1': number;
    'ndcg_linear@5': number;
    num_queries: number;
    num_candidates: number;
  }[];
  /** ×100, averaged over the tasks of this run (a suite or subset is not the 78-task leaderboard). */
  rollup: {
    tasks: number;
    overall: number | null;
    modalities: Record<Modality, number | null>;
    meta: Record<MetaTask, number | null>;
  };
  /** MMEB-V3 runs only: per group, what ran and what did not (report/coverage.ts). */
  coverage?: RunCoverage;
  /** Only when tasks failed (`run --keep-going`): the scores above cover tasks_scored of tasks_requested. */
  partial?: { tasks_requested: number; tasks_scored: number; failed: { name: string; error: string }[] };
}

/** Keys that might hold secrets are dropped before a config is written anywhere. */
export function publicModelConfig(cfg: object | null): Record<string, unknown> | null {
  if (!cfg) return null;
  return Object.fromEntries(Object.entries(cfg).filter(([k]) => !/key|token|secret|password/i.test(k) || k === 'apiKeyEnv'));
}

/**
 * What a summary records of the backend that made a run: a backend config as written, or a summary's own
 * backend block (`merge`). Structural, so result files do not depend on the backends' code.
 */
export interface BackendIdentity {
  name: string;
  pipeline: string;
  embedder: object;
  reasoner: object | null;
  reranker?: object | null;
  rerankDepth?: number;
  think?: string;
  thinkGate?: object;
}

export function buildSummary(
  runId: string,
  version: MmebVersion,
  suite: string | null,
  backend: BackendIdentity,
  results: TaskResult[],
  failures: { task: string; error: string }[] = [],
  profile = 'vlm2vec',
): RunSummary {
  const tasks = results.map((r) => r.task);
  const main = new Map(results.map((r) => [r.task.name, r.scores[r.task.metric]]));
  // a V3 run rolls up to V3's columns (eight groups, agent); a V2 run's summary is unchanged
  const ru = rollUp(main, tasks, { allowPartial: true, scale: 100, ...(version === 'v3' ? { version } : {}) });
  return {
    schema: 'tte-bench/run-summary@1',
    run_id: runId,
    benchmark: benchmarkOf(version),
    mmeb_version: version,
    eval_profile: profile,
    suite,
    backend: {
      name: backend.name,
      pipeline: backend.pipeline,
      embedder: publicModelConfig(backend.embedder) as Record<string, unknown>,
      reasoner: publicModelConfig(backend.reasoner),
      ...cascadeFields(backend),
    },
    tasks: results.map((r) => ({
      name: r.task.name,
      modality: r.task.modality,
      meta: r.task.meta,
      metric: r.task.metric,
      mode: r.task.mode,
      main_score: r.scores[r.task.metric],
      'hit@1': r.scores['hit@1'],
      'ndcg_linear@5': r.scores['ndcg_linear@5'],
      num_queries: r.numQueries,
      num_candidates: r.numCandidates,
    })),
    rollup: { tasks: ru.tasks, overall: ru.overall, modalities: ru.modalities, meta: ru.meta },
    ...(version === 'v3' ? { coverage: v3Coverage(main) } : {}),
    ...(failures.length
      ? {
          partial: {
            tasks_requested: results.length + failures.length,
            tasks_scored: results.length,
            failed: failures.map((f) => ({ name: f.task, error: f.error })),
          },
        }
      : {}),
  };
}

/**
 * The summary's cascade fields, from a backend config — or from a summary's own backend block, which `merge`
 * passes back in (snake_case), so merged shards keep them.
 */
function cascadeFields(backend: BackendIdentity): Partial<RunSummary['backend']> {
  const b = backend as BackendIdentity & Partial<RunSummary['backend']>;
  const depth = b.rerankDepth ?? b.rerank_depth;
  const gate = b.thinkGate ?? b.think_gate;
  return {
    ...(b.reranker ? { reranker: publicModelConfig(b.reranker) as Record<string, unknown>, rerank_depth: depth } : {}),
    ...(b.think ? { think: b.think } : {}),
    ...(gate ? { think_gate: { ...gate } } : {}),
  };
}

/**
 * One pred line. VLM2Vec writes a single label as a string and multi-positive labels (visdoc, MomentSeeker)
 * as lists; which one is the EvalSet's own word (its parser family sets it), so report code names no parser.
 */
export function predictionLine(
  evalSet: Pick<EvalSet, 'task' | 'labelShape'>,
  prediction: string[],
  gold: string[],
  relScores: number[] | null,
): Prediction {
  const asList = evalSet.labelShape === 'list' || (evalSet.labelShape === 'by-count' && gold.length > 1);
  return { prediction, label: asList ? gold : gold[0], rel_scores: relScores };
}
