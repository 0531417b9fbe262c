import type { CommandModule } from 'yargs';
import { dataRootOptions, taskNames } from './io.js';
import type { MmebVersion } from '../catalog/types.js';
import { formatValidation, validateDataRoot } from '../engine/data-check.js';
import { toJson } from '../util/json.js';

interface Args {
  'data-root': string;
  'hf-root'?: string;
  task?: string[];
  'mmeb-version': MmebVersion;
  json: boolean;
}

export const validateCommand: CommandModule<object, Args> = {
  command: 'validate',
  describe: 'Check a downloaded data root: rows, queries, candidates, and every missing or unreadable media file',
  builder: (y) =>
    dataRootOptions(y)
      .option('task', { type: 'string', array: true, describe: 'tasks to check (default: all 78 scored tasks)' })
      .option('json', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    const report = await validateDataRoot(taskNames(args.task), {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
    });
    process.stdout.write(args.json ? toJson(report) : formatValidation(report));
    if (report.some((r) => !r.ok)) process.exitCode = 1;
  },
};
