import type { CommandModule } from 'yargs';
import { rankFiles } from '../scoring/rank-files.js';
import { emitLines } from '../util/lines.js';
import { intIn } from './bounds.js';

interface Args {
  queries: string;
  candidates: string;
  'query-ids'?: string;
  'candidate-ids'?: string;
  gold?: string;
  k: number;
  out?: string;
}

export const rankCommand: CommandModule<object, Args> = {
  command: 'rank',
  describe: 'Rank precomputed embeddings (.npy float32, 2-D) and write VLM2Vec-style predictions',
  builder: (y) =>
    y
      .option('queries', { type: 'string', demandOption: true })
      .option('candidates', { type: 'string', demandOption: true })
      .option('query-ids', { type: 'string', describe: 'one id per line (default: row indices)' })
      .option('candidate-ids', { type: 'string', describe: 'one id per line (default: row indices)' })
      .option('gold', { type: 'string', describe: 'one JSON id or list of ids per query line, for labels and the tie policy' })
      .option('k', {
        type: 'number',
        default: 10,
        coerce: intIn('k', 1, 1_000_000),
        // VLM2Vec's pred files hold the whole ranking; `score` computes @10 on whatever the list holds
        describe: 'ids kept per query; `score` reads the top 10, so a smaller k understates its @10 metrics',
      })
      .option('out', { type: 'string' }) as never,
  handler: async (args) => {
    const { predictions } = await rankFiles({
      queries: args.queries,
      candidates: args.candidates,
      queryIds: args['query-ids'],
      candidateIds: args['candidate-ids'],
      gold: args.gold,
      k: args.k,
    });
    emitLines(
      (function* () {
        for (const p of predictions) yield JSON.stringify(p) + '\n';
      })(),
      args.out,
    );
  },
};
