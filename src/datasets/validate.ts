import { publishedQueries, type Catalog } from '../catalog/load.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { TteError } from '../errors.js';
import type { DataProblem } from './context.js';
import { loadEvalSet } from './load.js';
import { checkV3Layout } from './v3-layout.js';

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
 * malformed rows (each one: the task is rebuilt without it), and every missing or
 * unreadable media file with the row it came from.
 */
/** Malformed rows reported per task before validate stops rebuilding it (each rebuild re-reads the task). */
export const MAX_ROW_PROBLEMS = 200;

export async function validateTasks(
  tasks: TaskSpec[],
  opts: { dataRoot: string; hfRoot?: string; version: MmebVersion; catalog?: Catalog },
): Promise<TaskValidation[]> {
  const out: TaskValidation[] = [];
  for (const task of tasks) {
    const expectedQueries = publishedQueries(task, opts.version) ?? null;
    // Under v3, first what the task reads from the root's layout: every missing file or folder at once, each
    // with its hint, instead of the first one the adapter stops at.
    const layout = opts.version === 'v3' ? checkV3Layout(opts.dataRoot, task) : [];
    if (layout.some((p) => !p.warning)) {
      out.push({ task: task.name, ok: false, queries: 0, candidates: 0, dataFiles: 0, expectedQueries, problems: layout });
      continue;
    }
    // A malformed row stops an adapter; it is recorded and the task is built again without it, so every
    // bad row (up to MAX_ROW_PROBLEMS) is listed in one pass instead of one per rerun.
    const skipRows = new Set<string>();
    const rowProblems: DataProblem[] = [...layout];
    for (;;) {
      try {
        const { evalSet, problems } = await loadEvalSet(task, { ...opts, collectProblems: true, skipRows });
        const all = [...rowProblems, ...problems];
        out.push({
          task: task.name,
          ok: all.every((p) => p.warning),
          queries: evalSet.queries.length,
          candidates: evalSet.candidates.length,
          dataFiles: new Set(evalSet.dataFiles).size,
          expectedQueries,
          problems: all,
        });
        break;
      } catch (err) {
        if (!(err instanceof TteError)) throw err;
        const { file, row } = err.location;
        const problem = { task: task.name, message: err.detail, location: err.location };
        const key = `${file}#${row}`;
        if (file !== undefined && row !== undefined && !skipRows.has(key) && rowProblems.length < MAX_ROW_PROBLEMS) {
          rowProblems.push(problem);
          skipRows.add(key);
          continue;
        }
        if (rowProblems.length >= MAX_ROW_PROBLEMS) problem.message += ` (stopped after ${MAX_ROW_PROBLEMS} malformed rows)`;
        out.push({
          task: task.name,
          ok: false,
          queries: 0,
          candidates: 0,
          dataFiles: 0,
          expectedQueries,
          problems: [...rowProblems, problem],
        });
        break;
      }
    }
  }
  return out;
}
