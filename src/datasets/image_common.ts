/** Text rules shared by the MMEB_Test_Instruct image parsers (VLM2Vec src/data/eval_dataset/image_*.py). */
import { rawItem, type Adapter, type AdapterContext, type ItemDraft } from './context.js';
import type { RowReader } from './fields.js';
import { pyStrip } from '../util/pytext.js';
import { RAW_IMAGE_TOKEN } from '../items/tokens.js';
import type { ItemParts, MediaRef } from '../items/types.js';

/**
 * Query with an image: the raw token is dropped, the string built, every " 
" collapsed, and only then
 * "
" appended (so a trailing space of the text survives). image_qa / image_i2i_vg first rewrite the
 * instruction as "
" + inst.strip() (rule `image-query`, rendered by items/vlm2vec.ts).
 */
export function imageQueryParts(qryInst: string, qryText: string, { qaStyle }: { qaStyle: boolean }): ItemParts {
  return { instruction: qryInst, text: qryText, rule: { kind: 'image-query', qaStyle } };
}

/**
 * An instruction column (qry_inst, tgt_inst). MMEB-V3's image parsers (VLM2Vec 44f991d, e.g.
 * image_cls_dataset.py:17-18, image_t2i_eval.py:18-20) take "" for every row when the column is absent from the
 * local image-query files; MMEB-V2's read it by name, so there a missing column is an error.
 */
export function instructionColumn(ctx: AdapterContext, r: RowReader, field: 'qry_inst' | 'tgt_inst'): string {
  return ctx.version === 'v3' && !r.has(field) ? '' : r.str(field);
}

/**
 * Query image under image-tasks/. Every query of these parsers carries an image token, and VLM2Vec joins
 * image_root with the path whatever it is: an empty path names the folder itself, which it cannot open.
 */
export function queryImage(ctx: AdapterContext, r: RowReader): MediaRef[] {
  const p = r.str('qry_img_path');
  if (!p) {
    ctx.problem('empty image path', { file: r.src.file, row: r.src.index, field: 'qry_img_path' });
    return [];
  }
  return [ctx.image(ctx.path('imageRoot', [p], r, 'qry_img_path'), r, 'qry_img_path')];
}

/**
 * Image targets (t2i, i2i_vg): the caption branch is chosen by tgt_text[0].strip() alone. With captions,
 * each target is "<|image_pad|> " + inst + " " + caption, collapsed, + "\n"; without, every target gets
 * the instruction-only text, + "\n" for t2i but not for i2i_vg. With `strippedCaptions` (an eval profile's
 * `stripped-captions` rule, Qwen3-VL-Embedding image_t2i_eval.py:40-41) each target's text is its own caption,
 * stripped, or empty when that is blank.
 */
export function imageTargets(
  ctx: AdapterContext,
  r: RowReader,
  idOf: (path: string, caption: string) => string,
  { newlineWithoutCaption, strippedCaptions = false }: { newlineWithoutCaption: boolean; strippedCaptions?: boolean },
): ItemDraft[] {
  const captions = r.strList('tgt_text', { nonEmpty: true });
  const paths = r.strList('tgt_img_path', { nonEmpty: true });
  if (captions.length !== paths.length) {
    throw r.error('tgt_text', `has ${captions.length} entries but tgt_img_path has ${paths.length}`);
  }
  const inst = instructionColumn(ctx, r, 'tgt_inst').split(RAW_IMAGE_TOKEN).join('');
  const withCaptions = pyStrip(captions[0]) !== '';
  return paths.map((p, i) => ({
    id: idOf(p, captions[i]),
    parts: {
      instruction: inst,
      text: strippedCaptions ? pyStrip(captions[i]) : withCaptions ? captions[i] : '',
      rule: { kind: 'image-target', caption: withCaptions, newline: withCaptions || newlineWithoutCaption },
    },
    media: [ctx.image(ctx.path('imageRoot', [p], r, 'tgt_img_path'), r, 'tgt_img_path')],
  }));
}

/**
 * image_cls / image_i2t (qaStyle false) and image_qa (qaStyle true): image (+ text) query, text candidates
 * whose id is the text itself; gold = tgt_text[0].
 */
export function textCandidatesAdapter({ qaStyle }: { qaStyle: boolean }): Adapter {
  return async (ctx) => {
    const rows = ctx.sample(await ctx.rows());
    const queries = rows.map((r, i) => {
      const targets = r.strList('tgt_text', { nonEmpty: true });
      return {
        id: String(i),
        parts: imageQueryParts(instructionColumn(ctx, r, 'qry_inst'), r.text('qry_text'), { qaStyle }),
        media: queryImage(ctx, r),
        candidates: targets.map((t) => rawItem(t)),
        gold: [targets[0]],
        relScores: null,
        source: ctx.provenance(r),
      };
    });
    return { queries, corpus: [] };
  };
}
