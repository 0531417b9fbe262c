import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadPrices } from '../report/costs.js';
import { writeReports } from '../report/write.js';

interface Args {
  results: string;
  out: string;
  prices?: string;
}

export const reportCommand: CommandModule<object, Args> = {
  command: 'report <results>',
  describe: 'Write report.md, a self-contained report.html and PNG charts for a results folder',
  builder: (y) =>
    y
      .positional('results', { type: 'string', describe: 'a run folder (results/<run-id>)' })
      .option('out', { type: 'string', demandOption: true, describe: 'report folder' })
      .option('prices', { type: 'string', describe: 'price table JSON to turn tokens and calls into money' }) as never,
  handler: async (args) => {
    await writeReports(args.results, args.out, { prices: args.prices ? loadPrices(args.prices) : undefined });
    process.stdout.write(`report: ${join(args.out, 'report.html')} (and report.md, charts/)\n`);
  },
};
