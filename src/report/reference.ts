/** Published reference rows (results/reference/) rolled up over the tasks of a run, for side-by-side tables. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../catalog/load.js';
import type { MetaTask, Modality, MmebVersion } from '../catalog/types.js';
import { rollUp } from '../metrics/aggregate.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { mainScores, overlayScores, readScoreSource } from './score-files.js';

export const REFERENCE_DIR = join(PACKAGE_ROOT, 'results', 'reference', 'vlm2vec');

export interface ReferenceRow {
  model: string;
  source: string;
  overall: number | null;
  modalities: Record<Modality, number | null>;
  meta: Record<MetaTask, number | null>;
  /** Main metric per task ×100, for the tasks of the run. */
  scores: Record<string, number>;
}

/** The published rows for a benchmark version, averaged over `taskNames` only (×100). */
export function referenceRows(taskNames: string[], version: MmebVersion, dir = REFERENCE_DIR): ReferenceRow[] {
  // the published rows are MMEB-V2's; no MMEB-V3 per-model score files ship in results/reference
  if (version === 'v3') return [];
  const base = join(dir, version === 'v2.0.1' ? 'v2.0.1' : 'v2.0.0');
  if (!existsSync(base)) return [];
  const fixed = join(dir, 'v2.1-baselines-visdoc-page-fixed');
  const tasks = taskNames.map((t) => getTask(t));
  return (
    readdirSync(base)
      .filter((f) => f.endsWith('.json'))
      // VLM2Vec-V2.0 first: it is the reference the paper and the leaderboard compare against
      .sort((a, b) => Number(/V2\.0/.test(b)) - Number(/V2\.0/.test(a)) || (a < b ? -1 : 1))
      .map((f) => {
        let ms = readScoreSource(join(base, f));
        let source = `VLM2Vec ${version === 'v2.0.1' ? 'v2.0.1' : 'v2.0.0'}`;
        if (version === 'v2.1' && existsSync(join(fixed, f))) {
          ms = overlayScores([ms, readScoreSource(`${join(fixed, f)}::ViDoSeek-page,MMLongBench-page`)]);
          source = 'VLM2Vec v2.0.0 + v2.1 page-fixed';
        }
        const main = mainScores(ms, tasks);
        const r = rollUp(main, tasks, { allowPartial: true, scale: 100 });
        return {
          model: ms.model,
          source,
          overall: r.overall,
          modalities: r.modalities,
          meta: r.meta,
          scores: Object.fromEntries([...main].map(([t, v]) => [t, v * 100])),
        };
      })
  );
}
