/**
 * image_i2i_vg (CIRR, NIGHTS, FashionIQ, OVEN, the grounding tasks): QA-style image query, image
 * candidates with id `path + ":" + caption.strip('"')` (RefCOCO-Matching has several objects per image);
 * texts keep the quotes; the caption-less branch has no trailing "\n".
 */
import type { Adapter } from './context.js';
import { imageQueryParts, imageTargets, instructionColumn, queryImage } from './image_common.js';
import { pyStrip } from '../util/pytext.js';

export const imageI2iVgAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const queries = rows.map((r, i) => {
    const candidates = imageTargets(ctx, r, (p, cap) => `${p}:${pyStrip(cap, '"')}`, { newlineWithoutCaption: false });
    return {
      id: String(i),
      parts: imageQueryParts(instructionColumn(ctx, r, 'qry_inst'), r.text('qry_text'), { qaStyle: true }),
      media: queryImage(ctx, r),
      candidates,
      gold: [candidates[0].id],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};
