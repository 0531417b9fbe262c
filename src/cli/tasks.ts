import type { CommandModule } from 'yargs';
import type { MetaTask, MmebVersion, Modality } from '../catalog/types.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, META_TASKS, V3_MODALITIES } from '../catalog/types.js';
import { formatTaskList, listTasks, taskListRows } from '../engine/task-list.js';
import { toJson } from '../util/json.js';

interface Args {
  json: boolean;
  modality?: Modality;
  meta?: MetaTask;
  'mmeb-version': MmebVersion;
}

export const tasksCommand: CommandModule<object, Args> = {
  command: 'tasks',
  describe:
    'List the task catalog: MMEB-V2 (78 scored tasks plus the unscored English-only ViDoRe-V2 variants) or, with --mmeb-version v3, MMEB-V3 (190 scored tasks in 8 groups plus unscored diagnostics)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false })
      .option('modality', { choices: V3_MODALITIES, describe: 'one modality (MMEB-V3: one group)' })
      .option('meta', { choices: [...V3_MODALITIES.flatMap((m) => META_TASKS[m]), 'OMNI'] })
      .option('mmeb-version', { choices: MMEB_VERSIONS, default: DEFAULT_MMEB_VERSION }) as never,
  handler: (args) => {
    const tasks = listTasks({ modality: args.modality, meta: args.meta }, args['mmeb-version']);
    process.stdout.write(args.json ? toJson(taskListRows(tasks)) : formatTaskList(tasks));
  },
};
