import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import type { MmebVersion } from '../catalog/types.js';
import { renderRerankTask, renderTask } from '../engine/render.js';
import { dataRootOptions, emit, intIn, profileOption } from './io.js';
import type { EvalProfileName } from '../catalog/profiles.js';

interface Args {
  backend: string;
  task: string;
  'data-root': string;
  'hf-root'?: string;
  'mmeb-version': MmebVersion;
  profile: EvalProfileName;
  limit?: number;
  out?: string;
  rerank: boolean;
}

export const renderCommand: CommandModule<object, Args> = {
  command: 'render',
  describe:
    "Print what the backend's embedder is sent per item (exact prompt, media, HTTP body), queries then candidates; with --rerank, what its reranker is sent per (query, gold candidate) pair",
  builder: (y) =>
    profileOption(
      dataRootOptions(
        y
          .option('backend', { type: 'string', demandOption: true, describe: 'backend config JSON whose embedder names a "protocol"' })
          .option('task', { type: 'string', demandOption: true }),
      ),
    )
      .option('limit', {
        type: 'number',
        coerce: intIn('limit', 1, 1_000_000_000),
        describe: 'at most N queries and N candidates (--rerank: the first N queries)',
      })
      .option('rerank', {
        type: 'boolean',
        default: false,
        describe: 'render the reranker\'s requests (a "qwen3-vl-reranker" protocol) per query and gold candidate',
      })
      .option('out', { type: 'string' }) as never,
  handler: async (args) => {
    const text = await (args.rerank ? renderRerankTask : renderTask)(loadBackendConfig(args.backend), args.task, {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      profile: args.profile,
      limit: args.limit,
    });
    emit(text, args.out);
  },
};
