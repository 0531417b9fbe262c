import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { defaultSamples, familySamples, formatChecks, runDoctor, taskSamples } from '../engine/doctor.js';
import { taskRerankPairs } from '../engine/doctor-rerank.js';
import { DEFAULT_EVAL_PROFILE, EVAL_PROFILES, type EvalProfileName } from '../catalog/profiles.js';
import { ConfigError } from '../errors.js';
import { intIn } from './bounds.js';

interface Args {
  backend: string;
  task?: string;
  tasks?: string;
  profile: EvalProfileName;
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
      .option('tasks', {
        type: 'string',
        describe:
          'comma-separated tasks of the planned run (with --data-root): one query and one candidate per parser family are embedded too',
      })
      .option('profile', { choices: EVAL_PROFILES, default: DEFAULT_EVAL_PROFILE, describe: 'the eval profile the run will use' })
      .option('data-root', { type: 'string' })
      .option('samples', {
        type: 'number',
        default: 2,
        coerce: intIn('samples', 1, 100),
        describe: 'queries and candidates taken from --task',
      })
      .option('json', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    if ((args.task || args.tasks) && !args['data-root']) throw new ConfigError('--task and --tasks need --data-root');
    let samples = args.task ? await taskSamples(args.task, args['data-root'] as string, args.samples) : undefined;
    const names = (args.tasks ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (names.length) {
      samples = [...(samples ?? (await defaultSamples())), ...(await familySamples(names, args['data-root'] as string, args.profile))];
    }
    // the reranker's checks take one pair from the --task and from each planned task
    const rerankTasks = [...(args.task ? [args.task] : []), ...names];
    const rerankPairs = rerankTasks.length ? await taskRerankPairs(rerankTasks, args['data-root'] as string) : undefined;
    const checks = await runDoctor(loadBackendConfig(args.backend), { samples, rerankPairs });
    process.stdout.write(args.json ? JSON.stringify(checks, null, 2) + '\n' : formatChecks(checks));
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
  },
};
