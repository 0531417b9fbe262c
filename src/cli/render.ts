import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import type { MmebVersion } from '../catalog/types.js';
import { renderTask } from '../engine/render.js';
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
}

export const renderCommand: CommandModule<object, Args> = {
  command: 'render',
  describe: "Print what the backend's embedder is sent per item (exact prompt, media, HTTP body), queries then candidates",
  builder: (y) =>
    profileOption(
      dataRootOptions(
        y
          .option('backend', { type: 'string', demandOption: true, describe: 'backend config JSON whose embedder names a "protocol"' })
          .option('task', { type: 'string', demandOption: true }),
      ),
    )
      .option('limit', { type: 'number', coerce: intIn('limit', 1, 1_000_000_000), describe: 'at most N queries and N candidates' })
      .option('out', { type: 'string' }) as never,
  handler: async (args) => {
    const text = await renderTask(loadBackendConfig(args.backend), args.task, {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      profile: args.profile,
      limit: args.limit,
    });
    emit(text, args.out);
  },
};
