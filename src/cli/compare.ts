import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ConfigError } from '../errors.js';
import { writeAblationReport } from '../report/ablation-report.js';
import { ablation, checkBound, COMPARE_BOUNDS, formatAblation, formatGate, regressionGate } from '../report/compare.js';
import { loadPrices } from '../report/costs.js';
import { formatRepro, reproductionCheck } from '../report/repro.js';
import { reproFormat, writeReproReport } from '../report/repro-report.js';
import { parseSourceSpec } from '../report/score-files.js';
import { toJson } from '../util/json.js';

interface Args {
  runs?: string[];
  baseline?: string;
  candidate?: string;
  'max-drop'?: number;
  'per-task-max-drop'?: number;
  'allow-missing': boolean;
  'allow-different-data': boolean;
  json: boolean;
  seed: number;
  resamples: number;
  level: number;
  out?: string;
  prices?: string;
  'data-root'?: string;
  'scores-only': boolean;
  within?: number;
}

/** A tte-bench run folder (its summary.json), named without a task selector: what the ablation pairs. */
function isRunFolder(spec: string): boolean {
  const { path, only } = parseSourceSpec(spec);
  return !only && existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'summary.json'));
}

export const compareCommand: CommandModule<object, Args> = {
  command: 'compare [runs..]',
  describe:
    'Ablation: compare runs A B [C ...] (queries paired by id; bootstrap CIs, McNemar on Hit@1, flips, cost; --out DIR writes ablation.html/.md/.json); reproduction check: compare score sources (all_scores reports, folders of {task}_score.json, run folders) per task with noise bands (--out FILE.md|.html); or the CI regression gate: --baseline DIR --candidate DIR --max-drop X (exit 1 on regression)',
  builder: (y) =>
    y
      .positional('runs', {
        type: 'string',
        array: true,
        describe: 'run folders (ablation), or score sources (reproduction check: any source that is not a run folder, or --scores-only)',
      })
      .option('scores-only', {
        type: 'boolean',
        default: false,
        describe: 'reproduction check on run folders too: their scores only, no paired tests',
      })
      .option('within', {
        type: 'number',
        describe: 'reproduction check: the tolerance of "N of M within X" (×100 points, 0–100; default 0.5)',
      })
      .option('baseline', { type: 'string', describe: 'gate: run folder or folder of {task}_score.json' })
      .option('candidate', { type: 'string', describe: 'gate: run folder or folder of {task}_score.json' })
      .option('max-drop', {
        type: 'number',
        describe: 'gate: largest allowed drop (×100 points, 0–100) of any meta-task, modality or overall mean',
      })
      .option('per-task-max-drop', { type: 'number', describe: 'gate: largest allowed drop per task (0–100; default: --max-drop)' })
      .option('allow-missing', { type: 'boolean', default: false, describe: 'gate: compare the common tasks when the sides differ' })
      .option('allow-different-data', {
        type: 'boolean',
        default: false,
        describe:
          'compare runs of different benchmark versions, eval profiles or task data (ablation: on the queries they share; gate: also tasks scored on different numbers of queries)',
      })
      .option('json', { type: 'boolean', default: false })
      .option('seed', { type: 'number', default: 0, describe: 'ablation: bootstrap seed (integer, 0–2^32−1)' })
      .option('resamples', { type: 'number', default: 1000, describe: 'ablation: bootstrap resamples (1–1000000)' })
      .option('level', { type: 'number', default: 0.95, describe: 'ablation: confidence level of the intervals (0.5–0.999)' })
      .option('out', {
        type: 'string',
        describe:
          'ablation: write ablation.html, ablation.md, ablation.json, charts/ and the query browser here; reproduction check: write this .md or .html file',
      })
      .option('prices', { type: 'string', describe: "ablation: price table JSON, to show each run's cost in money" })
      .option('data-root', {
        type: 'string',
        describe: "ablation --out: where the media for thumbnails are (default: each run's recorded data root)",
      }) as never,
  handler: async (args) => {
    if (args.baseline || args.candidate) {
      if (!args.baseline || !args.candidate || args['max-drop'] === undefined)
        throw new ConfigError('the gate needs --baseline, --candidate and --max-drop');
      checkBound('max-drop', args['max-drop'], COMPARE_BOUNDS.maxDrop);
      if (args['per-task-max-drop'] !== undefined) checkBound('per-task-max-drop', args['per-task-max-drop'], COMPARE_BOUNDS.maxDrop);
      const r = regressionGate(args.baseline, args.candidate, {
        maxDrop: args['max-drop'],
        perTaskMaxDrop: args['per-task-max-drop'],
        allowMissing: args['allow-missing'],
        allowDifferentData: args['allow-different-data'],
      });
      process.stdout.write(args.json ? toJson(r) : formatGate(r));
      if (!r.ok) process.exitCode = 1;
      return;
    }
    const sources = args.runs ?? [];
    if (args['scores-only'] || sources.some((s) => !isRunFolder(s))) {
      // scores without predictions: per-task deltas against the noise each task's query count allows
      for (const opt of ['prices', 'data-root'] as const)
        if (args[opt] !== undefined) throw new ConfigError(`--${opt} is for the ablation of run folders, not the reproduction check`);
      if (args.out) reproFormat(args.out);
      const r = reproductionCheck(sources, { within: args.within, allowDifferentData: args['allow-different-data'] });
      if (args.out) {
        writeReproReport(r, args.out);
        process.stderr.write(`reproduction check: ${args.out}\n`);
      }
      process.stdout.write(args.json ? toJson(r) : formatRepro(r));
      return;
    }
    if (args.within !== undefined) throw new ConfigError('--within is for the reproduction check of score sources');
    const a = ablation(args.runs ?? [], {
      seed: args.seed,
      resamples: args.resamples,
      level: args.level,
      allowDifferentData: args['allow-different-data'],
      prices: args.prices ? loadPrices(args.prices) : undefined,
    });
    if (args.out) {
      await writeAblationReport(a, args.out, { dataRoot: args['data-root'] });
      process.stderr.write(
        `ablation report: ${join(args.out, 'ablation.html')} (and ablation.md, ablation.json, charts/, browser/, thumbs/)\n`,
      );
    }
    process.stdout.write(args.json ? toJson(a) : formatAblation(a));
  },
};
