/** ssv2 (SmthSmthV2): like video classification, but ranked locally over the row's own neg_text list. */
import { rawItem, type Adapter } from './context.js';
import type { ItemParts } from '../items/types.js';

export const ssv2Adapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const parts: ItemParts = { instruction: ctx.instruction('query'), text: '', rule: { kind: 'process' } };
  const queries = rows.map((r, i) => ({
    id: String(i),
    parts,
    media: [ctx.frames(ctx.path('frameRoot', [r.id('video_id')], r, 'video_id'), { video: [`${r.id('video_id')}.mp4`] }, r, 'video_id')],
    candidates: r.strList('neg_text', { nonEmpty: true }).map((t) => rawItem(t)),
    gold: [r.str('pos_text')],
    relScores: null,
    source: ctx.provenance(r),
  }));
  return { queries, corpus: [] };
};
