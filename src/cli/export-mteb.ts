import type { CommandModule } from 'yargs';
import { exportMteb } from '../report/mteb.js';

interface Args {
  run: string;
  out: string;
  model?: string;
  revision?: string;
}

export const exportMtebCommand: CommandModule<object, Args> = {
  command: 'export-mteb <run>',
  describe: 'Export a run folder as MTEB TaskResult JSON (<out>/<org>__<model>/<revision>/<Task>.json + model_meta.json)',
  builder: (y) =>
    y
      .positional('run', { type: 'string' })
      .option('out', { type: 'string', demandOption: true })
      .option('model', { type: 'string', describe: 'org/name (default tte-bench/<backend name>)' })
      .option('revision', { type: 'string', describe: 'model revision (default no_revision_available)' }) as never,
  handler: (args) => {
    process.stdout.write(`wrote ${exportMteb(args.run, { out: args.out, model: args.model, revision: args.revision })}\n`);
  },
};
