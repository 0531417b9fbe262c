/** `dump`: a task's EvalSet as JSONL (queries, then pooled candidates), exactly as scoring sees it. */
import { getTask } from '../catalog/load.js';
import { dumpLines } from '../datasets/dump.js';
import { type LoadOptions, loadEvalSet } from '../datasets/load.js';

export async function dumpTask(
  task: string,
  opts: Pick<LoadOptions, 'dataRoot' | 'hfRoot' | 'version' | 'format' | 'profile'>,
): Promise<string> {
  const { evalSet } = await loadEvalSet(getTask(task), opts);
  return [...dumpLines(evalSet)].map((l) => l + '\n').join('');
}
