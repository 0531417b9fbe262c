/** `dump`: a task's EvalSet as JSONL (queries, then pooled candidates), exactly as scoring sees it. */
import { catalogFor, getTask } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION } from '../catalog/types.js';
import { dumpLines } from '../datasets/dump.js';
import { type LoadOptions, loadEvalSet } from '../datasets/load.js';

export async function dumpTask(
  task: string,
  opts: Pick<LoadOptions, 'dataRoot' | 'hfRoot' | 'version' | 'format' | 'profile'>,
): Promise<string> {
  // the task is looked up in its version's catalog (MMEB-V3's tasks are only in the v3 one)
  const catalog = catalogFor(opts.version ?? DEFAULT_MMEB_VERSION);
  const { evalSet } = await loadEvalSet(getTask(task, catalog), { ...opts, catalog });
  return [...dumpLines(evalSet)].map((l) => l + '\n').join('');
}
