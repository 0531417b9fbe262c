import { formatScore } from './format.js';
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { loadCatalog, scoredTasks } from '../catalog/load.js';
import { rollUp, type RollUp } from '../metrics/aggregate.js';
import { describePartial, PARTIAL_LEAD, partialTask, type PartialTask } from './partial-tasks.js';
import { mainScores, overlayScores, readScoreSource, type ModelScores } from './score-files.js';

/** A model's roll-up over the 78 scored tasks (×100), with the per-task scores and where they came from. */
export interface LeaderboardRow extends RollUp {
  model: string;
  /** Per-task main metric ×100. */
  scores: Record<string, number>;
  sources: string[];
  /** Keys in the sources that name no catalog task. */
  extra: string[];
  /**
   * Tasks scored on another number of queries (num_data) than the benchmark has: against the version a run
   * folder records, else against every published count (a plain score file does not say its version).
   */
  partial: PartialTask[];
}

export interface LeaderboardOptions {
  overlay?: boolean;
  allowPartial?: boolean;
}

/**
 * One row per model. Without overlay every source is its own row; with overlay the sources of one
 * model (by name) are merged in the order given, later tasks replacing earlier ones.
 */
export function buildLeaderboard(paths: string[], opts: LeaderboardOptions = {}): LeaderboardRow[] {
  const sources = paths.map(readScoreSource);
  let groups: ModelScores[];
  if (opts.overlay) {
    const byModel = new Map<string, ModelScores[]>();
    for (const s of sources) byModel.set(s.model, [...(byModel.get(s.model) ?? []), s]);
    groups = [...byModel.values()].map(overlayScores);
  } else {
    groups = sources;
  }
  const tasks = scoredTasks(loadCatalog());
  return groups.map((g) => {
    const main = mainScores(g, tasks);
    const r = rollUp(main, tasks, { allowPartial: opts.allowPartial, scale: 100 });
    const partial = tasks.flatMap((t) => {
      const scores = g.scores.get(t.name);
      const p = scores ? partialTask(t, scores, g.version) : null;
      return p ? [p] : [];
    });
    return {
      model: g.model,
      tasks: r.tasks,
      missing: r.missing,
      overall: r.overall,
      modalities: r.modalities,
      meta: r.meta,
      scores: Object.fromEntries([...main].map(([t, v]) => [t, v * 100])),
      sources: g.sources,
      extra: g.extra,
      partial,
    };
  });
}

const fmt = formatScore;

/** A fixed-width text table: model, overall, modalities, the 12 meta-tasks, task count. */
export function formatLeaderboard(rows: LeaderboardRow[]): string {
  const header = ['Model', 'Overall', 'Image', 'Video', 'VisDoc', ...ALL_META_TASKS, 'Tasks'];
  const body = rows.map((r) => [
    r.model,
    fmt(r.overall),
    ...MODALITIES.map((m) => fmt(r.modalities[m])),
    ...ALL_META_TASKS.map((m) => fmt(r.meta[m])),
    `${r.tasks}/${r.tasks + r.missing.length}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  for (const r of rows) {
    if (r.missing.length) out.push(`${r.model}: missing ${r.missing.length} task(s): ${r.missing.join(', ')}`);
    if (r.partial?.length)
      out.push(`${r.model}: ${r.partial.length} task(s) ${PARTIAL_LEAD}: ${r.partial.map(describePartial).join(', ')}`);
  }
  return out.join('\n') + '\n';
}
