import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { planRun } from '../engine/run-request.js';
import { formatPlan, MAX_SHARDS } from '../engine/shard.js';
import { intIn, taskNames } from './io.js';

interface Args {
  shards: number;
  suite: string;
  tasks?: string;
  backend?: string;
  'mmeb-version'?: MmebVersion;
  json: boolean;
}

export const planCommand: CommandModule<object, Args> = {
  command: 'plan',
  describe: 'Print how `run --shard i/n` (or --shard auto) divides the work: tasks, split tasks and estimated load per shard',
  builder: (y) =>
    y
      .option('shards', {
        type: 'number',
        demandOption: true,
        coerce: intIn('shards', 1, MAX_SHARDS),
        describe: 'number of shards (array tasks / completions)',
      })
      .option('suite', { type: 'string', default: 'mmeb-v2', describe: "'mmeb-v2' (all 78 tasks), 'mmeb-v3' (all 190, with --mmeb-version v3) or 'mini'" })
      .option('tasks', { type: 'string', describe: 'comma-separated task names (instead of a suite)' })
      .option('backend', { type: 'string', describe: 'backend config JSON (a reasoner makes queries heavier)' })
      .option('mmeb-version', { choices: MMEB_VERSIONS, describe: `benchmark version (default ${DEFAULT_MMEB_VERSION})` })
      .option('json', { type: 'boolean', default: false, describe: 'print the plan as JSON' }) as never,
  handler: (args) => {
    const backend = loadBackendConfig(args.backend);
    const names = args.tasks ? taskNames(args.tasks) : undefined;
    const plan = planRun({ backend, shards: args.shards, suite: args.suite, taskNames: names, version: args['mmeb-version'] });
    process.stdout.write(args.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan));
  },
};
