import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadPrices } from '../report/costs.js';
import { writeReports } from '../report/write.js';

interface Args {
  results: string;
  out: string;
  prices?: string;
  'data-root'?: string;
}

export const reportCommand: CommandModule<object, Args> = {
  command: 'report <results>',
  describe: 'Write report.md, a self-contained report.html and PNG charts for a results folder',
  builder: (y) =>
    y
      .positional('results', { type: 'string', describe: 'a run folder (results/<run-id>)' })
      .option('out', { type: 'string', demandOption: true, describe: 'report folder' })
      .option('prices', { type: 'string', describe: 'price table JSON to turn tokens and calls into money' })
      .option('data-root', {
        type: 'string',
        describe: "where the media for the browser's thumbnails are (default: the run's recorded data root)",
      }) as never,
  handler: async (args) => {
    await writeReports(args.results, args.out, { prices: args.prices ? loadPrices(args.prices) : undefined, dataRoot: args['data-root'] });
    process.stdout.write(`report: ${join(args.out, 'report.html')} (and report.md, charts/, browser/, thumbs/)\n`);
  },
};
