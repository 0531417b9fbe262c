import type { CommandModule } from 'yargs';
import { ConfigError } from '../errors.js';
import { ablation, formatAblation, formatGate, regressionGate } from '../report/compare.js';
import { toJson } from '../util/json.js';

interface Args {
  runs?: string[];
  baseline?: string;
  candidate?: string;
  'max-drop'?: number;
  'per-task-max-drop'?: number;
  'allow-missing': boolean;
  json: boolean;
  seed: number;
  resamples: number;
}

export const compareCommand: CommandModule<object, Args> = {
  command: 'compare [runs..]',
  describe:
    'Ablation: compare runs A B [C ...] with paired bootstrap CIs; or the CI regression gate: --baseline DIR --candidate DIR --max-drop X (exit 1 on regression)',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'run folders (ablation mode)' })
      .option('baseline', { type: 'string', describe: 'gate: run folder or folder of {task}_score.json' })
      .option('candidate', { type: 'string', describe: 'gate: run folder or folder of {task}_score.json' })
      .option('max-drop', { type: 'number', describe: 'gate: largest allowed drop (×100 points) of any meta-task, modality or overall mean' })
      .option('per-task-max-drop', { type: 'number', describe: 'gate: largest allowed drop per task (default: --max-drop)' })
      .option('allow-missing', { type: 'boolean', default: false, describe: 'gate: compare the common tasks when the sides differ' })
      .option('json', { type: 'boolean', default: false })
      .option('seed', { type: 'number', default: 0, describe: 'ablation: bootstrap seed' })
      .option('resamples', { type: 'number', default: 1000, describe: 'ablation: bootstrap resamples' }) as never,
  handler: (args) => {
    if (args.baseline || args.candidate) {
      if (!args.baseline || !args.candidate || args['max-drop'] === undefined) throw new ConfigError('the gate needs --baseline, --candidate and --max-drop');
      const r = regressionGate(args.baseline, args.candidate, { maxDrop: args['max-drop'], perTaskMaxDrop: args['per-task-max-drop'], allowMissing: args['allow-missing'] });
      process.stdout.write(args.json ? toJson(r) : formatGate(r));
      if (!r.ok) process.exitCode = 1;
      return;
    }
    const a = ablation(args.runs ?? [], { seed: args.seed, resamples: args.resamples });
    process.stdout.write(args.json ? toJson(a) : formatAblation(a));
  },
};
