import type { CommandModule } from 'yargs';
import type { MmebVersion } from '../catalog/types.js';
import { extractTaskFrames } from '../engine/extract-frames.js';
import { dataRootOptions, intIn, taskNames } from './io.js';

interface Args {
  task: string[];
  'data-root': string;
  'hf-root'?: string;
  'mmeb-version': MmebVersion;
  'max-frames': number;
}

export const extractFramesCommand: CommandModule<object, Args> = {
  command: 'extract-frames',
  describe: 'Opt-in: fill missing or empty frame folders from the raw videos under video_root, with ffmpeg',
  builder: (y) =>
    dataRootOptions(y.option('task', { type: 'string', array: true, demandOption: true })).option('max-frames', {
      type: 'number',
      default: 64,
      coerce: intIn('max-frames', 1, 100_000),
      describe: 'frames kept per video (VLM2Vec: 64)',
    }) as never,
  handler: async (args) => {
    const opts = { dataRoot: args['data-root'], hfRoot: args['hf-root'], version: args['mmeb-version'], maxFrames: args['max-frames'] };
    for await (const r of extractTaskFrames(taskNames(args.task), opts))
      process.stdout.write(`${r.task}: ${r.folders} folder(s) filled, ${r.frames} frame(s) written\n`);
  },
};
