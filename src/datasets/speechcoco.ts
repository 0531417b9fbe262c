/**
 * audio_ret_speechcoco (SpeechCOCO): a spoken caption against every image, global, as VLM2Vec builds it in
 * src/data/eval_dataset/speechcoco_retrieval_dataset.py (Stars1233/VLM2Vec 44f991d):
 *  - eval_type must be global (:255-264);
 *  - files (`_find_local_parquet_files`, :53-62): sorted(set(*query*.parquet, eval/*query*.parquet, query/*.parquet))
 *    under the dataset folder, likewise for corpus;
 *  - query: the audio struct {path, bytes}, else audio_path/path + audio_bytes (:20-25); text = the instruction
 *    alone (:222); gold = str(image_id or image or image_name or id) (:211-214), which must be a corpus id
 *    (:216-218, an error); id = query-id or id (:220);
 *  - candidates: every corpus row, id str(corpus-id or id) (:174-177), the image's bytes (missing bytes are an error,
 *    :28-37), text process_input_text("Understand the content of the provided image.", add_image_token=True)
 *    (:166-170). The image is held as bytes: registered under `<parquet>#<row>/image[/<struct path name>]`.
 */
import { readdirSync } from 'node:fs';
import { DataError } from '../errors.js';
import { type AudioObject, audioDatasetDir, audioMedia, audioQueryParts, pyCellStr, structOf, truthy } from './audio_common.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import { pyBasename } from '../util/pytext.js';

export const SPEECHCOCO_TARGET_INSTRUCTION = 'Understand the content of the provided image.';

function findParquet(ctx: AdapterContext, dir: string, kind: string): string[] {
  const list = (d: string, match: (f: string) => boolean): string[] =>
    ctx.root.isDir(d)
      ? readdirSync(ctx.root.abs(d))
          .filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && match(f))
          .map((f) => `${d}/${f}`)
      : [];
  const files = [
    ...list(dir, (f) => f.includes(kind)),
    ...list(`${dir}/eval`, (f) => f.includes(kind)),
    ...list(`${dir}/${kind}`, () => true),
  ];
  // sorted(set(...)) of the absolute paths: the same order as of the root-relative ones
  return [...new Set(files)].sort();
}

/** The first truthy value of `keys` (Python's `a or b or c`), else the last one's value. */
function orChain(row: Record<string, unknown>, keys: string[]): unknown {
  let v: unknown = null;
  for (const k of keys) {
    v = row[k] ?? null;
    if (truthy(v)) return v;
  }
  return v;
}

export const speechCocoAdapter: Adapter = async (ctx) => {
  const where = { task: ctx.task.name };
  if (ctx.task.mode !== 'global')
    throw new DataError('SpeechCOCO must be evaluated globally (eval_type: global), as VLM2Vec requires', where);
  const dir = audioDatasetDir(ctx);
  const queryFiles = findParquet(ctx, dir, 'query');
  const corpusFiles = findParquet(ctx, dir, 'corpus');
  if (!queryFiles.length || !corpusFiles.length) {
    throw new DataError(
      `SpeechCOCO parquet files incomplete under ${dir}: ${queryFiles.length} query, ${corpusFiles.length} corpus`,
      where,
    );
  }
  const queryRows = ctx.sample(await ctx.readFiles(queryFiles)); // read first, as _load_speechcoco_local does (:75-76)
  const corpusRows = await ctx.readFiles(corpusFiles);
  const idColumn = corpusRows.length && corpusRows[0].has('corpus-id') ? 'corpus-id' : 'id';
  const corpusIds = new Set<string>();
  const corpus: ItemDraft[] = corpusRows.map((r) => {
    const cid = orChain(r.src.row, ['corpus-id', 'id']);
    if (cid === null) throw r.error('corpus-id', 'corpus row has no id');
    if (!r.has(idColumn)) throw r.error(idColumn, 'corpus has neither a corpus-id nor an id column');
    corpusIds.add(pyCellStr(r.src.row[idColumn]));
    const image = structOf(r.src.row.image);
    if (!image) throw r.error('image', "corpus row's image is not a struct {bytes, path}");
    if (!(image.bytes instanceof Uint8Array)) throw r.error('image', 'corpus image.bytes is missing');
    const name = typeof image.path === 'string' && image.path ? `/${pyBasename(image.path)}` : '';
    const locator = `${ctx.relFile(r.src.file)}#${r.src.index}/image${name}`;
    ctx.inlineMedia.set(locator, image.bytes);
    return {
      id: pyCellStr(cid),
      parts: { instruction: SPEECHCOCO_TARGET_INSTRUCTION, text: '', rule: { kind: 'process' } },
      media: [{ kind: 'image', path: locator }],
    };
  });
  const instruction = ctx.instruction('query');
  const queries: QueryDraft[] = queryRows.map((r) => {
    const audio = structOf(r.src.row.audio);
    const obj: AudioObject = audio
      ? { path: audio.path ?? null, bytes: audio.bytes ?? null, column: 'audio' }
      : { path: orChain(r.src.row, ['audio_path', 'path']), bytes: r.src.row.audio_bytes ?? null, column: 'audio_bytes' };
    const imageId = orChain(r.src.row, ['image_id', 'image', 'image_name', 'id']);
    if (imageId === null) throw r.error('image_id', 'query has no image_id');
    const gold = pyCellStr(imageId);
    if (!corpusIds.has(gold)) throw r.error('image_id', `gold image ${gold} is not in the corpus (VLM2Vec stops here)`);
    const audioId = orChain(r.src.row, ['query-id', 'id']);
    return {
      id: truthy(audioId) ? pyCellStr(audioId) : String(r.src.index),
      parts: audioQueryParts(instruction),
      media: [audioMedia(ctx, r, obj)],
      candidates: [],
      gold: [gold],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus, tolerates: ['repeated-corpus-id'] };
};
