import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { embedInputs, readEmbedInputs } from '../engine/embed-file.js';
import { emit, intIn } from './io.js';

interface Args {
  backend?: string;
  input: string;
  out?: string;
  'batch-size': number;
}

export const embedCommand: CommandModule<object, Args> = {
  command: 'embed',
  describe: 'Embed JSONL inputs ({"text"} and/or {"image"}) with a backend; one {"vector"} line per input, L2-normalised',
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'backend config JSON (default: the builtin floor)' })
      .option('input', { type: 'string', demandOption: true })
      .option('out', { type: 'string' })
      .option('batch-size', { type: 'number', default: 16, coerce: intIn('batch-size', 1, 4096) }) as never,
  handler: async (args) => {
    // the inputs are read before the backend config: a bad input file fails before any model loads
    const inputs = await readEmbedInputs(args.input);
    const vectors = await embedInputs(loadBackendConfig(args.backend), inputs, { batchSize: args['batch-size'] });
    emit(vectors.map((v) => JSON.stringify({ vector: Array.from(v) }) + '\n').join(''), args.out);
  },
};
