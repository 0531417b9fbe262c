/** Reading a results folder back: summary, costs, per-query metrics from pred.jsonl, examples. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import type { TaskCost } from './results.js';
import { readPredictionFile } from '../metrics/pred-file.js';
import { perQueryMetrics } from '../metrics/ranking.js';
import type { RunSummary } from './results.js';
import { validateSummary } from './summary-schema.js';
import { readJsonFile } from '../util/json.js';

export function readSummary(dir: string): RunSummary {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) throw new DataError('not a tte-bench run folder (no summary.json)', { file: dir });
  return validateSummary(readJsonFile(file), file);
}

export function readCosts(dir: string): Record<string, TaskCost> {
  const file = join(dir, 'costs.json');
  if (!existsSync(file)) return {};
  return readJsonFile<{ tasks?: Record<string, TaskCost> }>(file).tasks ?? {};
}

/** Per-query values of one metric, recomputed from the task's pred.jsonl (null if the file is absent). */
export function perQuery(dir: string, task: string, metric: string): number[] | null {
  const file = join(dir, `${task}_pred.jsonl`);
  if (!existsSync(file)) return null;
  return readPredictionFile(file).map((p) => perQueryMetrics(p)[metric]);
}

export interface Example {
  id: string;
  text: string;
  gold: string[];
  top: string[];
  score: number;
  trace: string | null;
}

export function readExamples(dir: string, task: string): { best: Example[]; worst: Example[] } | null {
  const file = join(dir, `${task}_examples.json`);
  return existsSync(file) ? readJsonFile<{ best: Example[]; worst: Example[] }>(file) : null;
}
