import type { CommandModule } from 'yargs';
import { exportMteb } from '../report/mteb.js';
import { PARTIAL_LEAD } from '../report/partial-tasks.js';

interface Args {
  run: string;
  out: string;
  model?: string;
  revision?: string;
  'allow-partial': boolean;
}

export const exportMtebCommand: CommandModule<object, Args> = {
  command: 'export-mteb <run>',
  describe: 'Export a run folder as MTEB TaskResult JSON (<out>/<org>__<model>/<revision>/<Task>.json + model_meta.json)',
  builder: (y) =>
    y
      .positional('run', { type: 'string' })
      .option('out', { type: 'string', demandOption: true })
      .option('model', { type: 'string', describe: 'org/name (default tte-bench/<backend name>)' })
      .option('revision', { type: 'string', describe: 'model revision (default no_revision_available)' })
      .option('allow-partial', {
        type: 'boolean',
        default: false,
        describe: 'export tasks scored on another number of queries than the benchmark has (a shard, the mini suite) instead of refusing',
      }) as never,
  handler: (args) => {
    const { dir, partial } = exportMteb(args.run, {
      out: args.out,
      model: args.model,
      revision: args.revision,
      allowPartial: args['allow-partial'],
    });
    process.stdout.write(`wrote ${dir}\n`);
    if (partial.length) process.stdout.write(`note: ${PARTIAL_LEAD}: ${partial.join(', ')}\n`);
  },
};
