import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { buildCurve, curveMarkdown, writeCurve, type CurveX } from '../report/scaling.js';

interface Args {
  runs: string[];
  out?: string;
  x: CurveX;
  json: boolean;
}

export const curveCommand: CommandModule<object, Args> = {
  command: 'curve <runs..>',
  describe: 'Accuracy vs reasoning spent per query, overall and per meta-task, across runs that differ in rerank depth or reasoning budget',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'run folders (same tasks and benchmark version)' })
      .option('x', {
        choices: ['tokens', 'all-tokens', 'pairs'] as const,
        default: 'tokens' as CurveX,
        describe: 'generated tokens, prompt + generated tokens, or rerank pairs per query',
      })
      .option('out', { type: 'string', describe: 'write curve.json, curve.md and charts/curve-<group>.png here' })
      .option('json', { type: 'boolean', default: false, describe: 'print curve.json instead of the table' }) as never,
  handler: async (args) => {
    const c = buildCurve(args.runs, args.x);
    if (args.out) await writeCurve(c, args.out);
    process.stdout.write(args.json ? JSON.stringify(c, null, 2) + '\n' : curveMarkdown(c));
    if (args.out) process.stdout.write(`\nwritten: ${join(args.out, 'curve.md')} and charts/\n`);
  },
};
