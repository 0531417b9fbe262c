import type { CommandModule } from 'yargs';
import type { MetaTask, Modality } from '../catalog/types.js';
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { formatTaskList, listTasks, taskListRows } from '../engine/task-list.js';
import { toJson } from '../util/json.js';

interface Args {
  json: boolean;
  modality?: Modality;
  meta?: MetaTask;
}

export const tasksCommand: CommandModule<object, Args> = {
  command: 'tasks',
  describe: 'List the MMEB-V2 task catalog (78 scored tasks plus the unscored English-only ViDoRe-V2 variants)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false })
      .option('modality', { choices: MODALITIES })
      .option('meta', { choices: ALL_META_TASKS }) as never,
  handler: (args) => {
    const tasks = listTasks({ modality: args.modality, meta: args.meta });
    process.stdout.write(args.json ? toJson(taskListRows(tasks)) : formatTaskList(tasks));
  },
};
