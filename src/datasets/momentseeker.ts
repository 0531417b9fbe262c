/**
 * momentseeker: the query type follows input_frames — ".mp4" → video query (every frame of
 * video_frames/<input cut at ".mp4", "/" → "_">), ".jpg" → image query (query_<input_frames>), else text
 * only. Candidates are the positive clips then the negatives (every frame, no sampling); gold = all positives.
 */
import type { Adapter, ItemDraft } from './context.js';
import type { RowReader } from './fields.js';
import type { ItemParts, MediaRef } from '../items/types.js';

const clipFolder = (outputPath: string): string => outputPath.split('/').join('_').split('.mp4')[0];

export const momentSeekerAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const targetParts: ItemParts = { instruction: ctx.instruction('target'), text: '', rule: { kind: 'process' } };
  const parts = (instruction: string, text: string): ItemParts => ({ instruction, text, rule: { kind: 'process' } });
  const clips = (r: RowReader, field: string): ItemDraft[] =>
    r.objList(field).map((entry) => {
      const out = entry.output_path;
      if (typeof out !== 'string') throw r.error(field, 'entry without a string output_path');
      const dir = ctx.path('frameRoot', ['video_frames', clipFolder(out)], r, field);
      return { id: dir, parts: targetParts, media: [ctx.frames(dir, { all: true }, r, field)] };
    });
  const queries = rows.map((r, i) => {
    const input = r.str('input_frames');
    const query = r.str('query');
    let text: ItemParts;
    let media: MediaRef[] = [];
    if (input.endsWith('.mp4')) {
      text = parts(ctx.instruction('videoQuery'), query);
      const dir = ctx.path('frameRoot', ['video_frames', input.split('.mp4')[0].split('/').join('_')], r, 'input_frames');
      media = [ctx.frames(dir, { all: true }, r, 'input_frames')];
    } else if (input.endsWith('.jpg')) {
      text = parts(ctx.instruction('imageQuery'), query);
      media = [ctx.image(ctx.path('frameRoot', [`query_${input}`], r, 'input_frames'), r, 'input_frames')];
    } else {
      text = parts(ctx.instruction('textQuery'), query);
    }
    const positives = clips(r, 'positive_frames');
    const negatives = clips(r, 'negative_frames');
    return {
      id: String(i),
      parts: text,
      media,
      candidates: [...positives, ...negatives],
      gold: positives.map((p) => p.id),
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [], labelShape: 'list' };
};
