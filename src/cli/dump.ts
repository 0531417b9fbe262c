import type { CommandModule } from 'yargs';
import type { MmebVersion } from '../catalog/types.js';
import { dumpTask } from '../engine/dump.js';
import type { TextFormat } from '../items/types.js';
import { dataRootOptions, emit, profileOption } from './io.js';
import type { EvalProfileName } from '../catalog/profiles.js';

interface Args {
  task: string;
  'data-root': string;
  'hf-root'?: string;
  'mmeb-version': MmebVersion;
  format: TextFormat;
  profile: EvalProfileName;
  out?: string;
}

export const dumpCommand: CommandModule<object, Args> = {
  command: 'dump',
  describe: "Print a task's EvalSet (queries, then pooled candidates) as JSONL, exactly as scoring sees it",
  builder: (y) =>
    profileOption(dataRootOptions(y.option('task', { type: 'string', demandOption: true })))
      .option('format', {
        choices: ['qwen2-vl', 'plain'] as const,
        default: 'qwen2-vl' as const,
        describe: "qwen2-vl: VLM2Vec's strings with <|image_pad|>/<|video_pad|>; plain: without placeholders",
      })
      .option('out', { type: 'string' }) as never,
  handler: async (args) => {
    const text = await dumpTask(args.task, {
      dataRoot: args['data-root'],
      hfRoot: args['hf-root'],
      version: args['mmeb-version'],
      format: args.format,
      profile: args.profile,
    });
    emit(text, args.out);
  },
};
