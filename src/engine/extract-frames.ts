/** `extract-frames`: fill the missing or empty frame folders of tasks from the raw videos, with ffmpeg (opt-in). */
import { catalogFor, selectTasks } from '../catalog/load.js';
import type { MmebVersion } from '../catalog/types.js';
import { extractFrames, extractionRule } from '../datasets/extract.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../datasets/readers/data-root.js';

export interface TaskFrames {
  task: string;
  /** Frame folders filled. */
  folders: number;
  /** Frames written into them. */
  frames: number;
}

/** Task by task (yielded as each one is done), every frame folder its EvalSet needs but lacks, filled once. */
export async function* extractTaskFrames(
  names: string[],
  opts: { dataRoot: string; hfRoot?: string; version: MmebVersion; maxFrames: number },
): AsyncGenerator<TaskFrames> {
  const root = new DataRoot(opts.dataRoot);
  for (const task of selectTasks({ names }, catalogFor(opts.version))) {
    const { extractable } = await loadEvalSet(task, {
      dataRoot: root.dir,
      hfRoot: opts.hfRoot,
      version: opts.version,
      collectProblems: true,
    });
    const unique = [...new Map(extractable.map((e) => [e.frameDir, e])).values()];
    let frames = 0;
    for (const e of unique) frames += extractFrames(root, e.video, e.frameDir, opts.maxFrames, extractionRule(task.parser));
    yield { task: task.name, folders: unique.length, frames };
  }
}
