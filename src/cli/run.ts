import { DEFAULT_EVAL_PROFILE, EVAL_PROFILES, type EvalProfileName } from '../catalog/profiles.js';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { BackendError, ConfigError } from '../errors.js';
import { loadBackendConfig } from '../backends/config.js';
import { loadCatalog, selectTasks } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, MODALITIES, type MmebVersion, type Modality } from '../catalog/types.js';
import { runTasks } from '../engine/run.js';
import { loadSuite } from '../engine/suites.js';
import { resolveShard } from '../engine/shard.js';
import { makeProgress } from './progress.js';
import { intIn, taskNames } from './io.js';

interface Args {
  suite?: string;
  tasks?: string;
  modality?: Modality;
  backend?: string;
  'data-root'?: string;
  'hf-root'?: string;
  'mmeb-version'?: MmebVersion;
  profile: EvalProfileName;
  preflight: boolean;
  out?: string;
  'report-dir'?: string;
  'run-id'?: string;
  'pred-k': number;
  'cache-dir'?: string;
  cache: boolean;
  'think-targets': boolean;
  shard?: string;
  shards?: number;
  'claim-ttl': number;
  prices?: string;
  'keep-going': boolean;
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  describe: 'Run a backend over MMEB-V2 tasks and write scores, predictions, a summary and a report',
  builder: (y) =>
    y
      .option('suite', { type: 'string', describe: "'mini' (bundled, offline, seconds) or 'mmeb-v2' (all 78 tasks)" })
      .option('tasks', { type: 'string', describe: 'comma-separated task names (instead of a suite)' })
      .option('modality', { choices: MODALITIES, describe: 'restrict to one modality' })
      .option('backend', { type: 'string', describe: 'backend config JSON (default: the builtin weight-free floor)' })
      .option('data-root', { type: 'string', describe: 'downloaded MMEB-V2 root (default for --suite mini: the bundled data)' })
      .option('hf-root', { type: 'string', describe: 'Hugging Face snapshots folder (default <data-root>/hf)' })
      .option('mmeb-version', { choices: MMEB_VERSIONS, describe: `benchmark version (default ${DEFAULT_MMEB_VERSION})` })
      .option('out', { type: 'string', describe: 'results folder (default results/<run-id>)' })
      .option('report-dir', { type: 'string', describe: 'report folder (default reports/<run-id>)' })
      .option('run-id', { type: 'string', describe: 'default <suite>-<backend name>-<version>' })
      .option('pred-k', {
        type: 'number',
        default: 100,
        coerce: intIn('pred-k', 10, 1_000_000, ' (the metrics need the top 10 of every query)'),
        describe: 'ranked ids kept per query in pred.jsonl for global tasks (at least 10: the metrics read @1, @5, @10)',
      })
      .option('cache-dir', { type: 'string', describe: 'trace/embedding cache (default $XDG_CACHE_HOME/tte-bench or ~/.cache/tte-bench)' })
      .option('cache', { type: 'boolean', default: true, describe: 'use the trace/embedding cache (--no-cache to disable)' })
      .option('think-targets', { type: 'boolean', default: false, describe: 'reason about candidates too (index-side ECR)' })
      .option('keep-going', {
        type: 'boolean',
        default: false,
        describe: 'run the other tasks when one has missing or broken data (exit 1 at the end)',
      })
      .option('prices', { type: 'string', describe: 'price table JSON: the report turns tokens and calls into money' })
      .option('shard', {
        type: 'string',
        describe:
          "run shard i/n (0-based) of the selected tasks, or 'auto' (Slurm job array / Kubernetes Indexed Job); combine with `tte-bench merge`",
      })
      .option('shards', { type: 'number', describe: 'shard count for --shard auto in a Kubernetes Indexed Job (its completions)' })
      .option('claim-ttl', {
        type: 'number',
        default: 60,
        describe: "seconds without a heartbeat before another process's claim on a shared cache item is taken over (1-3600)",
      })
      .option('preflight', {
        type: 'boolean',
        default: false,
        describe: 'run `doctor` against the embedder server first; stop if a check fails',
      })
      .option('profile', {
        choices: EVAL_PROFILES,
        default: DEFAULT_EVAL_PROFILE,
        describe: "eval profile: vlm2vec (VLM2Vec's evaluation) or a published model's own evaluation",
      }) as never,
  handler: async (args) => {
    const backend = loadBackendConfig(args.backend);
    const suite = args.suite ? loadSuite(args.suite) : null;
    let tasks = suite?.tasks ?? [];
    if (args.tasks) tasks = selectTasks({ names: taskNames(args.tasks) }, loadCatalog());
    if (!suite && !args.tasks) {
      if (!args.modality) throw new ConfigError('choose what to run: --suite, --tasks or --modality');
      tasks = selectTasks({}, loadCatalog());
    }
    if (args.modality) tasks = tasks.filter((t) => t.modality === args.modality);
    if (!tasks.length) throw new ConfigError('no tasks selected');
    const dataRoot = args['data-root'] ?? suite?.dataRoot;
    if (!dataRoot) throw new ConfigError('--data-root is required (the downloaded MMEB-V2 folder)');
    const version = args['mmeb-version'] ?? suite?.version ?? DEFAULT_MMEB_VERSION;
    const runId = args['run-id'] ?? `${suite?.name ?? 'tasks'}-${backend.name}-${version}`;
    if (!(args['claim-ttl'] >= 1 && args['claim-ttl'] <= 3600))
      throw new ConfigError(`--claim-ttl must be between 1 and 3600 seconds (got ${args['claim-ttl']})`);
    if (args.shards !== undefined && !args.shard) throw new ConfigError('--shards goes with --shard auto (or --shard i/n)');
    const sharded = args.shard ? resolveShard(args.shard, args.shards, tasks, version, backend, process.env) : null;
    const shard = sharded?.shard;
    if (sharded) tasks = sharded.tasks;
    const outDir = args.out ?? join('results', shard ? `${runId}.shard-${shard.index}-of-${shard.count}` : runId);
    const reportDir = args['report-dir'] ?? join('reports', shard ? `${runId}.shard-${shard.index}-of-${shard.count}` : runId);
    if (args.preflight) {
      const { formatChecks, runDoctor } = await import('../engine/doctor.js');
      const checks = await runDoctor(backend);
      process.stderr.write(formatChecks(checks));
      const failed = checks.filter((c) => c.status === 'fail');
      if (failed.length) throw new BackendError(`preflight failed (${failed.length} check(s)); fix the server or config and rerun`);
    }
    const progress = makeProgress();
    // First Ctrl-C: stop starting new model calls, let running ones finish (their answers are cached), exit.
    // A second Ctrl-C exits at once. Either way the same command resumes.
    const controller = new AbortController();
    process.once('SIGINT', () => {
      progress.stop();
      process.stderr.write('tte-bench: stopping after the calls in flight (Ctrl-C again to quit now); rerun the same command to resume\n');
      controller.abort(new ConfigError('interrupted'));
      process.once('SIGINT', () => process.exit(130));
    });
    const result = await runTasks({
      runId,
      tasks,
      dataRoot,
      hfRoot: args['hf-root'],
      version,
      profile: args.profile,
      backend,
      outDir,
      reportDir,
      suite: suite?.name ?? null,
      predK: args['pred-k'],
      cacheDir: args.cache ? args['cache-dir'] : null,
      thinkTargets: args['think-targets'],
      shard,
      parts: sharded?.parts,
      claimTtlSeconds: args['claim-ttl'],
      prices: args.prices ? (await import('../report/costs.js')).loadPrices(args.prices) : undefined, // its schema compiles on import
      signal: controller.signal,
      keepGoing: args['keep-going'],
      onProgress: progress.update,
      log: (line) => {
        progress.stop();
        process.stderr.write(line + '\n');
      },
    });
    const r = result.summary.rollup;
    process.stdout.write(
      `${result.summary.tasks.length}${result.failures.length ? ` of ${result.summary.tasks.length + result.failures.length} (PARTIAL: ${result.failures.length} failed)` : ''} task(s), overall ${r.overall === null ? '–' : r.overall.toFixed(2)} ` +
        `(image ${r.modalities.image?.toFixed(2) ?? '–'}, video ${r.modalities.video?.toFixed(2) ?? '–'}, visdoc ${r.modalities.visdoc?.toFixed(2) ?? '–'})\n` +
        `results: ${result.outDir}\nreport:  ${join(reportDir, 'report.html')} (and report.md)\n`,
    );
    if (result.failures.length) {
      process.stderr.write(
        `${result.failures.length} task(s) failed:\n${result.failures.map((f) => `  ${f.task}: ${f.error}`).join('\n')}\n`,
      );
      process.exitCode = 1;
    }
  },
};
