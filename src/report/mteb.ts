/**
 * Export a run to MTEB's result layout: results/<org>__<model>/<revision>/<Task>.json (TaskResult:
 * main_score, scores per split with hf_subset and languages, evaluation_time) plus model_meta.json.
 * Metric names follow MTEB's retrieval evaluator (ndcg_at_5, recall_at_1, hit_rate_at_1, ...), rounded to 6
 * decimals as MTEB stores them. VLM2Vec's linear-gain NDCG is the one MTEB calls ndcg_at_k.
 */
import { join } from 'node:path';
import { taskFile, taskNameProblem } from '../util/task-file.js';
import { catalogFor, getTask } from '../catalog/load.js';
import { ConfigError, DataError } from '../errors.js';
import { benchmarkOf, hfSourceFor } from '../catalog/types.js';
import type { ScoreObject } from '../metrics/ranking.js';
import { readJsonFile, writeJsonAtomic } from '../util/json.js';
import { packageVersion } from '../util/package-root.js';
import { describePartial, PARTIAL_LEAD, partialTask } from './partial-tasks.js';
import { readCosts, readSummary } from './run-folder.js';

const RENAME: [RegExp, string][] = [
  [/^hit@(\d+)$/, 'hit_rate_at_$1'],
  [/^ndcg_linear@(\d+)$/, 'ndcg_at_$1'],
  [/^ndcg_exponential@(\d+)$/, 'ndcg_exponential_at_$1'],
  [/^precision@(\d+)$/, 'precision_at_$1'],
  [/^recall@(\d+)$/, 'recall_at_$1'],
  [/^f1@(\d+)$/, 'f1_at_$1'],
  [/^map@(\d+)$/, 'map_at_$1'],
  [/^mrr@(\d+)$/, 'mrr_at_$1'],
];

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function mtebScores(scores: ScoreObject, mainMetric: string): Record<string, number | string | string[]> {
  const out: Record<string, number | string | string[]> = {};
  for (const [k, v] of Object.entries(scores)) {
    const rule = RENAME.find(([re]) => re.test(k));
    if (rule) out[k.replace(rule[0], rule[1])] = round6(v);
  }
  out.main_score = round6(scores[mainMetric]);
  out.hf_subset = 'default';
  out.languages = ['eng-Latn'];
  return out;
}

export interface MtebExportOptions {
  out: string;
  model?: string;
  revision?: string;
  /** Export tasks scored on another number of queries than the benchmark has, as they are (refused by default). */
  allowPartial?: boolean;
}

/**
 * Writes <out>/<org>__<model>/<revision>/ and returns it, with the tasks written that were scored on another
 * number of queries than the run's benchmark version has (only with allowPartial: they are refused otherwise,
 * since each file says `MMEB-V2 <version>`).
 */
export function exportMteb(runDir: string, opts: MtebExportOptions): { dir: string; partial: string[] } {
  const summary = readSummary(runDir);
  const costs = readCosts(runDir);
  const model = opts.model ?? `tte-bench/${summary.backend.name}`;
  const revision = opts.revision ?? 'no_revision_available';
  // mteb's folder is model_name.replace("/", "__") (every slash, as Python's str.replace does), so no name makes a subfolder
  if (taskNameProblem(revision)) throw new ConfigError(`revision '${revision}' cannot name a folder: ${taskNameProblem(revision)}`);
  const dir = join(opts.out, model.replaceAll('/', '__'), revision);
  const tasks = summary.tasks.map((t) => {
    const task = getTask(t.name, catalogFor(summary.mmeb_version));
    const scores = readJsonFile<ScoreObject>(taskFile(runDir, t.name, '_score.json'));
    return { t, task, scores, partial: partialTask(task, scores, summary.mmeb_version) };
  });
  const partial = tasks.flatMap((x) => (x.partial ? [describePartial(x.partial)] : []));
  if (partial.length && !opts.allowPartial) {
    throw new DataError(`${PARTIAL_LEAD}: ${partial.join(', ')}; --allow-partial exports them as they are`, { file: runDir });
  }
  for (const { t, task, scores, partial: part } of tasks) {
    writeJsonAtomic(taskFile(dir, t.name, '.json'), {
      dataset_revision: null,
      task_name: t.name,
      mteb_version: null,
      scores: { [hfSourceFor(task, summary.mmeb_version).split]: [mtebScores(scores, t.metric)] },
      evaluation_time: costs[t.name]?.wall_seconds ?? null,
      kg_co2_emissions: null,
      // a partial task's file says so where a reader of the benchmark field looks
      benchmark: `${benchmarkOf(summary.mmeb_version)} ${summary.mmeb_version}${part ? `, ${part.numData} of its ${part.published[0]} queries` : ''}`,
      produced_by: `tte-bench ${packageVersion()}`,
    });
  }
  writeJsonAtomic(join(dir, 'model_meta.json'), {
    name: model,
    revision,
    release_date: null,
    languages: ['eng-Latn'],
    modalities: ['text', 'image', 'video'],
    framework: ['tte-bench'],
    similarity_fn_name: 'cosine',
    embed_dim: null,
    n_parameters: null,
    open_weights: null,
    tte_pipeline: summary.backend.pipeline,
    tte_backend: summary.backend,
  });
  return { dir, partial };
}
