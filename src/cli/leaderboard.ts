import type { CommandModule } from 'yargs';
import { MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { buildLeaderboard, formatLeaderboard } from '../report/leaderboard.js';
import { toJson } from '../util/json.js';

interface Args {
  paths: string[];
  json: boolean;
  overlay: boolean;
  'allow-partial': boolean;
  'mmeb-version'?: MmebVersion;
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
          'VLM2Vec score reports (<model>.json), folders of {task}_score.json, tte-bench run folders, or the MMEB-V3 ' +
          'paper-vs-reproduction CSVs (a file or a folder of them); ' +
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
      })
      .option('mmeb-version', {
        type: 'string',
        choices: MMEB_VERSIONS,
        describe: "v3: MMEB-V3's 190 tasks, eight groups and agent (default: V3 when a source is, else MMEB-V2)",
      }) as never,
  handler: (args) => {
    const rows = buildLeaderboard(args.paths, {
      overlay: args.overlay,
      allowPartial: args['allow-partial'],
      ...(args['mmeb-version'] ? { version: args['mmeb-version'] } : {}),
    });
    if (args.json) process.stdout.write(toJson(rows));
    else process.stdout.write(formatLeaderboard(rows));
  },
};
