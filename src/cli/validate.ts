import type { CommandModule } from 'yargs';
import { loadCatalog } from '../catalog/load.js';
import { dataRootOptions, namedOrScoredTasks } from './io.js';
import type { MmebVersion } from '../catalog/types.js';
import { validateTasks } from '../datasets/validate.js';
import { toJson } from '../util/json.js';
import { describe } from '../errors.js';

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
    const catalog = loadCatalog();
    const tasks = namedOrScoredTasks(args.task);
    const report = await validateTasks(tasks, {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      catalog,
    });
    if (args.json) {
      process.stdout.write(toJson(report));
    } else {
      for (const r of report) {
        const expected = r.expectedQueries !== null && r.expectedQueries !== r.queries ? ` (published: ${r.expectedQueries})` : '';
        process.stdout.write(
          `${r.ok ? 'ok  ' : 'FAIL'} ${r.task}: ${r.queries} queries${expected}, ${r.candidates} candidates, ${r.dataFiles} data file(s)` +
            `${r.problems.length ? `, ${r.problems.length} problem(s)` : ''}\n`,
        );
        for (const p of r.problems) process.stdout.write(`     - ${describe(p.message, { ...p.location, task: undefined })}\n`);
      }
      const bad = report.filter((r) => !r.ok).length;
      const problems = report.reduce((n, r) => n + r.problems.length, 0);
      process.stdout.write(
        `${report.length - bad} of ${report.length} task(s) complete${problems ? `; ${problems} problem(s) in ${bad} task(s)` : ''}\n`,
      );
    }
    if (report.some((r) => !r.ok)) process.exitCode = 1;
  },
};
