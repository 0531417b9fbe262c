/**
 * Run orchestration: for each task, catalog spec → EvalSet → pipeline (reasoner, embedder) → ranking →
 * predictions → metrics → result files, then the run's summary, costs, manifest and report. The steps
 * live in their own modules: what the tasks share (run-context.ts), one task reused or computed
 * (run-task.ts: resume.ts decides reuse by fingerprint, so stale results are never silently reused;
 * rank-queries.ts ranks; examples.ts picks report examples; task-files.ts writes a task's files) and the
 * run-level files (manifest.ts). Every file is written atomically.
 */
import { performance } from 'node:perf_hooks';
import type { TaskSpec } from '../catalog/types.js';
import { DataError } from '../errors.js';
import { buildSummary, type RunSummary, type TaskCost, type TaskResult } from '../report/results.js';
import { validateSummary } from '../report/summary-schema.js';
import { examples } from './examples.js';
import { type TaskTiming, writeCosts, writeManifest, writeSummary } from './manifest.js';
import { predict } from './rank-queries.js';
import { writeReportsIfChanged } from './report-stamp.js';
import { closeRun, openRun, type RunContext, type RunOptions } from './run-context.js';
import { runTask, type TaskOutcome } from './run-task.js';
import { taskCost } from './task-files.js';

// What other modules have always imported from here.
export type { RunOptions, TaskCost };
export { examples, predict, taskCost };

export interface RunResult {
  summary: RunSummary;
  failures: { task: string; error: string }[];
  outDir: string;
  reportDir?: string;
  reused: string[];
}

/** What the run has gathered so far, task by task. */
interface RunState {
  results: TaskResult[];
  reused: string[];
  timings: Record<string, TaskTiming>;
  costs: Record<string, TaskCost>;
  failures: { task: string; error: string }[];
  /** Recorded as soon as known, so a task that fails later still shows what it was computed from. */
  fingerprints: Record<string, object>;
}

export async function runTasks(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const run = await openRun(opts);
  const state: RunState = { results: [], reused: [], timings: {}, costs: {}, failures: [], fingerprints: {} };
  const started = new Date();
  try {
    for (const [n, task] of opts.tasks.entries()) {
      opts.signal?.throwIfAborted();
      const counter = `[${n + 1}/${opts.tasks.length}]`;
      try {
        const t0 = performance.now();
        const outcome = await runTask(run, task, t0, (entry) => {
          state.fingerprints[task.name] = entry;
        });
        recordTask(state, task, outcome, (performance.now() - t0) / 1000, counter, log);
      } catch (caught) {
        recordFailure(state, task, caught, opts, counter, log);
      }
    }
  } catch (err) {
    await closeRun(run);
    throw err;
  }
  const summary = validateSummary(
    buildSummary(opts.runId, opts.version, opts.suite ?? null, opts.backend, state.results, state.failures, run.profile),
  );
  writeRunFiles(run, state, summary, started);
  if (opts.reportDir) await writeReportsIfChanged(opts.outDir, opts.reportDir, opts.prices);
  await closeRun(run);
  return { summary, failures: state.failures, outDir: opts.outDir, reportDir: opts.reportDir, reused: state.reused };
}

function recordTask(
  state: RunState,
  task: TaskSpec,
  outcome: TaskOutcome,
  seconds: number,
  counter: string,
  log: (line: string) => void,
): void {
  const { result, reused } = outcome;
  if (reused) state.reused.push(task.name);
  state.costs[task.name] = outcome.cost;
  state.results.push(result);
  state.timings[task.name] = { seconds, reused, stats: outcome.stats };
  log(
    `${counter} ${task.name}${outcome.partLabel}: ${result.numQueries} queries, ${result.numCandidates} candidates, ` +
      `${task.metric} ${(result.scores[task.metric] * 100).toFixed(2)}${reused ? ' (reused)' : ''} (${seconds.toFixed(2)}s)`,
  );
  for (const w of outcome.warnings) log(`${counter} ${task.name}: warning: ${w}`);
}

/** --keep-going: a task whose data is broken or missing is reported and the others still run; anything else stops the run. */
function recordFailure(
  state: RunState,
  task: TaskSpec,
  caught: unknown,
  opts: RunOptions,
  counter: string,
  log: (line: string) => void,
): void {
  // a file-level error (an unreadable parquet) names the file; say which task read it, too
  const err =
    caught instanceof DataError && !caught.location.task ? new DataError(caught.detail, { ...caught.location, task: task.name }) : caught;
  if (!opts.keepGoing || !(err instanceof DataError) || opts.signal?.aborted) throw err;
  state.failures.push({ task: task.name, error: err.message });
  log(`${counter} ${task.name}: FAILED — ${err.message}`);
}

/** summary.json, costs.json and manifest.json. */
function writeRunFiles(run: RunContext, state: RunState, summary: RunSummary, started: Date): void {
  const { opts } = run;
  writeSummary(opts.outDir, summary);
  writeCosts(opts.outDir, opts.runId, state.costs);
  writeManifest(opts.outDir, {
    runId: opts.runId,
    started,
    version: opts.version,
    profile: run.profile,
    dataRoot: run.root.dir,
    format: run.format,
    predK: run.predK,
    cacheDir: run.cache?.dir ?? null,
    thinkTargets: opts.thinkTargets === true,
    audio: opts.audio,
    shard: opts.shard,
    parts: opts.parts,
    failures: state.failures,
    suite: opts.suite ?? null,
    backend: summary.backend,
    tasks: opts.tasks.map((t) => t.name),
    timings: state.timings,
    fingerprints: state.fingerprints,
  });
}
