/**
 * moment_retrieval (QVHighlight, Charades-STA): text + 8 frames of <frame_root>/<video_name>/query;
 * candidates are the other sub-folders of <frame_root>/<video_name>/ (plain files skipped), the one
 * whose name starts with "positive" is the gold (the last, if several). Candidate ids are the clip
 * folders relative to the data root. VLM2Vec walks the folders in os.listdir order, which the file
 * system decides; here they are sorted by code point so runs are reproducible.
 *
 * MMEB-V3 (VLM2Vec 44f991d moment_retrieval_datasets.py:26-87) reads pre-extracted frames only (a missing
 * query or clip folder, an empty one, or no positive clip stops the build, as here) and makes every
 * `positive*` folder a gold: one is written as a single label, several as a list.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Adapter } from './context.js';
import { pyBasename, pySplitext } from '../util/pytext.js';
import type { ItemParts } from '../items/types.js';

export const momentRetrievalAdapter: Adapter = async (ctx) => {
  const rows = ctx.sample(await ctx.rows());
  const targetParts: ItemParts = { instruction: ctx.instruction('target'), text: '', rule: { kind: 'process' } };
  const queries = rows.map((r, i) => {
    const videoName = pySplitext(pyBasename(r.str('video_path')))[0];
    const videoDir = ctx.path('frameRoot', [videoName], r, 'video_path');
    let clipNames: string[] = [];
    try {
      const abs = ctx.root.abs(videoDir);
      clipNames = readdirSync(abs)
        .filter((n) => n !== 'query' && statSync(join(abs, n)).isDirectory())
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch {
      ctx.problem(`missing clip folder ${videoDir}`, { file: r.src.file, row: r.src.index, field: 'video_path' });
    }
    const candidates = clipNames.map((n) => {
      const dir = `${videoDir}/${n}`;
      return { id: dir, parts: targetParts, media: [ctx.frames(dir, { count: ctx.candidateNumFrames }, r, 'video_path')] };
    });
    const positives = clipNames.filter((n) => n.startsWith('positive'));
    if (!positives.length && clipNames.length) {
      ctx.problem(`no clip folder starting with 'positive' in ${videoDir}`, { file: r.src.file, row: r.src.index, field: 'video_path' });
    }
    return {
      id: String(i),
      parts: { instruction: ctx.instruction('query'), text: r.str('query'), rule: { kind: 'process' } } as ItemParts,
      media: [ctx.frames(`${videoDir}/query`, {}, r, 'video_path')],
      candidates,
      gold: !positives.length
        ? []
        : ctx.version === 'v3'
          ? positives.map((n) => `${videoDir}/${n}`)
          : [`${videoDir}/${positives[positives.length - 1]}`],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [], ...(ctx.version === 'v3' ? { labelShape: 'by-count' as const } : {}) };
};
