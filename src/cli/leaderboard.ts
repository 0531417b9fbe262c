import type { CommandModule } from 'yargs';
import { buildLeaderboard, formatLeaderboard } from '../report/leaderboard.js';
import { toJson } from '../util/json.js';

interface Args {
  paths: string[];
  json: boolean;
  overlay: boolean;
  'allow-partial': boolean;
}

export const leaderboardCommand: CommandModule<object, Args> = {
  command: 'leaderboard <paths..>',
  describe: 'Roll per-task scores up to the MMEB-V2 leaderboard columns (overall, modalities, 12 meta-tasks), ×100',
  builder: (y) =>
    y
      .positional('paths', {
        type: 'string',
        array: true,
        describe:
          'VLM2Vec score reports (<model>.json), folders of {task}_score.json, or tte-bench run folders; ' +
          'PATH::TaskA,TaskB takes only those tasks from PATH',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON array instead of a table' })
      .option('overlay', {
        type: 'boolean',
        default: false,
        describe: 'merge sources of the same model in order, later tasks replacing earlier ones',
      })
      .option('allow-partial', {
        type: 'boolean',
        default: false,
        describe: 'average over the tasks present instead of reporting null where tasks are missing',
      }) as never,
  handler: (args) => {
    const rows = buildLeaderboard(args.paths, { overlay: args.overlay, allowPartial: args['allow-partial'] });
    if (args.json) process.stdout.write(toJson(rows));
    else process.stdout.write(formatLeaderboard(rows));
  },
};
