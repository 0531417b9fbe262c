/**
 * Text → video retrieval (msrvtt, msvd, didemo, youcook2, vatex). VLM2Vec has five near-identical
 * parsers; here they are one adapter with the per-parser column choices as data. Query =
 * instruction + " " + caption (no trimming); each row's video is a candidate with 8 frames of
 * <frame_root>/<id>; ranking is global over all videos.
 */
import type { ParserFamily } from '../catalog/types.js';
import type { Adapter } from './context.js';
import type { RowReader } from './fields.js';
import { pyBasename, pySplitext } from './readers/pytext.js';
import type { ItemParts } from './types.js';

interface Columns {
  /** The video id (also its frame folder name). */
  id: (r: RowReader) => string;
  caption: (r: RowReader) => string;
  /** The raw video under video_root, for opt-in frame extraction. */
  video: (r: RowReader) => string;
}

const firstOf = (field: string) => (r: RowReader) => r.strList(field, { nonEmpty: true })[0];

export const VIDEO_RET_COLUMNS: Partial<Record<ParserFamily, Columns>> = {
  msrvtt: { id: (r) => r.id('video_id'), caption: (r) => r.str('caption'), video: (r) => r.str('video') },
  msvd: { id: (r) => r.id('video_id'), caption: firstOf('caption'), video: (r) => r.str('video') },
  didemo: { id: (r) => pySplitext(pyBasename(r.str('video')))[0], caption: (r) => r.str('caption'), video: (r) => r.str('video') },
  youcook2: { id: (r) => r.id('id'), caption: (r) => r.str('sentence'), video: (r) => r.str('video_path') },
  vatex: { id: (r) => r.id('videoID'), caption: firstOf('enCap'), video: (r) => `${r.id('videoID')}.mp4` },
};

export const videoRetAdapter: Adapter = async (ctx) => {
  const cols = VIDEO_RET_COLUMNS[ctx.task.parser];
  if (!cols) throw new Error(`video_ret adapter does not handle parser ${ctx.task.parser}`);
  const rows = ctx.sample(await ctx.rows());
  const targetParts: ItemParts = { instruction: ctx.instruction('target'), text: '', rule: { kind: 'process' } };
  const queries = rows.map((r, i) => {
    const id = cols.id(r);
    return {
      id: String(i),
      parts: { instruction: ctx.instruction('query'), text: cols.caption(r), rule: { kind: 'process' } } as ItemParts,
      media: [],
      candidates: [{ id, parts: targetParts, media: [ctx.frames(ctx.path('frameRoot', [id], r), { video: [cols.video(r)] }, r)] }],
      gold: [id],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};
