/**
 * sounddescs_text_audio (SoundDescs): a sound description against the gold audios, as VLM2Vec builds it in
 * src/data/eval_dataset/sounddescs_retrieval_dataset.py (Stars1233/VLM2Vec 44f991d):
 *  - files (`_get_data_pattern`, :111-114): a dataset folder containing "-1k" reads eval/<name>*.parquet, else
 *    <name>/*.parquet (sorted);
 *  - qrels (`load_qrels_mapping`, src/utils/dataset_utils.py:20-43): score > 0 kept, the max per pair, keyed by the
 *    raw query-id value; a query looks its qrels up by str(id) (:246-250, :276), so integer qrels ids match none;
 *  - query: id = the first non-None of query-id, query_id, id, qid, as str; text = the first non-blank string of
 *    text, caption, sentence, query, else of any column (:70-78); build_query_text("SoundDescs", text);
 *    gold = the single corpus id with the highest score, first among equals (:276-282), none without qrels;
 *  - the pool is only the gold audios (`_prepare_corpus`, :117-212): corpus rows in file order, kept when their id
 *    is a positive of a loaded query, first row per id, reading stops once all are found; every query's candidate
 *    list is that whole pool (eval_type local, :290-291); candidate text "[AUDIO]";
 *  - corpus columns: only corpus-id, id, audio_path, path, audio_bytes are read, unless the first row then has
 *    neither path nor bytes (:128-146); id = corpus-id or id, else the audio file's stem (:154-161);
 *  - audio (:21-37, :40-60): audio_path or path (else the `audio` struct's), an absolute path as is, else the first
 *    existing of <audio_root>/<p>, <dataset>/<p>, <dataset>/eval/<p>. When none exists and bytes are present,
 *    VLM2Vec writes them to <dataset>/audio_cache/<id><ext> and reads that file (:177-184); tte-bench never writes
 *    into the data root and reads the same bytes from the parquet cell instead (same clip, held in memory).
 */
import { readdirSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import { isAbsolute } from 'node:path';
import { DataError } from '../errors.js';
import { audioDatasetDir, audioQueryParts, pyCellStr, rootRelative, structOf, truthy } from './audio_common.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import type { MediaRef } from '../items/types.js';
import type { RowReader } from './fields.js';
import { readParquetRows } from './readers/parquet.js';
import { RowReader as Reader } from './fields.js';
import { pyBasename, pySplitext, pyStrip } from '../util/pytext.js';

const CORPUS_COLUMNS = ['corpus-id', 'id', 'audio_path', 'path', 'audio_bytes'];

function dataFiles(ctx: AdapterContext, dir: string, name: string): string[] {
  const [folder, match] = dir.includes('-1k') ? [`${dir}/eval`, (f: string) => f.startsWith(name)] : [`${dir}/${name}`, () => true];
  const files = ctx.root.isDir(folder)
    ? readdirSync(ctx.root.abs(folder))
        .filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && match(f))
        .sort()
        .map((f) => `${folder}/${f}`)
    : [];
  if (!files.length)
    throw new DataError(`no parquet files match ${folder}/${dir.includes('-1k') ? `${name}*` : '*'}.parquet`, { task: ctx.task.name });
  return files;
}

/** Python's `a or b`: the first truthy value, else the last one. */
function or(...vs: unknown[]): unknown {
  for (const v of vs) if (truthy(v)) return v;
  return vs[vs.length - 1] ?? null;
}

/** `_extract_audio_obj(row, keep_audio_bytes=True)` (:21-37). */
function audioObject(row: Record<string, unknown>): { path: unknown; bytes: unknown } {
  let path = or(row.audio_path ?? null, row.path ?? null);
  let bytes = row.audio_bytes ?? null;
  const audio = structOf(row.audio);
  if (path === null && audio) {
    path = or(audio.path ?? null, path);
    if (bytes === null) bytes = audio.bytes ?? null;
  }
  return { path, bytes };
}

/** `_extract_text` (:70-78). */
function queryText(r: RowReader): string {
  for (const k of ['text', 'caption', 'sentence', 'query']) {
    const v = r.src.row[k];
    if (typeof v === 'string' && pyStrip(v)) return v;
  }
  for (const v of Object.values(r.src.row)) if (typeof v === 'string' && pyStrip(v)) return v;
  throw r.error('text', 'query row has no text');
}

export const soundDescsAdapter: Adapter = async (ctx) => {
  const dir = audioDatasetDir(ctx);
  const audioRoot = ctx.v3.audioRoot;
  const where = { task: ctx.task.name };
  // qrels: raw query-id → (corpus id → max score), insertion order kept
  const qrels = new Map<unknown, Map<string, number>>();
  let numericQids = false;
  for (const r of await ctx.readFiles(dataFiles(ctx, dir, 'qrels'))) {
    const score = r.num('score');
    if (!(score > 0)) continue;
    const qid = r.src.row['query-id'];
    if (typeof qid !== 'string') numericQids = true;
    const cid = pyCellStr(r.src.row['corpus-id']);
    const docs = qrels.get(qid) ?? new Map<string, number>();
    qrels.set(qid, docs);
    docs.set(cid, Math.max(docs.get(cid) ?? 0, score));
  }
  if (numericQids) ctx.warn('qrels query-id values that are not strings never match a query (VLM2Vec looks them up by str(id))', where);
  const queryRows = ctx.sample(await ctx.readFiles(dataFiles(ctx, dir, 'query')));
  const qidOf = (r: RowReader): string => {
    for (const k of ['query-id', 'query_id', 'id', 'qid']) {
      const v = r.src.row[k];
      if (v !== undefined && v !== null) return pyCellStr(v);
    }
    throw r.error('query-id', 'query row has no id column');
  };
  const required = new Set<string>();
  for (const r of queryRows) for (const cid of qrels.get(qidOf(r))?.keys() ?? []) required.add(cid);

  // the corpus, restricted to the columns VLM2Vec asks for unless its first row then has no audio
  const corpusFiles = dataFiles(ctx, dir, 'corpus').map((p) => ctx.root.abs(p));
  ctx.dataFiles.push(...corpusFiles);
  // pq.read_schema(files[0]).names (:95-97): the top-level columns, from the footer alone
  let present: Set<string>;
  try {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(corpusFiles[0]));
    present = new Set(parquetSchema(meta).children.map((c) => c.element.name));
  } catch (err) {
    throw new DataError(`cannot read parquet: ${(err as Error).message}`, { task: ctx.task.name, file: corpusFiles[0] });
  }
  const wanted = CORPUS_COLUMNS.filter((c) => present.has(c));
  let rows = await readParquetRows(corpusFiles, wanted.length ? wanted : undefined);
  if (!rows.length) throw new DataError(`empty corpus parquet ${corpusFiles[0]}`, where);
  const first = audioObject(rows[0].row);
  if (wanted.length && first.path === null && first.bytes === null) rows = await readParquetRows(corpusFiles);

  const seen = new Set<string>();
  const corpus: ItemDraft[] = [];
  for (const src of rows) {
    if (seen.size >= required.size) break;
    const r = new Reader(ctx.task.name, src);
    const at = { file: src.file, row: src.index, field: 'corpus-id' };
    const audio = audioObject(src.row);
    let cid: unknown = or(src.row['corpus-id'] ?? null, src.row.id ?? null);
    if (cid === null && truthy(audio.path) && typeof audio.path === 'string') cid = pySplitext(pyBasename(audio.path))[0];
    if (cid === null) throw r.error('corpus-id', 'corpus row has no candidate id');
    const id = pyCellStr(cid);
    if (!required.has(id) || seen.has(id)) continue;
    let media: MediaRef;
    const raw = typeof audio.path === 'string' ? audio.path : '';
    const tries = !raw
      ? []
      : isAbsolute(raw)
        ? [raw]
        : [...(audioRoot ? [`${audioRoot}/${raw}`] : []), `${dir}/${raw}`, `${dir}/eval/${raw}`];
    const found = tries
      .map((p) => (isAbsolute(p) ? p : ctx.root.rel([p], at)))
      .find((p) => {
        const rel = isAbsolute(p) ? rootRelative(ctx, p, '', at) : p;
        return ctx.root.exists(rel, at) && !ctx.root.isDir(rel);
      });
    if (found !== undefined) media = ctx.audio(isAbsolute(found) ? rootRelative(ctx, found, '', at) : found, undefined, at);
    else if (audio.bytes instanceof Uint8Array) {
      const column = truthy(src.row.audio_bytes) ? 'audio_bytes' : 'audio';
      media = ctx.inlineAudio(`${ctx.relFile(src.file)}#${src.index}/${column}${raw ? `/${pyBasename(raw)}` : ''}`, audio.bytes, at);
    } else throw r.error('audio_path', `SoundDescs audio is unavailable for ${id}: no file at ${raw || '(no path)'} and no bytes`);
    seen.add(id);
    corpus.push({ id, parts: { instruction: '', text: '[AUDIO]', rule: { kind: 'raw' } }, media: [media] });
  }
  if (!corpus.length) throw new DataError('no SoundDescs corpus row is a positive of a query (VLM2Vec: "No valid candidates")', where);

  const instruction = ctx.instruction('query');
  const queries: QueryDraft[] = queryRows.map((r) => {
    const rels = qrels.get(qidOf(r));
    let gold: string[] = [];
    if (rels?.size) {
      let best: [string, number] | null = null;
      for (const e of rels) if (!best || e[1] > best[1]) best = e;
      gold = [best![0]];
    }
    return {
      id: qidOf(r),
      parts: audioQueryParts(instruction, queryText(r)),
      media: [],
      candidates: corpus,
      gold,
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus: [], tolerates: ['no-gold', 'unpooled-gold', 'repeated-query-id'] };
};
