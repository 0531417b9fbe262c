import type { CommandModule } from 'yargs';
import { ConfigError } from '../errors.js';
import { taskNames } from './io.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { fetchTasks } from '../datasets/fetch.js';
import { fetchMmebV3, V3_GROUPS, type V3Group } from '../datasets/fetch-v3.js';
import { namedOrScoredTasks } from '../engine/task-list.js';

interface Args {
  task?: string[];
  to: string;
  'mmeb-version': MmebVersion;
  'hub-url'?: string;
  'token-env': string;
  group?: V3Group[];
}

export const fetchCommand: CommandModule<object, Args> = {
  command: 'fetch',
  describe:
    'Download the Hugging Face annotation snapshots of tasks into <to>/hf/<owner>/<name>/; with --mmeb-version v3, the VLM2Vec/MMEB-V3 archives, unpacked as dataset_setup_v3.py does (needs network)',
  builder: (y) =>
    y
      .option('task', { type: 'string', array: true, describe: 'tasks (default: all 78 scored tasks)' })
      .option('to', { type: 'string', demandOption: true, describe: 'the data root' })
      .option('mmeb-version', { choices: MMEB_VERSIONS, default: DEFAULT_MMEB_VERSION })
      .option('hub-url', { type: 'string', describe: 'Hub endpoint (default https://huggingface.co)' })
      .option('group', {
        choices: V3_GROUPS,
        array: true,
        describe: "with --mmeb-version v3: only these groups' archives (default: all)",
      })
      .option('token-env', { type: 'string', default: 'HF_TOKEN', describe: 'environment variable holding a Hub token, if any' }) as never,
  handler: async (args) => {
    const log = (line: string) => process.stderr.write(line + '\n');
    const accessToken = process.env[args['token-env']] || undefined;
    if (args['mmeb-version'] === 'v3') {
      if (args.task?.length) throw new ConfigError('fetch --mmeb-version v3 downloads whole groups (--group), not single tasks');
      await fetchMmebV3({ to: args.to, groups: args.group, hubUrl: args['hub-url'], accessToken, log });
      return;
    }
    if (args.group?.length) throw new ConfigError('--group is for --mmeb-version v3');
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
