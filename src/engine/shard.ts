/**
 * Deterministic sharding across machines (Slurm arrays, Kubernetes Indexed Jobs): whole tasks are
 * assigned to shards by longest-processing-time-first on their published query counts, ties broken by
 * catalog order, so every machine computes the same assignment without talking to the others.
 */
import { ConfigError } from '../errors.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';

export interface ShardSpec {
  index: number;
  count: number;
}

/** "i/n" with 0 ≤ i < n (0-based, like JOB_COMPLETION_INDEX; for 1-based Slurm ids pass $((ID-1))). */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(`--shard must look like i/n (got '${text}')`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index >= count) throw new ConfigError(`--shard ${text}: need 0 ≤ i < n`);
  return { index, count };
}

export function assignShards(tasks: TaskSpec[], count: number, version: MmebVersion): TaskSpec[][] {
  const weight = (t: TaskSpec) => t.numQueries?.[version] ?? t.numQueries?.['v2.0.0'] ?? 1000;
  const order = tasks.map((t, i) => ({ t, i })).sort((a, b) => weight(b.t) - weight(a.t) || a.i - b.i);
  const shards: { load: number; tasks: { t: TaskSpec; i: number }[] }[] = Array.from({ length: count }, () => ({ load: 0, tasks: [] }));
  for (const entry of order) {
    const target = shards.reduce((best, s, k) => (s.load < shards[best].load ? k : best), 0);
    shards[target].load += weight(entry.t);
    shards[target].tasks.push(entry);
  }
  return shards.map((s) => s.tasks.sort((a, b) => a.i - b.i).map((e) => e.t));
}

export function shardTasks(tasks: TaskSpec[], shard: ShardSpec, version: MmebVersion): TaskSpec[] {
  return assignShards(tasks, shard.count, version)[shard.index];
}
