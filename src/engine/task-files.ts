/**
 * A task's files in a run folder: {task}_score.json, _pred.jsonl, _traces.jsonl, _examples.json and
 * .status/{task}.json. Every write is atomic. The status is written last: it marks the task finished (a run
 * killed before it recomputes the task) and keeps what a resumed run needs without recomputing — the
 * task's fingerprint, counts and cost, and the data files it was built from.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { taskFile } from '../util/task-file.js';
import type { Trace } from '../backends/types.js';
import type { EvalSet } from '../items/types.js';
import type { Prediction, ScoreObject } from '../metrics/ranking.js';
import type { Example } from '../report/run-folder.js';
import type { TaskCost } from '../report/results.js';
import type { PipelineStats } from '../tte/pipeline.js';
import { readJsonFile, writeJsonAtomic } from '../util/json.js';
import { writeLinesAtomic } from '../util/lines.js';

export interface TaskStatus {
  fingerprint: string;
  num_queries: number;
  num_candidates: number;
  /** What computing this task cost when it was computed (kept so a resumed run still reports it). */
  cost: TaskCost;
  /**
   * A part of a split task: its query range, the fingerprint the whole task has (for `merge`), and the part's
   * own counts (for resuming it without reading data; absent in statuses written before they were kept).
   */
  part?: {
    index: number;
    count: number;
    range: [number, number];
    task_fingerprint: string;
    num_queries?: number;
    num_candidates?: number;
  };
  /** The data files the task was built from, and what must not change to resume from them alone. */
  data_files?: string[];
  resume_guard?: Record<string, [number, number] | null>;
  /**
   * Warning-level data problems (rows or files the task's VLM2Vec loader leaves out, a local task ranked
   * globally); absent when there are none.
   */
  data_warnings?: string[];
}

/** Where one task's files are in a run folder. */
export interface TaskFiles {
  status: string;
  score: string;
  pred: string;
  traces: string;
  examples: string;
}

export function taskFiles(outDir: string, task: string): TaskFiles {
  return {
    status: taskFile(join(outDir, '.status'), task, '.json'),
    score: taskFile(outDir, task, '_score.json'),
    pred: taskFile(outDir, task, '_pred.jsonl'),
    traces: taskFile(outDir, task, '_traces.jsonl'),
    examples: taskFile(outDir, task, '_examples.json'),
  };
}

/** The status of a finished task (its status, scores and predictions are all there), else null. */
export function finishedStatus(files: TaskFiles): TaskStatus | null {
  const status = existsSync(files.status) ? readJsonFile<TaskStatus>(files.status) : null;
  return status !== null && existsSync(files.score) && existsSync(files.pred) ? status : null;
}

export function readScores(files: TaskFiles): ScoreObject {
  return readJsonFile<ScoreObject>(files.score);
}

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

/** {task}_traces.jsonl: one line per query, only when the pipeline reasoned about at least one. */
export function writeTraces(files: TaskFiles, evalSet: EvalSet, traces: (Trace | null)[]): void {
  if (!traces.some((t) => t)) return;
  writeLinesAtomic(
    files.traces,
    evalSet.queries.map((q, i) => JSON.stringify({ id: q.id, trace: traces[i]?.text ?? null }) + '\n'),
  );
}

/** {task}_pred.jsonl, streamed line by line (a global task's lists can be long). */
export function writePredictions(files: TaskFiles, preds: Prediction[]): void {
  writeLinesAtomic(
    files.pred,
    (function* () {
      for (const p of preds) yield JSON.stringify(p) + '\n';
    })(),
  );
}

export function writeExamples(files: TaskFiles, chosen: { best: Example[]; worst: Example[] }): void {
  writeJsonAtomic(files.examples, chosen);
}

export function writeScores(files: TaskFiles, scores: ScoreObject): void {
  writeJsonAtomic(files.score, scores, 4);
}

export function writeStatus(files: TaskFiles, status: TaskStatus): void {
  writeJsonAtomic(files.status, status);
}
