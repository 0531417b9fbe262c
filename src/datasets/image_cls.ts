/** image_cls and image_i2t: image (+ text) query, text candidates whose id is the text; gold = tgt_text[0]. */
import type { Adapter } from './context.js';
import { imageQueryText, queryImage } from './image_common.js';

export const imageClsAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const queries = rows.map((r, i) => {
    const targets = r.strList('tgt_text', { nonEmpty: true });
    return {
      id: String(i),
      text: imageQueryText(r.str('qry_inst'), r.str('qry_text'), { qaStyle: false }),
      media: queryImage(ctx, r),
      candidates: targets.map((t) => ({ id: t, text: t, media: [] })),
      gold: [targets[0]],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};
