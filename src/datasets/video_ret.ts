/**
 * Text → video retrieval (msrvtt, msvd, didemo, youcook2, vatex). VLM2Vec has five near-identical
 * parsers; here they are one adapter with the per-parser column choices as data. Query =
 * instruction + " " + caption (no trimming); each row's video is a candidate with 8 frames of
 * <frame_root>/<id>; ranking is global over all videos.
 */
import type { ParserFamily } from '../catalog/types.js';
import type { Adapter } from './context.js';
import type { RowReader } from './fields.js';
import { pyBasename, pySplitext } from '../util/pytext.js';
import type { ItemParts } from '../items/types.js';

interface Columns {
  /** The video id (also its frame folder name). */
  id: (r: RowReader) => string;
  /** The column the id comes from, for messages. */
  idField: string;
  caption: (r: RowReader) => string;
  /** The raw video under video_root, for opt-in frame extraction (didemo/youcook2 join only the basename). */
  video: (r: RowReader) => string;
}

const firstOf = (field: string) => (r: RowReader) => r.strList(field, { nonEmpty: true })[0];
/** An id read from one column, named with it. */
const idColumn = (field: string) => ({ id: (r: RowReader) => r.id(field), idField: field });

export const VIDEO_RET_COLUMNS: Partial<Record<ParserFamily, Columns>> = {
  msrvtt: { ...idColumn('video_id'), caption: (r) => r.str('caption'), video: (r) => r.str('video') },
  msvd: { ...idColumn('video_id'), caption: firstOf('caption'), video: (r) => r.str('video') },
  didemo: {
    id: (r) => pySplitext(pyBasename(r.str('video')))[0],
    idField: 'video',
    caption: (r) => r.str('caption'),
    video: (r) => pyBasename(r.str('video')),
  },
  youcook2: { ...idColumn('id'), caption: (r) => r.str('sentence'), video: (r) => pyBasename(r.str('video_path')) },
  vatex: { ...idColumn('videoID'), caption: firstOf('enCap'), video: (r) => `${r.id('videoID')}.mp4` },
};

export const videoRetAdapter: Adapter = async (ctx) => {
  const cols = VIDEO_RET_COLUMNS[ctx.task.parser];
  if (!cols) throw new Error(`video_ret adapter does not handle parser ${ctx.task.parser}`);
  const rows = ctx.sample(await ctx.rows());
  const targetParts: ItemParts = { instruction: ctx.instruction('target'), text: '', rule: { kind: 'process' } };
  const want = ctx.task.numFrames ?? 8;
  const queries = rows.map((r, i) => {
    const id = cols.id(r);
    const dir = ctx.path('frameRoot', [id], r, cols.idField);
    const video = ctx.frames(dir, { video: [cols.video(r)] }, r, cols.idField);
    // VLM2Vec builds each candidate as ImageVideoInstance(bytes=[None] * num_frames, paths=...) and asserts
    // the lengths agree: a video with fewer frames cannot be built there (other profiles sample their own).
    const found = video.kind === 'frames' ? video.paths.length : 0;
    if (ctx.vlm2vecFrameRules && found > 0 && found < want) {
      ctx.problem(`frame folder ${dir} has ${found} frames; VLM2Vec's text-to-video parsers take exactly ${want} per video`, {
        file: r.src.file,
        row: r.src.index,
        field: cols.idField,
      });
    }
    return {
      id: String(i),
      parts: { instruction: ctx.instruction('query'), text: cols.caption(r), rule: { kind: 'process' } } as ItemParts,
      media: [],
      candidates: [{ id, parts: targetParts, media: [video] }],
      gold: [id],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [] };
};
