import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { formatChecks, runDoctor, taskSamples } from '../engine/doctor.js';
import { taskRerankPairs } from '../engine/doctor-rerank.js';
import { ConfigError } from '../errors.js';
import { intIn } from './bounds.js';

interface Args {
  backend: string;
  task?: string;
  'data-root'?: string;
  samples: number;
  json: boolean;
}

export const doctorCommand: CommandModule<object, Args> = {
  command: 'doctor',
  describe:
    "Preflight a live server: reachable, model name, embedding dimension, and the server's prompt rendering vs the protocol's (vLLM /tokenize)",
  builder: (y) =>
    y
      .option('backend', { type: 'string', demandOption: true, describe: 'backend config JSON (an "openai" embedder with a "protocol")' })
      .option('task', { type: 'string', describe: 'take sample items from this task (with --data-root) instead of synthetic ones' })
      .option('data-root', { type: 'string' })
      .option('samples', {
        type: 'number',
        default: 2,
        coerce: intIn('samples', 1, 100),
        describe: 'queries and candidates taken from --task',
      })
      .option('json', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    if (args.task && !args['data-root']) throw new ConfigError('--task needs --data-root');
    const samples = args.task ? await taskSamples(args.task, args['data-root'] as string, args.samples) : undefined;
    const rerankPairs = args.task ? await taskRerankPairs(args.task.split(','), args['data-root'] as string) : undefined;
    const checks = await runDoctor(loadBackendConfig(args.backend), { samples, rerankPairs });
    process.stdout.write(args.json ? JSON.stringify(checks, null, 2) + '\n' : formatChecks(checks));
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
  },
};
