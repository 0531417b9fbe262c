import { DEFAULT_EVAL_PROFILE, EVAL_PROFILES, type EvalProfileName } from '../catalog/profiles.js';
import type { CommandModule } from 'yargs';
import { ConfigError } from '../errors.js';
import { loadBackendConfig } from '../backends/config.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, type MmebVersion, type Modality } from '../catalog/types.js';
import { runTasks } from '../engine/run.js';
import { formatRunFailures, formatRunResult, parseModalities, resolveRun } from '../engine/run-request.js';
import { makeProgress } from './progress.js';
import { numberAbove } from './bounds.js';
import type { AudioCrop } from '../media/audio-prepare.js';
import { intIn, taskNames } from './io.js';

interface Args {
  suite?: string;
  tasks?: string;
  modality?: Modality[];
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
  'audio-max-seconds'?: number;
  'audio-crop'?: AudioCrop;
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  describe: 'Run a backend over MMEB-V2 tasks and write scores, predictions, a summary and a report',
  builder: (y) =>
    y
      .option('suite', {
        type: 'string',
        describe: "'mini' or 'mini-v3' (bundled, offline, seconds), 'mmeb-v2' (all 78 tasks) or 'mmeb-v3' (all 190, --mmeb-version v3)",
      })
      .option('tasks', { type: 'string', describe: 'comma-separated task names (instead of a suite)' })
      .option('modality', {
        type: 'string',
        coerce: parseModalities,
        describe:
          'restrict to these modalities / MMEB-V3 groups, comma-separated (image,video,visdoc; v3 also audio,text,tool,gui,memory); alone: all their tasks',
      })
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
      .option('audio-max-seconds', {
        type: 'number',
        coerce: numberAbove('audio-max-seconds', 0, 600),
        describe:
          "audio clips cropped to this many seconds (VLM2Vec's --audio_max_seconds; default its collator's 10.24 s; the MMEB-V3 maintainers' reproduction uses 30)",
      })
      .option('audio-crop', {
        choices: ['head', 'center', 'multi_crop'] as const,
        describe: "which part of a longer clip is kept (VLM2Vec's --eval_crop; default head)",
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
    const run = resolveRun({
      backend,
      suite: args.suite,
      taskNames: args.tasks ? taskNames(args.tasks) : undefined,
      modality: args.modality,
      dataRoot: args['data-root'],
      version: args['mmeb-version'],
      runId: args['run-id'],
      outDir: args.out,
      reportDir: args['report-dir'],
      shard: args.shard,
      shards: args.shards,
      claimTtlSeconds: args['claim-ttl'],
    });
    // the doctor embeds one item per parser family of this run, as the run will load it
    if (args.preflight)
      await (await import('../engine/doctor.js')).preflight(backend, (text) => process.stderr.write(text), {
        tasks: run.tasks.map((t) => t.name),
        dataRoot: run.dataRoot,
        profile: args.profile,
      });
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
      ...run,
      hfRoot: args['hf-root'],
      profile: args.profile,
      backend,
      predK: args['pred-k'],
      audio: audioOptions(args['audio-max-seconds'], args['audio-crop']),
      cacheDir: args.cache ? args['cache-dir'] : null,
      thinkTargets: args['think-targets'],
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
    process.stdout.write(formatRunResult(result, run.reportDir));
    if (result.failures.length) {
      process.stderr.write(formatRunFailures(result));
      process.exitCode = 1;
    }
  },
};

/** The run's audio preparation options: only what was asked for (none: the collator's defaults). */
function audioOptions(maxSeconds: number | undefined, crop: AudioCrop | undefined): { maxSeconds?: number; crop?: AudioCrop } | undefined {
  const o = { ...(maxSeconds !== undefined ? { maxSeconds } : {}), ...(crop !== undefined ? { crop } : {}) };
  return Object.keys(o).length ? o : undefined;
}
