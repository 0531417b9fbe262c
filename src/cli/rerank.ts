import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { ConfigError } from '../errors.js';
import { loadPrices } from '../report/costs.js';
import { MAX_RERANK_DEPTH, rerankRun } from '../engine/rerank-run.js';
import { intIn, taskNames } from './io.js';

interface Args {
  run: string;
  backend: string;
  depth?: number;
  out: string;
  'report-dir'?: string;
  'run-id'?: string;
  'data-root'?: string;
  'hf-root'?: string;
  'mmeb-version'?: MmebVersion;
  tasks?: string;
  'cache-dir'?: string;
  cache: boolean;
  prices?: string;
}

export const rerankCommand: CommandModule<object, Args> = {
  command: 'rerank <run>',
  describe:
    "Rerank an existing run's predictions (a tte-bench run folder, or VLM2Vec / Qwen3-VL-Embedding {task}_pred.jsonl files) without re-embedding",
  builder: (y) =>
    y
      .positional('run', { type: 'string', describe: 'a run folder, or a folder of {task}_pred.jsonl files' })
      .option('backend', { type: 'string', demandOption: true, describe: 'backend config JSON with a "reranker"' })
      .option('depth', {
        type: 'number',
        coerce: intIn('depth', 1, MAX_RERANK_DEPTH),
        describe: "top K per query to rerank (default: the config's rerankDepth)",
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output run folder' })
      .option('report-dir', { type: 'string', describe: 'report folder (default reports/<run-id>)' })
      .option('run-id', { type: 'string', describe: 'default <source folder name>-rerank<K>' })
      .option('data-root', { type: 'string', describe: "data root the EvalSets are rebuilt from (default: the source run's)" })
      .option('hf-root', { type: 'string', describe: 'Hugging Face snapshots folder (default <data-root>/hf)' })
      .option('mmeb-version', { choices: MMEB_VERSIONS, describe: "benchmark version of pred files (a run folder's own otherwise)" })
      .option('tasks', { type: 'string', describe: 'comma-separated subset of the source tasks' })
      .option('cache-dir', { type: 'string', describe: 'rerank score cache (default $XDG_CACHE_HOME/tte-bench)' })
      .option('cache', { type: 'boolean', default: true, describe: '--no-cache to disable' })
      .option('prices', { type: 'string', describe: 'price table JSON for the report' }) as never,
  handler: async (args) => {
    const backend = loadBackendConfig(args.backend);
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort(new ConfigError('interrupted')));
    const tasks = args.tasks ? taskNames(args.tasks) : undefined;
    const depth = args.depth ?? backend.rerankDepth;
    const runId = args['run-id'];
    const result = await rerankRun({
      runDir: args.run,
      backend,
      depth,
      outDir: args.out,
      runId,
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      tasks,
      cacheDir: args.cache ? args['cache-dir'] : null,
      prices: args.prices ? loadPrices(args.prices) : undefined,
      signal: controller.signal,
      reportDir:
        args['report-dir'] ??
        join(
          'reports',
          runId ??
            `${args.run
              .replace(/[\\/]+$/, '')
              .split(/[\\/]/)
              .pop()}-rerank${depth}`,
        ),
      log: (line) => process.stderr.write(line + '\n'),
    });
    const r = result.summary.rollup;
    process.stdout.write(
      `${result.summary.tasks.length} task(s) reranked, overall ${r.overall === null ? '–' : r.overall.toFixed(2)}\nresults: ${result.outDir}\nreport:  ${join(result.reportDir as string, 'report.html')}\n`,
    );
  },
};
