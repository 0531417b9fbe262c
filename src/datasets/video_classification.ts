/**
 * video_classification (K700, HMDB51, UCF101, Breakfast): "<|video_pad|> " + instruction, 8 frames of
 * <frame_root>/<video_id>; global ranking over the query labels followed by the task's label vocabulary.
 */
import type { Adapter } from './context.js';
import { processInputText } from './text.js';

export const videoClassificationAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const text = processInputText(ctx.instruction('query'), '', { video: true });
  const queries = rows.map((r, i) => {
    const label = r.str('pos_text');
    return {
      id: String(i),
      text,
      media: [ctx.frames(ctx.path('frameRoot', [r.id('video_id')], r, 'video_id'), { video: [`${r.id('video_id')}.mp4`] }, r, 'video_id')],
      candidates: [{ id: label, text: label, media: [] }],
      gold: [label],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: ctx.labels().map((l) => ({ id: l, text: l, media: [] })) };
};
