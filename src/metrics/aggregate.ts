/**
 * Leaderboard roll-up, as VLM2Vec's report_score_v2.py and the MMEB leaderboard compute it: every
 * average is a plain mean over *tasks* (overall = mean of all 78 task scores, not of the three
 * modality means; a modality or meta-task column = mean of its tasks). Scores are fractions; the ×100
 * happens only when presenting.
 */
import type { MetaTask, Modality, TaskSpec } from '../catalog/types.js';
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { npMean } from './numeric.js';

export interface RollUp {
  /** Number of scored tasks with a score. */
  tasks: number;
  missing: string[];
  overall: number | null;
  modalities: Record<Modality, number | null>;
  meta: Record<MetaTask, number | null>;
}

/**
 * @param taskScores main-metric score per task name (fractions in 0–1)
 * @param allTasks the tasks to roll up (the 78 MMEB-V2 tasks for the leaderboard); unscored ones are skipped
 * @param allowPartial average over the tasks present instead of reporting null where any is missing
 * @param scale 100 to present percentages
 */
export function rollUp(
  taskScores: Map<string, number>,
  allTasks: TaskSpec[],
  { allowPartial = false, scale = 1 }: { allowPartial?: boolean; scale?: number } = {},
): RollUp {
  // The columns are means over the leaderboard's tasks: a task the catalog marks unscored (the English-only
  // ViDoRe-V2 variants, which share VD-V2 with the scored multilingual ones) is in no roll-up, even when a run
  // or a folder of VLM2Vec eval output holds its score (report_score_v2.py's modality2dataset leaves it out).
  const tasks = allTasks.filter((t) => t.scored);
  const missing = tasks.filter((t) => !taskScores.has(t.name)).map((t) => t.name);
  const mean = (group: TaskSpec[]): number | null => {
    const present = group.filter((t) => taskScores.has(t.name));
    if (!present.length) return null;
    if (present.length < group.length && !allowPartial) return null;
    return npMean(present.map((t) => taskScores.get(t.name) as number)) * scale;
  };
  const modalities = Object.fromEntries(MODALITIES.map((m) => [m, mean(tasks.filter((t) => t.modality === m))])) as Record<
    Modality,
    number | null
  >;
  const meta = Object.fromEntries(ALL_META_TASKS.map((m) => [m, mean(tasks.filter((t) => t.meta === m))])) as Record<
    MetaTask,
    number | null
  >;
  return { tasks: tasks.length - missing.length, missing, overall: mean(tasks), modalities, meta };
}
