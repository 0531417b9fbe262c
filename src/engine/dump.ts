/** `dump`: a task's EvalSet as JSONL (queries, then pooled candidates), exactly as scoring sees it. */
import { catalogFor, getTask } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION } from '../catalog/types.js';
import { dumpLines } from '../datasets/dump.js';
import { type LoadOptions, loadEvalSet } from '../datasets/load.js';

export async function dumpTask(
  task: string,
  opts: Pick<LoadOptions, 'dataRoot' | 'hfRoot' | 'version' | 'format' | 'profile'>,
): Promise<string> {
  const { evalSet } = await loadEvalSet(getTask(task, catalogFor(opts.version ?? DEFAULT_MMEB_VERSION)), opts);
  return [...dumpLines(evalSet)].map((l) => l + '\n').join('');
}
