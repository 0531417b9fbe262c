import { loadCatalog, scoredTasks, selectTasks } from '../catalog/load.js';
import type { TaskSpec } from '../catalog/types.js';
import { writeFileAtomic } from '../util/json.js';

/** Print to stdout, or write atomically to --out when given. */
export function emit(text: string, out?: string): void {
  if (out) writeFileAtomic(out, text);
  else process.stdout.write(text);
}

/** Task names from a repeatable and/or comma-separated option (`--task A,B --task C`). */
export function taskNames(values: string | string[] | undefined): string[] {
  return (Array.isArray(values) ? values : values ? [values] : []).flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
}

/** The named tasks, or every scored task when none is named. */
export function namedOrScoredTasks(values: string | string[] | undefined): TaskSpec[] {
  const names = taskNames(values);
  const catalog = loadCatalog();
  return names.length ? selectTasks({ names }, catalog) : scoredTasks(catalog);
}
