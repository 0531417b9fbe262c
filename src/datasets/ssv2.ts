/** ssv2 (SmthSmthV2): like video classification, but ranked locally over the row's own neg_text list. */
import type { Adapter } from './context.js';
import { processInputText } from './text.js';

export const ssv2Adapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const text = processInputText(ctx.instruction('query'), '', { video: true });
  const queries = rows.map((r, i) => ({
    id: String(i),
    text,
    media: [ctx.frames(ctx.path('frameRoot', [r.id('video_id')], r, 'video_id'), { video: [`${r.id('video_id')}.mp4`] }, r, 'video_id')],
    candidates: r.strList('neg_text', { nonEmpty: true }).map((t) => ({ id: t, text: t, media: [] })),
    gold: [r.str('pos_text')],
    relScores: null,
    source: ctx.provenance(r),
  }));
  return { queries, corpus: [] };
};
