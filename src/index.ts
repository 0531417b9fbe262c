/**
 * tte-bench's public API: everything the CLI does, callable from a training loop, a CI script or a
 * notebook. The CLI commands are thin shells over these functions; anything not exported here is internal
 * and may change without notice.
 *
 *   import { loadSuite, parseBackendConfig, runTasks, regressionGate } from 'tte-bench';
 */

// Errors: every expected failure is one of these, naming the file, row and field it is about.
export { TteError, DataError, ConfigError, BackendError, type ErrorLocation } from './errors.js';

// The task catalog and the suites.
export {
  loadCatalog,
  getTask,
  scoredTasks,
  selectTasks,
  loadLabels,
  type Catalog,
  type TaskFilter,
} from './catalog/load.js';
export {
  MMEB_VERSIONS,
  DEFAULT_MMEB_VERSION,
  MODALITIES,
  META_TASKS,
  ALL_META_TASKS,
  type MmebVersion,
  type Modality,
  type MetaTask,
  type TaskSpec,
} from './catalog/types.js';
export { loadSuite, type Suite } from './engine/suites.js';
export { namedOrScoredTasks, listTasks, taskListRows, formatTaskList } from './engine/task-list.js';

// Data: a task's EvalSet, exactly as VLM2Vec's evaluator builds it.
export { loadEvalSet, type LoadOptions, type LoadResult } from './datasets/load.js';
export type { EvalSet, Item, Query, MediaRef } from './items/types.js';
export { dumpTask } from './engine/dump.js';
export { validateDataRoot, formatValidation } from './engine/data-check.js';
export type { TaskValidation } from './datasets/validate.js';
export { extractTaskFrames, type TaskFrames } from './engine/extract-frames.js';

// Backends: a config object (or file) to reasoner + embedder.
export {
  parseBackendConfig,
  loadBackendConfig,
  BUILTIN_BACKEND,
  type BackendConfig,
  type ModelConfig,
  type Pipeline,
} from './backends/config.js';
export { createBackend, type Backend } from './backends/registry.js';
export type { Embedder, EmbedInput, Reasoner, ReasonInput, Trace } from './backends/types.js';
export { readEmbedInputs, embedInputs, embedFile } from './engine/embed-file.js';
export {
  apiKeyFromEnv,
  checkServeExposure,
  isLoopbackHost,
  serveBackend,
  type ServeBackendOptions,
  type ServedBackend,
} from './engine/serve.js';

// Model protocols: what each published model was fed; render (no model call) and doctor (a live server).
export { PROTOCOLS, PROTOCOL_NAMES, getProtocol, type Plan, type Protocol, type ProtocolItem } from './backends/protocols/index.js';
export { renderVlm2vec, type Vlm2vecBackbone } from './items/vlm2vec.js';
export type { ItemParts, TextRule } from './items/types.js';
export { renderEvalSet, renderItem, renderTask, type RenderLine } from './engine/render.js';
export { runDoctor, formatChecks, taskSamples, preflight, type Check, type DoctorSample } from './engine/doctor.js';
export {
  EVAL_PROFILES,
  DEFAULT_EVAL_PROFILE,
  loadEvalProfile,
  taskProfile,
  type EvalProfile,
  type EvalProfileName,
  type TaskProfile,
} from './catalog/profiles.js';

// Running: tasks → run folder (scores, predictions, summary, costs, manifest, report).
export { runTasks, type RunOptions, type RunResult, type TaskCost } from './engine/run.js';
export {
  resolveRun,
  planRun,
  formatRunResult,
  formatRunFailures,
  type RunRequest,
  type ResolvedRun,
} from './engine/run-request.js';
export { formatPlan, type ShardPlan } from './engine/shard.js';
export { mergeShards } from './engine/merge.js';

// Scoring and metrics (VLM2Vec's RankingMetrics semantics).
export { scorePredictions, perQueryMetrics, type Prediction, type ScoreObject } from './metrics/ranking.js';
export { readPredictionFile } from './metrics/pred-file.js';
export { rollUp, type RollUp } from './metrics/aggregate.js';
export { rankFiles, type RankFilesOptions } from './scoring/rank-files.js';

// Results, leaderboard rows, comparisons and the regression gate.
export { readSummary, readCosts } from './report/run-folder.js';
export type { RunSummary, TaskResult } from './report/results.js';
export { validateSummary } from './report/summary-schema.js';
export { buildLeaderboard, formatLeaderboard, type LeaderboardRow, type LeaderboardOptions } from './report/leaderboard.js';
export { readScoreSource, overlayScores, mainScores, type ModelScores } from './report/score-files.js';
export {
  regressionGate,
  formatGate,
  ablation,
  formatAblation,
  type GateOptions,
  type GateResult,
  type GateLine,
  type AblationRow,
  type AblationOptions,
  type Ablation,
  type RunInfo,
  type RunCost,
  type TaskFlips,
} from './report/compare.js';
export { exactMcNemar, mcnemarOf, holm, type McNemar } from './report/stats.js';
export { writeAblationReport } from './report/ablation-report.js';
export {
  exportTraces,
  importTraces,
  runTraceRecords,
  type TraceRecord,
  type ExportOptions,
  type ExportManifest,
  type ImportOptions,
  type ImportResult,
} from './engine/traces.js';

// Reports.
export { writeReports, buildReportData, type ReportData } from './report/write.js';
export { loadPrices, type PriceTable } from './report/costs.js';
export { exportMteb, type MtebExportOptions } from './report/mteb.js';
