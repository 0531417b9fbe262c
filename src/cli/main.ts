import yargs from 'yargs';
import { TteError, ConfigError, DataError } from '../errors.js';
import { packageVersion } from '../util/package-root.js';
import { scoreCommand } from './score.js';
import { leaderboardCommand } from './leaderboard.js';
import { tasksCommand } from './tasks.js';
import { dumpCommand } from './dump.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';
import { serveCommand } from './serve.js';
import { embedCommand } from './embed.js';
import { rankCommand } from './rank.js';
import { mergeCommand } from './merge.js';
import { compareCommand } from './compare.js';
import { reportCommand } from './report.js';
import { exportMtebCommand } from './export-mteb.js';
import { fetchCommand } from './fetch.js';
import { extractFramesCommand } from './extract-frames.js';
import { renderCommand } from './render.js';
import { doctorCommand } from './doctor.js';
import { exportSubmissionCommand } from './export-submission.js';
import { planCommand } from './plan.js';
import { tracesCommand } from './traces.js';
import { rerankCommand } from './rerank.js';
import { curveCommand } from './curve.js';

/**
 * Exit codes: 0 success; 1 a failed check (e.g. `validate` found missing media) or an unexpected
 * error; 2 bad input or configuration (the message names file, row and field).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName('tte-bench')
    .version(packageVersion())
    .command(tasksCommand)
    .command(scoreCommand)
    .command(leaderboardCommand)
    .command(dumpCommand)
    .command(runCommand)
    .command(validateCommand)
    .command(fetchCommand)
    .command(extractFramesCommand)
    .command(serveCommand)
    .command(embedCommand)
    .command(rankCommand)
    .command(mergeCommand)
    .command(compareCommand)
    .command(reportCommand)
    .command(exportMtebCommand)
    .command(renderCommand)
    .command(doctorCommand)
    .command(exportSubmissionCommand)
    .command(planCommand)
    .command(tracesCommand)
    .command(rerankCommand)
    .command(curveCommand)
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      // yargs wraps an error thrown by an option's `coerce` (a bound check) in a YError: still bad usage
      if (err && err.name !== 'YError') throw err;
      throw new ConfigError(msg ?? err?.message);
    });
  try {
    await cli.parseAsync();
    if (typeof process.exitCode === 'number') exitCode = process.exitCode;
  } catch (err) {
    if (err instanceof DataError || err instanceof ConfigError) {
      process.stderr.write(`tte-bench: ${err.message}\n`);
      return 2;
    }
    if (err instanceof TteError) {
      process.stderr.write(`tte-bench: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tte-bench: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
  return exitCode;
}
