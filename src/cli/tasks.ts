import type { CommandModule } from 'yargs';
import { loadCatalog, selectTasks } from '../catalog/load.js';
import type { MetaTask, Modality } from '../catalog/types.js';
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
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
    const tasks = selectTasks({ modality: args.modality, meta: args.meta, includeUnscored: true }, loadCatalog());
    if (args.json) {
      process.stdout.write(
        toJson(
          tasks.map((t) => ({
            name: t.name,
            modality: t.modality,
            meta: t.meta,
            metric: t.metric,
            mode: t.mode,
            parser: t.parser,
            scored: t.scored,
          })),
        ),
      );
      return;
    }
    const rows = tasks.map((t) => [t.name, t.modality, t.meta, t.metric, t.mode, t.parser, t.scored ? '' : 'unscored']);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
    for (const r of rows)
      process.stdout.write(
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd() + '\n',
      );
    process.stdout.write(`${tasks.filter((t) => t.scored).length} scored task(s), ${tasks.filter((t) => !t.scored).length} unscored\n`);
  },
};
