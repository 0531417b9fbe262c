/**
 * Leaderboard roll-up, as VLM2Vec's report_score_v2.py and the MMEB leaderboard compute it: every
 * average is a plain mean over *tasks* (overall = mean of all 78 task scores, not of the three
 * modality means; a modality or meta-task column = mean of its tasks). Scores are fractions; the ×100
 * happens only when presenting.
 */
import type { MetaTask, MmebVersion, Modality, TaskSpec } from '../catalog/types.js';
import { AGENT_MODALITIES, metaTasksOf, modalitiesOf } from '../catalog/types.js';
import { npMean } from './numeric.js';

export interface RollUp {
  /** Number of scored tasks with a score. */
  tasks: number;
  missing: string[];
  overall: number | null;
  /** One mean per group of the version (V2: image, video, visdoc; V3: its eight groups, then agent). */
  modalities: GroupMeans;
  meta: Record<MetaTask, number | null>;
}

/**
 * The group means. MMEB-V3 adds `agent`, the mean over the tool, gui and memory tasks together (a mean over
 * tasks like every column, not of the three group means; VLM2Vec report_score_v3.py's commented-out merge of
 * the three groups into one, Stars1233/VLM2Vec 44f991d). V2 roll-ups have no agent key.
 */
export type GroupMeans = Record<Modality, number | null> & { agent?: number | null };

/**
 * @param taskScores main-metric score per task name (fractions in 0–1)
 * @param allTasks the tasks to roll up (the 78 MMEB-V2 tasks for the leaderboard); unscored ones are skipped
 * @param allowPartial average over the tasks present instead of reporting null where any is missing
 * @param scale 100 to present percentages
 * @param version which benchmark's columns (default MMEB-V2's): under v3 the eight groups, agent and V3's meta-tasks
 */
export function rollUp(
  taskScores: Map<string, number>,
  allTasks: TaskSpec[],
  { allowPartial = false, scale = 1, version }: { allowPartial?: boolean; scale?: number; version?: MmebVersion } = {},
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
  // V2's columns unless the roll-up is V3's (any V2 version gives the same three groups and twelve meta-tasks)
  const v3 = version === 'v3';
  const groups = modalitiesOf(v3 ? 'v3' : 'v2.1');
  const modalities = Object.fromEntries(groups.map((m) => [m, mean(tasks.filter((t) => t.modality === m))])) as GroupMeans;
  if (v3) modalities.agent = mean(tasks.filter((t) => AGENT_MODALITIES.includes(t.modality)));
  const meta = Object.fromEntries(metaTasksOf(v3 ? 'v3' : 'v2.1').map((m) => [m, mean(tasks.filter((t) => t.meta === m))])) as Record<
    MetaTask,
    number | null
  >;
  return { tasks: tasks.length - missing.length, missing, overall: mean(tasks), modalities, meta };
}
