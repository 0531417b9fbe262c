/** `validate`: whether a downloaded data root holds what the named tasks (default: every scored task) need. */
import { catalogFor } from '../catalog/load.js';
import type { MmebVersion } from '../catalog/types.js';
import { type TaskValidation, validateTasks } from '../datasets/validate.js';
import { describe } from '../errors.js';
import { namedOrScoredTasks } from './task-list.js';

export async function validateDataRoot(
  names: string[],
  opts: { dataRoot: string; hfRoot?: string; version: MmebVersion },
): Promise<TaskValidation[]> {
  const catalog = catalogFor(opts.version);
  return validateTasks(namedOrScoredTasks(names, opts.version), { ...opts, catalog });
}

/** A line per task (and one per problem), then how many tasks are complete. */
export function formatValidation(report: TaskValidation[]): string {
  let out = '';
  for (const r of report) {
    const expected = r.expectedQueries !== null && r.expectedQueries !== r.queries ? ` (published: ${r.expectedQueries})` : '';
    out +=
      `${r.ok ? 'ok  ' : 'FAIL'} ${r.task}: ${r.queries} queries${expected}, ${r.candidates} candidates, ${r.dataFiles} data file(s)` +
      `${r.problems.length ? `, ${r.problems.length} problem(s)` : ''}\n`;
    for (const p of r.problems) {
      out += `     - ${p.warning ? 'warning: ' : ''}${describe(p.message, { ...p.location, task: undefined })}\n`;
      if (p.hint) out += `       hint: ${p.hint}\n`;
    }
  }
  const bad = report.filter((r) => !r.ok).length;
  const problems = report.reduce((n, r) => n + r.problems.filter((p) => !p.warning).length, 0);
  const warnings = report.reduce((n, r) => n + r.problems.filter((p) => p.warning).length, 0);
  return (
    out +
    `${report.length - bad} of ${report.length} task(s) complete${problems ? `; ${problems} problem(s) in ${bad} task(s)` : ''}` +
    `${warnings ? `; ${warnings} warning(s)` : ''}\n`
  );
}
