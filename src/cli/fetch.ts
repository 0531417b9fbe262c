import type { CommandModule } from 'yargs';
import { taskNames } from './io.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { fetchTasks } from '../datasets/fetch.js';
import { namedOrScoredTasks } from '../engine/task-list.js';

interface Args {
  task?: string[];
  to: string;
  'mmeb-version': MmebVersion;
  'hub-url'?: string;
  'token-env': string;
}

export const fetchCommand: CommandModule<object, Args> = {
  command: 'fetch',
  describe: 'Download the Hugging Face annotation snapshots of tasks into <to>/hf/<owner>/<name>/ (needs network)',
  builder: (y) =>
    y
      .option('task', { type: 'string', array: true, describe: 'tasks (default: all 78 scored tasks)' })
      .option('to', { type: 'string', demandOption: true, describe: 'the data root' })
      .option('mmeb-version', { choices: MMEB_VERSIONS, default: DEFAULT_MMEB_VERSION })
      .option('hub-url', { type: 'string', describe: 'Hub endpoint (default https://huggingface.co)' })
      .option('token-env', { type: 'string', default: 'HF_TOKEN', describe: 'environment variable holding a Hub token, if any' }) as never,
  handler: async (args) => {
    const tasks = namedOrScoredTasks(taskNames(args.task), args['mmeb-version']);
    await fetchTasks(tasks, {
      to: args.to,
      version: args['mmeb-version'],
      hubUrl: args['hub-url'],
      accessToken: process.env[args['token-env']] || undefined,
      log: (line) => process.stderr.write(line + '\n'),
    });
  },
};
