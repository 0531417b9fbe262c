import type { CommandModule } from 'yargs';
import { readPredictionFile } from '../metrics/pred-file.js';
import { scorePredictions } from '../metrics/ranking.js';
import { toJson } from '../util/json.js';
import { emit } from './io.js';

interface Args {
  pred: string;
  out?: string;
}

export const scoreCommand: CommandModule<object, Args> = {
  command: 'score',
  describe: "Score a VLM2Vec {task}_pred.jsonl exactly as VLM2Vec's RankingMetrics does",
  builder: (y) =>
    y
      .option('pred', { type: 'string', demandOption: true, describe: 'prediction file (one JSON object per line)' })
      .option('out', { type: 'string', describe: 'write the score JSON here instead of stdout' }) as never,
  handler: (args) => {
    const preds = readPredictionFile(args.pred);
    emit(toJson(scorePredictions(preds), 4), args.out);
  },
};
