import type { CommandModule } from 'yargs';
import { loadCatalog, selectTasks } from '../catalog/load.js';
import type { MmebVersion } from '../catalog/types.js';
import { extractFrames } from '../datasets/extract.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../datasets/readers/data-root.js';
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
    const names = taskNames(args.task);
    const root = new DataRoot(args['data-root']);
    for (const task of selectTasks({ names }, loadCatalog())) {
      const { extractable } = await loadEvalSet(task, {
        dataRoot: root.dir,
        hfRoot: args['hf-root'],
        version: args['mmeb-version'],
        collectProblems: true,
      });
      const unique = [...new Map(extractable.map((e) => [e.frameDir, e])).values()];
      let frames = 0;
      for (const e of unique) frames += extractFrames(root, e.video, e.frameDir, args['max-frames']);
      process.stdout.write(`${task.name}: ${unique.length} folder(s) filled, ${frames} frame(s) written\n`);
    }
  },
};
