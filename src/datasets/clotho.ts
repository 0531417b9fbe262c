/**
 * clotho_text_audio (Clotho): a caption against every audio clip, global, as VLM2Vec builds it in
 * src/data/eval_dataset/clotho_dataset.py (Stars1233/VLM2Vec 44f991d):
 *  - files (`_resolve_clotho_paths`, :45-94): the first existing of clotho_captions_evaluation.csv,
 *    clotho_captions_development.csv, and the first existing folder of evaluation/, clotho/evaluation/,
 *    development/, clotho/development/, under the dataset folder;
 *  - rows (`_expand_clotho_rows`, :18-42): a row whose audio file is missing is skipped (VLM2Vec prints one count;
 *    tte-bench reports each skipped row as a warning); caption_1..caption_5, each a string (pandas NaN skipped),
 *    stripped, is one query;
 *  - query text build_query_text("Clotho", caption) (:119-123); gold = the row's file name (:130);
 *  - the corpus: the distinct file names of the queries, in order (:111-112), text "[AUDIO]", media the file (:134-142).
 */
import { DataError } from '../errors.js';
import { audioDatasetDir, audioQueryParts, pandasCell } from './audio_common.js';
import type { Adapter, ItemDraft, QueryDraft } from './context.js';

const CSV_NAMES = ['clotho_captions_evaluation.csv', 'clotho_captions_development.csv'];
const AUDIO_DIRS = ['evaluation', 'clotho/evaluation', 'development', 'clotho/development'];

export const clothoAdapter: Adapter = async (ctx) => {
  const dir = audioDatasetDir(ctx);
  const where = { task: ctx.task.name };
  const csv = CSV_NAMES.map((n) => `${dir}/${n}`).find((p) => ctx.root.exists(p, where) && !ctx.root.isDir(p));
  const audioDir = AUDIO_DIRS.map((n) => `${dir}/${n}`).find((p) => ctx.root.isDir(p));
  if (!csv) throw new DataError(`Clotho caption CSV not found under ${dir} (tried ${CSV_NAMES.join(', ')})`, where);
  if (!audioDir) throw new DataError(`Clotho audio folder not found under ${dir} (tried ${AUDIO_DIRS.join(', ')})`, where);
  const instruction = ctx.instruction('query');
  const queries: QueryDraft[] = [];
  const files = new Map<string, ItemDraft>();
  for (const r of await ctx.readFiles([csv])) {
    const name = pandasCell(r.src.row.file_name);
    if (name === null) throw r.error('file_name', 'file_name is empty: VLM2Vec fails joining it to the audio folder');
    const audioPath = ctx.root.rel([audioDir, name], { file: r.src.file, row: r.src.index, field: 'file_name' });
    if (!ctx.root.exists(audioPath) || ctx.root.isDir(audioPath)) {
      ctx.warn(`audio file ${audioPath} is missing: the row is skipped, as VLM2Vec skips it`, {
        file: r.src.file,
        row: r.src.index,
        field: 'file_name',
      });
      continue;
    }
    for (let i = 1; i <= 5; i++) {
      const caption = pandasCell(r.src.row[`caption_${i}`]);
      if (caption === null) continue;
      if (!files.has(name)) {
        files.set(name, {
          id: name,
          parts: { instruction: '', text: '[AUDIO]', rule: { kind: 'raw' } },
          media: [ctx.audio(audioPath, undefined, { file: r.src.file, row: r.src.index, field: 'file_name' })],
        });
      }
      queries.push({
        id: String(queries.length),
        parts: audioQueryParts(instruction, caption),
        media: [],
        candidates: [],
        gold: [name],
        relScores: null,
        source: ctx.provenance(r),
      });
    }
  }
  if (!queries.length) throw new DataError(`Clotho has no usable rows (csv ${csv}, audio folder ${audioDir})`, where);
  return { queries: ctx.sample(queries), corpus: [...files.values()] };
};
