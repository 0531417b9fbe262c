/**
 * Tasks scored on another number of queries than the benchmark has: one shard's share, a partial data root,
 * the mini suite, or another version's data. Such a score is not the benchmark's measurement of the task, so
 * the commands that publish or roll up scores name them (and the exports refuse them unless told otherwise).
 */
import { publishedQueries } from '../catalog/load.js';
import { benchmarkOf, type MmebVersion, type TaskSpec } from '../catalog/types.js';
import type { ScoreObject } from '../metrics/ranking.js';

export interface PartialTask {
  task: string;
  /** The score object's num_data. */
  numData: number;
  /** What the benchmark has: the version's count, or every published count when the version is unknown. */
  published: number[];
  version?: MmebVersion;
}

/** The task's count against its version's (or, version unknown, against any published one); null when whole or unrecorded. */
export function partialTask(task: TaskSpec, scores: ScoreObject, version?: MmebVersion): PartialTask | null {
  const numData = scores.num_data;
  if (typeof numData !== 'number') return null;
  const counts = version ? [publishedQueries(task, version)] : Object.values(task.numQueries ?? {});
  const published = [...new Set(counts.filter((n): n is number => n !== undefined))];
  if (!published.length || published.includes(numData)) return null;
  return { task: task.name, numData, published, ...(version ? { version } : {}) };
}

/** `OK-VQA 250 (MMEB-V2 v2.1 has 1000)`. */
export const describePartial = (p: PartialTask) =>
  `${p.task} ${p.numData} (${p.version ? `${benchmarkOf(p.version)} ${p.version}` : 'MMEB-V2'} has ${p.published.join(' or ')})`;

/** The opening every command uses for them. */
export const PARTIAL_LEAD = 'scored on another number of queries than the benchmark has';
