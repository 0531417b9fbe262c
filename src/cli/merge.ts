import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { mergeShards } from '../engine/merge.js';
import { writeReports } from '../report/write.js';

interface Args {
  dirs: string[];
  out: string;
  'report-dir'?: string;
}

export const mergeCommand: CommandModule<object, Args> = {
  command: 'merge <dirs..>',
  describe: 'Combine the result folders of a sharded run (run --shard i/n) into one, identical to an unsharded run',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'shard result folders' })
      .option('out', { type: 'string', demandOption: true })
      .option('report-dir', { type: 'string', describe: 'also write report.md here' }) as never,
  handler: async (args) => {
    const s = mergeShards(args.dirs, args.out);
    if (args['report-dir']) await writeReports(args.out, args['report-dir']);
    process.stdout.write(
      `merged ${args.dirs.length} shard(s), ${s.tasks.length} task(s) into ${args.out}${args['report-dir'] ? ` (report: ${join(args['report-dir'], 'report.html')})` : ''}\n`,
    );
  },
};
