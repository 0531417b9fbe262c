/**
 * From what a user asks to run — a suite, task names and/or a modality, a shard — to the tasks, folders and
 * run id of a run (what `run` and `plan` do before any work), and how a finished run is told in two lines.
 * Refusals name the command-line option they are about, as the CLI prints them.
 */
import { join } from 'node:path';
import type { BackendConfig } from '../backends/config.js';
import { catalogFor, selectTasks } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, modalitiesOf, type MmebVersion, type Modality, type TaskSpec, V3_MODALITIES } from '../catalog/types.js';
import { ConfigError } from '../errors.js';
import type { GroupMeans } from '../metrics/aggregate.js';
import { formatCoverage } from '../report/coverage.js';
import type { RunOptions, RunResult } from './run.js';
import { planShards, resolveShard, type ShardPlan } from './shard.js';
import { loadSuite } from './suites.js';

export interface RunRequest {
  backend: BackendConfig;
  /** 'mini', 'mmeb-v2' or another bundled suite. */
  suite?: string;
  /** Run these tasks instead of the suite's. */
  taskNames?: string[];
  /** Keep only this modality's, or these modalities' (MMEB-V3: groups'), tasks (alone: every scored catalog task of them). */
  modality?: Modality | Modality[];
  /** Default: the suite's bundled data (mini). */
  dataRoot?: string;
  /** Default: the suite's, else the current benchmark version. */
  version?: MmebVersion;
  /** Default <suite>-<backend name>-<version>. */
  runId?: string;
  /** Default results/<run id> (a shard: results/<run id>.shard-<i>-of-<n>). */
  outDir?: string;
  /** Default reports/<run id> (a shard as above). */
  reportDir?: string;
  /** 'i/n' or 'auto' (Slurm job array / Kubernetes Indexed Job, read from `env`). */
  shard?: string;
  /** Shard count for 'auto' in a Kubernetes Indexed Job. */
  shards?: number;
  claimTtlSeconds: number;
  env?: NodeJS.ProcessEnv;
}

/** The part of RunOptions a request decides. */
export type ResolvedRun = Pick<
  RunOptions,
  'runId' | 'tasks' | 'dataRoot' | 'version' | 'outDir' | 'reportDir' | 'suite' | 'shard' | 'parts'
> & {
  reportDir: string;
};

/** `--modality a,b`: known group names, in the order given, each once. */
export function parseModalities(value: string | string[] | undefined): Modality[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !V3_MODALITIES.includes(n as Modality));
  if (unknown.length) throw new ConfigError(`--modality: unknown ${unknown.join(', ')} (choose from ${V3_MODALITIES.join(', ')})`);
  if (!names.length) throw new ConfigError('--modality: name at least one modality');
  return [...new Set(names as Modality[])];
}

export function resolveRun(req: RunRequest): ResolvedRun {
  const suite = req.suite ? loadSuite(req.suite, req.version) : null;
  const version = req.version ?? suite?.version ?? DEFAULT_MMEB_VERSION;
  const catalog = catalogFor(version);
  let tasks = suite?.tasks ?? [];
  const wanted = req.modality === undefined ? [] : Array.isArray(req.modality) ? req.modality : [req.modality];
  if (req.taskNames) tasks = selectTasks({ names: req.taskNames }, catalog);
  if (!suite && !req.taskNames) {
    if (!wanted.length) throw new ConfigError('choose what to run: --suite, --tasks or --modality');
    tasks = selectTasks({}, catalog);
  }
  if (wanted.length) {
    const known = modalitiesOf(version);
    const foreign = wanted.filter((m) => !known.includes(m));
    if (foreign.length)
      throw new ConfigError(
        `--modality ${foreign.join(',')}: not a group of ${version} (its groups: ${known.join(', ')})${version === 'v3' ? '' : '; MMEB-V3 groups need --mmeb-version v3'}`,
      );
    tasks = tasks.filter((t) => wanted.includes(t.modality));
  }
  if (!tasks.length) throw new ConfigError('no tasks selected');
  const dataRoot = req.dataRoot ?? suite?.dataRoot;
  if (!dataRoot) throw new ConfigError('--data-root is required (the downloaded MMEB-V2 folder)');
  const runId = req.runId ?? `${suite?.name ?? 'tasks'}-${req.backend.name}-${version}`;
  if (!(req.claimTtlSeconds >= 1 && req.claimTtlSeconds <= 3600))
    throw new ConfigError(`--claim-ttl must be between 1 and 3600 seconds (got ${req.claimTtlSeconds})`);
  if (req.shards !== undefined && !req.shard) throw new ConfigError('--shards goes with --shard auto (or --shard i/n)');
  const sharded = req.shard ? resolveShard(req.shard, req.shards, tasks, version, req.backend, req.env ?? process.env) : null;
  const shard = sharded?.shard;
  if (sharded) tasks = sharded.tasks;
  const folder = shard ? `${runId}.shard-${shard.index}-of-${shard.count}` : runId;
  return {
    runId,
    tasks,
    dataRoot,
    version,
    outDir: req.outDir ?? join('results', folder),
    reportDir: req.reportDir ?? join('reports', folder),
    suite: suite?.name ?? null,
    shard,
    parts: sharded?.parts,
  };
}

/** How `run --shard i/n` would divide a suite (or the named tasks) among `shards` processes. */
export function planRun(req: {
  backend: BackendConfig;
  shards: number;
  suite: string;
  taskNames?: string[];
  version?: MmebVersion;
}): ShardPlan {
  const suite = req.taskNames ? null : loadSuite(req.suite, req.version);
  const version = req.version ?? suite?.version ?? DEFAULT_MMEB_VERSION;
  const tasks: TaskSpec[] = req.taskNames ? selectTasks({ names: req.taskNames }, catalogFor(version)) : (suite?.tasks ?? []);
  return planShards(tasks, req.shards, version, { reasoning: req.backend.reasoner !== null || req.backend.pipeline === 'unified' });
}

/** The run's scores in one line, and where its results and report are. */
export function formatRunResult(result: RunResult, reportDir: string): string {
  const r = result.summary.rollup;
  const ran = result.summary.tasks.length;
  const failed = result.failures.length;
  const where = `results: ${result.outDir}\nreport:  ${join(reportDir, 'report.html')} (and report.md)\n`;
  // MMEB-V3: per group, and what did not run (a run over some groups is not the benchmark's overall)
  if (result.summary.coverage)
    return `${ran}${failed ? ` of ${ran + failed} (PARTIAL: ${failed} failed)` : ''} task(s)\n${formatCoverage(result.summary.coverage, (r.modalities as GroupMeans).agent)}${where}`;
  return (
    `${ran}${failed ? ` of ${ran + failed} (PARTIAL: ${failed} failed)` : ''} task(s), overall ${r.overall === null ? '–' : r.overall.toFixed(2)} ` +
    `(image ${r.modalities.image?.toFixed(2) ?? '–'}, video ${r.modalities.video?.toFixed(2) ?? '–'}, visdoc ${r.modalities.visdoc?.toFixed(2) ?? '–'})\n` +
    `results: ${result.outDir}\nreport:  ${join(reportDir, 'report.html')} (and report.md)\n`
  );
}

/** The tasks that failed under --keep-going, one per line; '' when none did. */
export function formatRunFailures(result: RunResult): string {
  if (!result.failures.length) return '';
  return `${result.failures.length} task(s) failed:\n${result.failures.map((f) => `  ${f.task}: ${f.error}`).join('\n')}\n`;
}
