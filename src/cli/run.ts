import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ConfigError } from '../errors.js';
import { loadBackendConfig } from '../backends/config.js';
import { loadCatalog, selectTasks } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, MODALITIES, type MmebVersion, type Modality } from '../catalog/types.js';
import { runTasks } from '../engine/run.js';
import { loadSuite } from '../engine/suites.js';
import { parseShard, shardTasks } from '../engine/shard.js';
import { makeProgress } from './progress.js';
import { taskNames } from './io.js';

interface Args {
  suite?: string;
  tasks?: string;
  modality?: Modality;
  backend?: string;
  'data-root'?: string;
  'hf-root'?: string;
  'mmeb-version'?: MmebVersion;
  out?: string;
  'report-dir'?: string;
  'run-id'?: string;
  'pred-k': number;
  'cache-dir'?: string;
  cache: boolean;
  'think-targets': boolean;
  shard?: string;
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
      .option('pred-k', { type: 'number', default: 100, describe: 'ranked ids kept per query in pred.jsonl for global tasks' })
      .option('cache-dir', { type: 'string', describe: 'trace/embedding cache (default $XDG_CACHE_HOME/tte-bench or ~/.cache/tte-bench)' })
      .option('cache', { type: 'boolean', default: true, describe: 'use the trace/embedding cache (--no-cache to disable)' })
      .option('think-targets', { type: 'boolean', default: false, describe: 'reason about candidates too (index-side ECR)' })
      .option('keep-going', { type: 'boolean', default: false, describe: 'run the other tasks when one has missing or broken data (exit 1 at the end)' })
      .option('prices', { type: 'string', describe: 'price table JSON: the report turns tokens and calls into money' })
      .option('shard', { type: 'string', describe: 'run shard i/n (0-based) of the selected tasks; combine with `tte-bench merge`' }) as never,
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
    let shard: { index: number; count: number; allTasks: string[] } | undefined;
    if (args.shard) {
      const spec = parseShard(args.shard);
      shard = { ...spec, allTasks: tasks.map((t) => t.name) };
      tasks = shardTasks(tasks, spec, version);
    }
    const outDir = args.out ?? join('results', shard ? `${runId}.shard-${shard.index}-of-${shard.count}` : runId);
    const reportDir = args['report-dir'] ?? join('reports', shard ? `${runId}.shard-${shard.index}-of-${shard.count}` : runId);
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
      backend,
      outDir,
      reportDir,
      suite: suite?.name ?? null,
      predK: args['pred-k'],
      cacheDir: args.cache ? args['cache-dir'] : null,
      thinkTargets: args['think-targets'],
      shard,
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
      `${result.summary.tasks.length} task(s), overall ${r.overall === null ? '–' : r.overall.toFixed(2)} ` +
        `(image ${r.modalities.image?.toFixed(2) ?? '–'}, video ${r.modalities.video?.toFixed(2) ?? '–'}, visdoc ${r.modalities.visdoc?.toFixed(2) ?? '–'})\n` +
        `results: ${result.outDir}\nreport:  ${join(reportDir, 'report.html')} (and report.md)\n`,
    );
    if (result.failures.length) {
      process.stderr.write(`${result.failures.length} task(s) failed:\n${result.failures.map((f) => `  ${f.task}: ${f.error}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  },
};
