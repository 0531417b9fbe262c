/**
 * image_t2i: text query "inst + ' ' + text + '\n'" (the raw image token becomes <|image_pad|>, no other
 * normalisation; VisDial gets one more "\n"), image candidates whose id is the raw tgt_img_path.
 */
import type { Adapter } from './context.js';
import { imageTargets, instructionColumn } from './image_common.js';

export const imageT2iAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const extraNewline = (ctx.task.datasetName ?? ctx.task.name) === 'VisDial';
  const queries = rows.map((r, i) => {
    const candidates = imageTargets(ctx, r, (p) => p, {
      newlineWithoutCaption: true,
      strippedCaptions: ctx.textRule === 'stripped-captions',
    });
    return {
      id: String(i),
      parts: {
        instruction: instructionColumn(ctx, r, 'qry_inst'),
        text: r.str('qry_text'),
        rule: { kind: 't2i-query', extraNewline } as const,
      },
      media: [],
      candidates,
      gold: [candidates[0].id],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};
