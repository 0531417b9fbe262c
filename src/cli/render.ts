import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { getTask } from '../catalog/load.js';
import type { MmebVersion } from '../catalog/types.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../datasets/readers/data-root.js';
import { MediaLoader } from '../tte/media.js';
import { renderEvalSet } from '../engine/render.js';
import { ConfigError } from '../errors.js';
import { dataRootOptions, emit, profileOption } from './io.js';
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
      .option('limit', { type: 'number', describe: 'at most N queries and N candidates' })
      .option('out', { type: 'string' }) as never,
  handler: async (args) => {
    if (args.limit !== undefined && (!Number.isInteger(args.limit) || args.limit < 1))
      throw new ConfigError('--limit must be a positive integer');
    const backend = loadBackendConfig(args.backend);
    const { evalSet } = await loadEvalSet(getTask(args.task), {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      profile: args.profile,
    });
    const loader = new MediaLoader(new DataRoot(args['data-root']), evalSet);
    const lines: string[] = [];
    for await (const l of renderEvalSet(evalSet, backend, loader, { limit: args.limit })) lines.push(JSON.stringify(l) + '\n');
    emit(lines.join(''), args.out);
  },
};
