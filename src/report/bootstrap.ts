/**
 * Paired bootstrap over queries: resample query indices with replacement (the same indices for both
 * systems) and take the 2.5th and 97.5th percentiles of the mean difference. Seeded, so a report is
 * reproducible; the seed of each task is derived from the run seed and the task name.
 */

import { seededRandom } from '../util/random.js';

export { seededRandom };

export function seedFor(base: number, name: string): number {
  let h = 0x811c9dc5 ^ base;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function percentile(sorted: number[], p: number): number {
  const idx = (sorted.length - 1) * p;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (idx - lo);
}

export interface DeltaCI {
  delta: number;
  low: number;
  high: number;
  /** The interval excludes 0. */
  significant: boolean;
}

/**
 * CI of mean(b - a) over paired per-query values; with several tasks (groups), each resample draws queries
 * within each task and averages the task means (the meta-task / modality mean is a mean over tasks).
 */
export function pairedBootstrap(groups: { a: number[]; b: number[] }[], { resamples = 1000, seed = 0, level = 0.95 } = {}): DeltaCI {
  // zero resamples would leave no percentile to take (NaN bounds); a level outside (0, 1) has no tails
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  for (const g of groups)
    if (g.a.length !== g.b.length) throw new RangeError(`paired lists differ in length (${g.a.length} vs ${g.b.length})`);
  const diffs = groups.map((g) => g.a.map((x, i) => g.b[i] - x));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const delta = mean(diffs.map(mean));
  const rnd = seededRandom(seed);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const taskMeans = diffs.map((d) => {
      if (!d.length) return 0;
      let s = 0;
      for (let i = 0; i < d.length; i++) s += d[Math.floor(rnd() * d.length)];
      return s / d.length;
    });
    stats.push(mean(taskMeans));
  }
  stats.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  const low = percentile(stats, tail);
  const high = percentile(stats, 1 - tail);
  return { delta, low, high, significant: low > 0 || high < 0 };
}
