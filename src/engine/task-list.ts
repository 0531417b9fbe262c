/** The task catalog as a user sees it: which tasks a command takes, and the `tasks` listing. */
import { catalogFor, scoredTasks, selectTasks, type TaskFilter } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, type MmebVersion, type TaskSpec } from '../catalog/types.js';

/** The named tasks, or every scored task when none is named, from the catalog of a benchmark version. */
export function namedOrScoredTasks(names: string[], version: MmebVersion = DEFAULT_MMEB_VERSION): TaskSpec[] {
  const catalog = catalogFor(version);
  return names.length ? selectTasks({ names }, catalog) : scoredTasks(catalog);
}

/** Catalog tasks of a modality and/or meta-task, the unscored variants included, in catalog order. */
export function listTasks(filter: Pick<TaskFilter, 'modality' | 'meta'> = {}, version: MmebVersion = DEFAULT_MMEB_VERSION): TaskSpec[] {
  return selectTasks({ modality: filter.modality, meta: filter.meta, includeUnscored: true }, catalogFor(version));
}

/** What `tasks --json` prints per task. */
export function taskListRows(tasks: TaskSpec[]): Pick<TaskSpec, 'name' | 'modality' | 'meta' | 'metric' | 'mode' | 'parser' | 'scored'>[] {
  return tasks.map((t) => ({
    name: t.name,
    modality: t.modality,
    meta: t.meta,
    metric: t.metric,
    mode: t.mode,
    parser: t.parser,
    scored: t.scored,
  }));
}

/** One aligned line per task, then the count of scored and unscored tasks. */
export function formatTaskList(tasks: TaskSpec[]): string {
  const rows = tasks.map((t) => [t.name, t.modality, t.meta, t.metric, t.mode, t.parser, t.scored ? '' : 'unscored']);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  const lines = rows.map(
    (r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd() + '\n',
  );
  return lines.join('') + `${tasks.filter((t) => t.scored).length} scored task(s), ${tasks.filter((t) => !t.scored).length} unscored\n`;
}
