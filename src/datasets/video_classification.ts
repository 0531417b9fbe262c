/**
 * video_classification (K700, HMDB51, UCF101, Breakfast): "<|video_pad|> " + instruction, 8 frames of
 * <frame_root>/<video_id>; global ranking over the query labels followed by the task's label vocabulary.
 */
import { rawItem, type Adapter } from './context.js';
import type { ItemParts } from '../items/types.js';

export const videoClassificationAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const parts: ItemParts = { instruction: ctx.instruction('query'), text: '', rule: { kind: 'process' } };
  const queries = rows.map((r, i) => {
    const label = r.str('pos_text');
    return {
      id: String(i),
      parts,
      media: [ctx.frames(ctx.path('frameRoot', [r.id('video_id')], r, 'video_id'), { video: [`${r.id('video_id')}.mp4`] }, r, 'video_id')],
      candidates: [rawItem(label)],
      gold: [label],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: ctx.labels().map((l) => rawItem(l)) };
};
