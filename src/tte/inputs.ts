/**
 * What a backend's models can take (a model config's `modalities`, default all) against what a task's items
 * carry. A text-only embedding server handed an image would either fail mid-run or, worse, embed the text alone
 * and score a different task; so a task whose items carry media a model does not take is refused before any
 * request, naming the first such item.
 */
import type { BackendConfig, InputModality, ModelConfig } from '../backends/config.js';
import { DataError } from '../errors.js';
import type { EvalSet, Item, MediaRef, Query } from '../items/types.js';

/** The input modality of one media reference (a frame list is a video). */
export function mediaModality(m: MediaRef): InputModality {
  return m.kind === 'frames' ? 'video' : (m.kind as InputModality);
}

/** The modalities a model config declares it takes; all when it declares none. */
export function modelModalities(cfg: ModelConfig): readonly InputModality[] | null {
  return (cfg.modalities as InputModality[] | undefined) ?? null;
}

/** The input modalities an EvalSet's items need (text always). */
export function evalSetModalities(evalSet: EvalSet): InputModality[] {
  const seen = new Set<InputModality>(['text']);
  for (const item of [...evalSet.queries, ...evalSet.candidates]) for (const m of item.media) seen.add(mediaModality(m));
  return [...seen];
}

/**
 * Refuse a task whose items carry media that the embedder (or the reasoner, which reads the same items) does not
 * take. A DataError, so `run --keep-going` records the task as failed, names it, and runs the rest.
 */
export function checkBackendInputs(evalSet: EvalSet, backend: Pick<BackendConfig, 'name' | 'embedder' | 'reasoner'>): void {
  const models: [string, ModelConfig][] = [['embedder', backend.embedder]];
  if (backend.reasoner) models.push(['reasoner', backend.reasoner]);
  for (const [role, cfg] of models) {
    const takes = modelModalities(cfg);
    if (!takes) continue;
    const check = (item: Item, side: 'query' | 'candidate') => {
      const m = item.media.find((r) => !takes.includes(mediaModality(r)));
      if (!m) return;
      const source = (item as Query).source;
      throw new DataError(
        `backend ${backend.name}: its ${role} takes ${takes.join(', ')} only (${role}.modalities), but ${side} ${JSON.stringify(item.id)} ` +
          `carries ${mediaModality(m)} (${m.kind === 'frames' ? m.paths[0] : m.path}); this task needs a model that takes ${evalSetModalities(evalSet).join(', ')}`,
        { task: evalSet.task.name, ...(source ? { file: source.file, row: source.row } : {}), field: 'media' },
      );
    };
    for (const q of evalSet.queries) check(q, 'query');
    for (const c of evalSet.candidates) check(c, 'candidate');
  }
}
