import { formatScore } from './format.js';
import { ALL_META_TASKS, MODALITIES, V3_MODALITIES, type MmebVersion } from '../catalog/types.js';
import { catalogFor, loadCatalog, scoredTasks } from '../catalog/load.js';
import { rollUp, type RollUp } from '../metrics/aggregate.js';
import { describePartial, PARTIAL_LEAD, partialTask, type PartialTask } from './partial-tasks.js';
import { mainScores, overlayScores, readScoreSources, type ModelScores } from './score-files.js';

/** A model's roll-up over the benchmark's scored tasks (MMEB-V2's 78, MMEB-V3's 190; ×100), with the per-task scores and where they came from. */
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
  /**
   * Roll up over MMEB-V3's 190 tasks ('v3'). Without it the table is V3's when any source is (a V3 report or
   * score folder, a V3 run folder, the maintainers' CSVs), else MMEB-V2's.
   */
  version?: MmebVersion;
}

/**
 * One row per model. Without overlay every source is its own row; with overlay the sources of one
 * model (by name) are merged in the order given, later tasks replacing earlier ones.
 */
export function buildLeaderboard(paths: string[], opts: LeaderboardOptions = {}): LeaderboardRow[] {
  const sources = paths.flatMap(readScoreSources);
  let groups: ModelScores[];
  if (opts.overlay) {
    const byModel = new Map<string, ModelScores[]>();
    for (const s of sources) byModel.set(s.model, [...(byModel.get(s.model) ?? []), s]);
    groups = [...byModel.values()].map(overlayScores);
  } else {
    groups = sources;
  }
  const v3 = opts.version === 'v3' || sources.some((s) => s.version === 'v3');
  const tasks = scoredTasks(v3 ? catalogFor('v3') : loadCatalog());
  return groups.map((g) => {
    const main = mainScores(g, tasks);
    const r = rollUp(main, tasks, { allowPartial: opts.allowPartial, scale: 100, ...(v3 ? { version: 'v3' as const } : {}) });
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

/** Column headers of the groups. */
const GROUP_HEADERS: Record<string, string> = {
  image: 'Image',
  video: 'Video',
  visdoc: 'VisDoc',
  audio: 'Audio',
  text: 'Text',
  tool: 'Tool',
  gui: 'GUI',
  memory: 'Memory',
  agent: 'Agent',
};

/**
 * A fixed-width text table. MMEB-V2: model, overall, modalities, the 12 meta-tasks, task count. MMEB-V3 (rows
 * with an agent mean): model, overall, the eight groups, agent, task count.
 */
export function formatLeaderboard(rows: LeaderboardRow[]): string {
  const v3 = rows.some((r) => r.modalities.agent !== undefined);
  const groups = v3 ? [...V3_MODALITIES, 'agent' as const] : MODALITIES;
  const metas = v3 ? [] : ALL_META_TASKS;
  const header = ['Model', 'Overall', ...groups.map((m) => GROUP_HEADERS[m]), ...metas, 'Tasks'];
  const body = rows.map((r) => [
    r.model,
    fmt(r.overall),
    ...groups.map((m) => fmt(r.modalities[m] ?? null)),
    ...metas.map((m) => fmt(r.meta[m])),
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
