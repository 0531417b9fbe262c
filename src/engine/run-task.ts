/**
 * One task of a run: reuse its finished results when their fingerprint still matches (resume.ts), or
 * compute it — embed (reasoning first where the pipeline does), rank, rerank, score — and write its files,
 * the status last (task-files.ts).
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import type { TaskSpec } from '../catalog/types.js';
import { describe } from '../errors.js';
import type { EvalSet } from '../items/types.js';
import { metricRulesFor, scorePredictions } from '../metrics/ranking.js';
import type { TaskCost, TaskResult } from '../report/results.js';
import { rerankTask } from '../rerank/task.js';
import { makeThinkGate, thinkCost } from '../tte/gate.js';
import { checkBackendInputs } from '../tte/inputs.js';
import { MediaLoader } from '../tte/media.js';
import { embedEvalSet, modelKey, type PipelineStats } from '../tte/pipeline.js';
import { PROMPT_VERSION, promptFamily } from '../tte/prompts.js';
import { dataFingerprint, resumeGuard } from '../util/fingerprint.js';
import { examples } from './examples.js';
import { predict } from './rank-queries.js';
import { type DataFingerprint, type FingerprintInputs, resumeWithoutData, taskFingerprints } from './resume.js';
import type { RunContext } from './run-context.js';
import { sliceEvalSet } from './shard.js';
import {
  finishedStatus,
  readScores,
  type TaskFiles,
  type TaskStatus,
  taskCost,
  taskFiles,
  writeExamples,
  writePredictions,
  writeScores,
  writeStatus,
  writeTraces,
} from './task-files.js';

/** How one task ended: reused or computed. */
export interface TaskOutcome {
  result: TaskResult;
  reused: boolean;
  cost: TaskCost;
  stats: PipelineStats | null;
  /** ' part i/n (queries a..b of N)' for a query-range part, else ''. */
  partLabel: string;
  /** Warning-level data problems of the task (rows or files its VLM2Vec loader leaves out), as recorded in its status. */
  warnings: string[];
}

/** A task's EvalSet as this run computes it (the whole task, or this shard's query range of it). */
interface LoadedTask {
  whole: EvalSet;
  evalSet: EvalSet;
  range: [number, number] | null;
  data: DataFingerprint;
  taskFingerprint: string;
  fingerprint: string;
  dataFiles: string[];
  guard: Record<string, [number, number] | null>;
  /** Warning-level problems found while building the EvalSet (what the reference leaves out, never silently). */
  warnings: string[];
}

/**
 * One task: reuse its finished results when their fingerprint still matches — from the recorded data
 * files alone if they are unchanged, else after loading its EvalSet — or compute it.
 */
export async function runTask(
  run: RunContext,
  task: TaskSpec,
  t0: number,
  recordFingerprint: (entry: object) => void,
): Promise<TaskOutcome> {
  const files = taskFiles(run.opts.outDir, task.name);
  const inputs = fingerprintInputs(run, task);
  const status = finishedStatus(files);
  const data = resumeWithoutData(status, inputs, run.guardRoots);
  if (status && data) {
    const sp = status.part;
    if (inputs.part && sp?.num_queries !== undefined && sp.num_candidates !== undefined) {
      // the same fingerprint record and log line as when the part is loaded, from what its status kept
      recordFingerprint({ fingerprint: status.fingerprint, data, part: { index: sp.index, count: sp.count, range: sp.range } });
      return reuseTask(
        task,
        files,
        status,
        [sp.num_queries, sp.num_candidates],
        partLogLabel(sp.index, sp.count, sp.range, status.num_queries),
      );
    }
    recordFingerprint({ fingerprint: status.fingerprint, data });
    return reuseTask(task, files, status, [status.num_queries, status.num_candidates], '');
  }
  const loaded = await loadTask(run, task, inputs);
  const part = inputs.part;
  recordFingerprint({
    fingerprint: loaded.fingerprint,
    data: loaded.data,
    ...(part && loaded.range ? { part: { index: part.part, count: part.parts, range: loaded.range } } : {}),
  });
  const label = part && loaded.range ? partLogLabel(part.part, part.parts, loaded.range, loaded.whole.queries.length) : '';
  if (status && status.fingerprint === loaded.fingerprint) {
    recordDataFiles(files, status, loaded);
    return reuseTask(task, files, status, [loaded.evalSet.queries.length, loaded.evalSet.candidates.length], label);
  }
  return computeTask(run, task, files, loaded, label, t0);
}

/** How the log names a query-range part: ' part i/n (queries a..b of N)'. */
function partLogLabel(index: number, count: number, range: [number, number], wholeQueries: number): string {
  return ` part ${index + 1}/${count} (queries ${range[0]}..${range[1]} of ${wholeQueries})`;
}

function fingerprintInputs(run: RunContext, task: TaskSpec): FingerprintInputs {
  return {
    backend: run.opts.backend,
    task,
    version: run.opts.version,
    format: run.format,
    profile: run.profile,
    predK: run.predK,
    thinkTargets: run.opts.thinkTargets === true,
    audio: run.opts.audio,
    part: run.opts.parts?.[task.name],
  };
}

/** The task's EvalSet (this shard's query range of it, for a part), its fingerprints and its data files. */
async function loadTask(run: RunContext, task: TaskSpec, inputs: FingerprintInputs): Promise<LoadedTask> {
  // the data readers load only when a task is computed: a resumed run never imports them
  const { loadEvalSet } = await import('../datasets/load.js');
  const { evalSet: whole, problems } = await loadEvalSet(task, {
    dataRoot: run.root.dir,
    hfRoot: run.opts.hfRoot,
    version: run.opts.version,
    format: run.format,
    profile: run.profile,
  });
  const part = inputs.part;
  const { evalSet, range } = part ? sliceEvalSet(whole, part.part, part.parts) : { evalSet: whole, range: null };
  const data = dataFingerprint(evalSet.dataFiles);
  const dataFiles = [...new Set(evalSet.dataFiles)].sort();
  const warnings = problems.filter((p) => p.warning).map((p) => describe(p.message, { ...p.location, task: undefined }));
  return {
    whole,
    evalSet,
    range,
    data,
    ...taskFingerprints(inputs, data),
    dataFiles,
    guard: resumeGuard(dataFiles, run.guardRoots),
    warnings,
  };
}

function reuseTask(task: TaskSpec, files: TaskFiles, status: TaskStatus, counts: [number, number], partLabel: string): TaskOutcome {
  const scores = readScores(files);
  return {
    result: { task, scores, numQueries: counts[0], numCandidates: counts[1] },
    reused: true,
    cost: status.cost,
    stats: null,
    partLabel,
    warnings: status.data_warnings ?? [],
  };
}

/**
 * Record the data files (a status from before they were), their current guard and a part's own counts, so
 * the next resume reads nothing.
 */
function recordDataFiles(files: TaskFiles, status: TaskStatus, loaded: LoadedTask): void {
  const part = status.part && {
    ...status.part,
    num_queries: loaded.evalSet.queries.length,
    num_candidates: loaded.evalSet.candidates.length,
  };
  if (
    !isDeepStrictEqual(status.data_files, loaded.dataFiles) ||
    !isDeepStrictEqual(status.resume_guard, loaded.guard) ||
    !isDeepStrictEqual(status.part, part)
  )
    writeStatus(files, { ...status, data_files: loaded.dataFiles, resume_guard: loaded.guard, ...(part ? { part } : {}) });
}

/** Embed (reasoning first where the pipeline does), rank, rerank, score, and write the task's files; the status last. */
async function computeTask(
  run: RunContext,
  task: TaskSpec,
  files: TaskFiles,
  loaded: LoadedTask,
  partLabel: string,
  t0: number,
): Promise<TaskOutcome> {
  const { opts, backend } = run;
  const { evalSet } = loaded;
  checkBackendInputs(evalSet, opts.backend); // before any model call: a text-only server never sees a task with media
  const media = new MediaLoader(run.root, evalSet, run.opts.audio);
  const gate = makeThinkGate(opts.backend, evalSet, { backend, media, cache: run.cache, version: opts.version, signal: opts.signal });
  const embedded = await embedEvalSet(evalSet, backend, media, {
    version: opts.version,
    cache: run.cache,
    thinkTargets: opts.thinkTargets,
    shouldThink: gate?.shouldThink,
    onProgress: (d, t) => opts.onProgress?.(task.name, d, t),
    signal: opts.signal,
    claims: run.claims,
  });
  writeTraces(files, evalSet, embedded.queryTraces);
  const ranked = await predict(evalSet, embedded.queryVectors, embedded.candidateVectors, run.predK, await run.scoring.get());
  const reranked = run.reranker
    ? await rerankTask(evalSet, ranked, run.reranker, {
        backend: opts.backend,
        outDir: opts.outDir,
        media,
        cache: run.rerankCache,
        version: opts.version,
        signal: opts.signal,
      })
    : null;
  const preds = reranked ? reranked.preds : ranked;
  const scores = scorePredictions(preds, preds.length, metricRulesFor(opts.version));
  writePredictions(files, preds);
  writeExamples(files, examples(evalSet, preds, embedded.queryTraces));
  // what the query browser, id-paired comparisons and trace export read
  const { writeItemsFile } = await import('../report/items.js'); // sharp: only when a task is computed
  const prompt = { version: PROMPT_VERSION, family: promptFamily(evalSet.task) };
  await writeItemsFile(opts.outDir, evalSet, preds, reasonerIdentity(run), prompt, (p) => run.root.exists(p));
  evalSet.inlineMedia.clear(); // page images carried by the data: vectors and thumbnails are made, release them
  writeScores(files, scores);
  const cost = taskCost(embedded.stats, (performance.now() - t0) / 1000);
  if (reranked) cost.rerank = reranked.cost;
  if (gate) cost.think = thinkCost(gate.stats, embedded.queryTraces);
  writeStatus(files, computedStatus(loaded, cost, opts.parts?.[task.name]));
  return {
    result: { task, scores, numQueries: evalSet.queries.length, numCandidates: evalSet.candidates.length },
    reused: false,
    cost,
    stats: embedded.stats,
    partLabel,
    warnings: loaded.warnings,
  };
}

/** The model whose traces the items file names (the reasoner, or the unified model that reasons and embeds). */
function reasonerIdentity(run: RunContext): { id: string; key: string } | null {
  const { backend, opts } = run;
  if (backend.reasoner) return { id: backend.reasoner.id, key: modelKey(backend.reasoner.id, opts.backend.reasoner) };
  if (backend.unified) return { id: backend.unified.id, key: modelKey(backend.unified.id, opts.backend.embedder) };
  return null;
}

/** A computed task's status; a part records the whole task's counts (what the merged summary reports) and its own range. */
function computedStatus(loaded: LoadedTask, cost: TaskCost, part: { part: number; parts: number } | undefined): TaskStatus {
  const st: TaskStatus = {
    fingerprint: loaded.fingerprint,
    num_queries: loaded.whole.queries.length,
    num_candidates: loaded.whole.candidates.length,
    cost,
    data_files: loaded.dataFiles,
    resume_guard: loaded.guard,
  };
  if (loaded.warnings.length) st.data_warnings = loaded.warnings;
  if (part && loaded.range)
    st.part = {
      index: part.part,
      count: part.parts,
      range: loaded.range,
      task_fingerprint: loaded.taskFingerprint,
      num_queries: loaded.evalSet.queries.length,
      num_candidates: loaded.evalSet.candidates.length,
    };
  return st;
}
