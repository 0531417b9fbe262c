import type { Catalog } from '../catalog/load.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { TteError } from '../errors.js';
import type { DataProblem } from './context.js';
import { loadEvalSet } from './load.js';

export interface TaskValidation {
  task: string;
  ok: boolean;
  queries: number;
  candidates: number;
  dataFiles: number;
  /** Expected number of queries for this benchmark version, when published. */
  expectedQueries: number | null;
  problems: DataProblem[];
}

/**
 * Build each task's EvalSet without running a model and list every problem: missing snapshots,
 * malformed rows (the first per task, since a broken row stops the parser), and every missing or
 * unreadable media file with the row it came from.
 */
export async function validateTasks(
  tasks: TaskSpec[],
  opts: { dataRoot: string; hfRoot?: string; version: MmebVersion; catalog?: Catalog },
): Promise<TaskValidation[]> {
  const out: TaskValidation[] = [];
  for (const task of tasks) {
    const expectedQueries = task.numQueries?.[opts.version] ?? null;
    try {
      const { evalSet, problems } = await loadEvalSet(task, { ...opts, collectProblems: true });
      out.push({
        task: task.name,
        ok: problems.length === 0,
        queries: evalSet.queries.length,
        candidates: evalSet.candidates.length,
        dataFiles: new Set(evalSet.dataFiles).size,
        expectedQueries,
        problems,
      });
    } catch (err) {
      if (!(err instanceof TteError)) throw err;
      out.push({
        task: task.name,
        ok: false,
        queries: 0,
        candidates: 0,
        dataFiles: 0,
        expectedQueries,
        problems: [{ task: task.name, message: err.message, location: err.location }],
      });
    }
  }
  return out;
}
