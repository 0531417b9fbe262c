/**
 * audio_cls (NSynth, ESC-50, UrbanSound8K, SpeechCommands, CREMA-D): an audio clip against the task's class names,
 * local, as VLM2Vec builds it in src/data/eval_dataset/audio_cls_dataset.py (Stars1233/VLM2Vec 44f991d):
 *  - files per task (:140-158, :209-219, :235-264, :354-366, :299-316) under the dataset folder of
 *    dataset_hflocal_path.py;
 *  - the class list (:161-205, :222-231, :267-295, :319-350, :369-402): ids 0..max, each the str() of the first
 *    row's name for that id, a missing id as the id itself ("7"); without an id column, the sorted distinct names;
 *  - one query per row (data_prepare, :80-136): text = the instruction alone (build_query_text), candidates = the
 *    whole class list, gold = the row's own name cell (:113-126), which need not be one of the classes;
 *  - the audio (`_extract_audio_obj`, :43-77): an `audio` struct's {path, bytes}; else `audio_path` or `path` and
 *    `audio_bytes`. A column with the HF Audio feature is cast to decode=False first (:471-472), so the struct
 *    arrives as stored. A struct that arrives decoded (`array`, no bytes) would be re-encoded to 16-bit PCM WAV
 *    with soundfile (:54-71): that cannot happen with parquet files of encoded audio, and tte-bench refuses such
 *    a row instead of re-encoding it.
 */
import { readdirSync } from 'node:fs';
import { DataError } from '../errors.js';
import { type AudioObject, audioDatasetDir, audioMedia, audioQueryParts, pandasCell, pyCellStr, structOf, truthy } from './audio_common.js';
import { type Adapter, type AdapterContext, rawItem, type QueryDraft } from './context.js';
import type { RowReader } from './fields.js';

/** The columns data_prepare reads a row's class name from, when no name column was chosen (:101). */
const NAME_KEYS = ['category', 'label_name', 'class', 'classname', 'instrument_family_str', 'emotion', 'major_emotion'];
/** `_get_label_fields` (:19-40): the label column data_prepare falls back to. */
const LABEL_KEYS = ['label', 'target', 'classID', 'class_id', 'instrument_family', 'fold', 'emotion_id', ...NAME_KEYS];

interface LabelPool {
  names: string[];
  /** label_field_override / label_name_field_override (null: data_prepare picks its own). */
  idField: string | null;
  nameField: string | null;
}

/** Python's int() of a cell (ints, floats truncated, digit strings). */
function pyInt(r: RowReader, field: string): number {
  const v = r.src.row[field];
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v.trim());
  throw r.error(field, `int() of ${JSON.stringify(v ?? null)} fails: VLM2Vec stops the task here`);
}

/** Ids 0..max, each the name of the first row carrying it, a missing id as its own digits. */
function idPool(rows: RowReader[], idField: string, nameField: string | null): string[] {
  const idToName = new Map<number, string>();
  for (const r of rows) {
    const id = pyInt(r, idField);
    if (!idToName.has(id)) idToName.set(id, nameField ? pyCellStr(r.src.row[nameField]) : String(id));
  }
  if (!idToName.size) throw new DataError('the task has no rows (VLM2Vec fails on max() of no ids)');
  const max = Math.max(...idToName.keys());
  return Array.from({ length: max + 1 }, (_, i) => idToName.get(i) ?? String(i));
}

/** sorted(set(names)) of a name column (str() first where the code does). */
function sortedNames(rows: RowReader[], field: string): string[] {
  return [...new Set(rows.map((r) => pyCellStr(r.src.row[field])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelPool(task: string, rows: RowReader[], columns: Set<string>): LabelPool {
  const has = (c: string) => columns.has(c);
  switch (task) {
    case 'NSynth': {
      // _build_nsynth_label_pool (:161-205): the first id column present, with its paired name column if present
      const pairs: [string, string][] = [
        ['label_id', 'label'],
        ['instrument_family', 'instrument_family_str'],
        ['instrument_family_id', 'instrument_family_str'],
        ['label', 'label_name'],
        ['target', 'label_name'],
        ['class_id', 'class'],
        ['classID', 'class'],
      ];
      const pair = pairs.find(([id]) => has(id));
      if (pair) {
        const nameField = has(pair[1]) ? pair[1] : null;
        return { names: idPool(rows, pair[0], nameField), idField: pair[0], nameField };
      }
      const nameField = ['instrument_family_str', 'label_name', 'category', 'class'].find(has);
      if (!nameField) throw new DataError(`NSynth: no usable label column among ${[...columns].join(', ')}`);
      return { names: sortedNames(rows, nameField), idField: null, nameField };
    }
    case 'ESC-50':
      // _build_esc50_label_pool (:222-231)
      if (!has('target') || !has('category')) throw new DataError('ESC-50 needs the columns target and category');
      return { names: idPool(rows, 'target', 'category'), idField: 'target', nameField: 'category' };
    case 'UrbanSound8K': {
      // _build_urbansound8k_label_pool (:267-295)
      const nameField = has('class') ? 'class' : has('classname') ? 'classname' : null;
      if (!nameField) throw new DataError(`UrbanSound8K: no class name column among ${[...columns].join(', ')}`);
      if (!has('classID')) return { names: sortedNames(rows, nameField), idField: nameField, nameField };
      return { names: idPool(rows, 'classID', nameField), idField: 'classID', nameField };
    }
    case 'CREMA-D': {
      // _build_cremad_label_pool (:319-350)
      const nameField = ['label_name', 'major_emotion', 'emotion', 'label'].find(has);
      if (!nameField) throw new DataError(`CREMA-D: no label name column among ${[...columns].join(', ')}`);
      if (!has('label')) return { names: sortedNames(rows, nameField), idField: nameField, nameField };
      return { names: idPool(rows, 'label', nameField), idField: 'label', nameField };
    }
    case 'SpeechCommands': {
      // _build_speechcommand_label_pool (:369-402)
      const idField = has('label_id') ? 'label_id' : has('label') ? 'label' : null;
      const nameField = has('label_name') ? 'label_name' : has('label') ? 'label' : null;
      if (!nameField) throw new DataError(`SpeechCommands: no label name column among ${[...columns].join(', ')}`);
      if (idField) return { names: idPool(rows, idField, nameField), idField, nameField };
      return { names: sortedNames(rows, nameField), idField: null, nameField };
    }
    default:
      throw new DataError(`audio_cls has no rules for dataset '${task}' (VLM2Vec's generic branch reads the Hub)`);
  }
}

/** `*.parquet` of a folder as Python's sorted(glob(...)) lists them (hidden files excluded), root-relative. */
function parquetFiles(ctx: AdapterContext, dir: string): string[] {
  if (!ctx.root.isDir(dir)) return [];
  return readdirSync(ctx.root.abs(dir))
    .filter((f) => f.endsWith('.parquet') && !f.startsWith('.'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

/** The annotation files of a task and, for CSV layouts, the `path` the loader gives each row (root-relative). */
function taskFiles(ctx: AdapterContext, task: string, dir: string): { files: string[]; csvPath?: (r: RowReader) => string | null } {
  const where = { task: ctx.task.name };
  const need = (files: string[], what: string): string[] => {
    if (!files.length) throw new DataError(`${task}: ${what} not found under ${dir}`, where);
    return files;
  };
  const exists = (p: string) => ctx.root.exists(p, where) && !ctx.root.isDir(p);
  switch (task) {
    case 'NSynth':
      // :143-152: a path containing "-1k" reads only eval/query.parquet
      if (dir.includes('-1k'))
        return { files: need(exists(`${dir}/eval/query.parquet`) ? [`${dir}/eval/query.parquet`] : [], 'eval/query.parquet') };
      return { files: need(parquetFiles(ctx, `${dir}/data`), 'data/*.parquet') };
    case 'ESC-50': {
      const top = parquetFiles(ctx, dir);
      return { files: need(top.length ? top : parquetFiles(ctx, `${dir}/data`), '*.parquet or data/*.parquet') };
    }
    case 'SpeechCommands': {
      const split = (ctx.v3.split ?? 'train').toLowerCase();
      const file = `${dir}/${split === 'test' || split === 'eval' ? 'query_eval' : 'query_train'}.parquet`;
      return { files: need(exists(file) ? [file] : [], file.slice(dir.length + 1)) };
    }
    case 'UrbanSound8K': {
      const csv = `${dir}/csv_files/test.csv`;
      need(exists(csv) ? [csv] : [], 'csv_files/test.csv');
      return {
        files: [csv],
        // :243-261: a `path` column is joined to the dataset folder (unless absolute); else audio/fold<fold>/<file name>
        csvPath: (r) => {
          const own = pandasCell(r.src.row.path);
          if (r.has('path')) return own === null ? null : own.startsWith('/') ? own : `${dir}/${own}`;
          const nameCol = ['slice_file_name', 'slice_filename', 'file_name', 'filename'].find((c) => r.has(c));
          if (!nameCol) throw r.error('slice_file_name', 'UrbanSound8K csv has no slice_file_name (or path) column');
          return `${dir}/audio/fold${r.src.row.fold}/${r.src.row[nameCol]}`;
        },
      };
    }
    case 'CREMA-D': {
      const csv = `${dir}/processed.csv`;
      if (exists(csv)) {
        // :305-310: a `path` column as it is (the collator joins it to the data root); else AudioWAV/<file>
        return { files: [csv], csvPath: (r) => (r.has('path') ? pandasCell(r.src.row.path) : `${dir}/AudioWAV/${r.str('file')}`) };
      }
      return { files: need(parquetFiles(ctx, `${dir}/data`), 'processed.csv or data/*.parquet') };
    }
    default:
      throw new DataError(`audio_cls has no rules for dataset '${task}'`, where);
  }
}

/** `_extract_audio_obj` (:43-77) of one row. */
function audioObject(r: RowReader, csvPath: string | null | undefined): AudioObject {
  const audio = structOf(r.src.row.audio);
  if (audio) {
    if ((audio.bytes === null || audio.bytes === undefined) && 'array' in audio) {
      throw r.error(
        'audio',
        'audio arrives decoded (an array, no bytes): VLM2Vec re-encodes it to 16-bit PCM WAV; store the encoded bytes instead',
      );
    }
    return { path: audio.path ?? null, bytes: audio.bytes ?? null, column: 'audio' };
  }
  const audioPath = csvPath !== undefined ? pandasCell(r.src.row.audio_path) : r.src.row.audio_path;
  const path = truthy(audioPath) ? audioPath : csvPath !== undefined ? csvPath : truthy(r.src.row.path) ? r.src.row.path : null;
  const bytes = truthy(r.src.row.audio_bytes) ? r.src.row.audio_bytes : null;
  return { path, bytes, column: bytes !== null ? 'audio_bytes' : truthy(audioPath) ? 'audio_path' : 'path' };
}

export const audioClsAdapter: Adapter = async (ctx) => {
  const task = ctx.task.datasetName ?? ctx.task.name;
  const dir = audioDatasetDir(ctx);
  const { files, csvPath } = taskFiles(ctx, task, dir);
  const rows = ctx.sample(await ctx.readFiles(files));
  const columns = new Set(rows.length ? Object.keys(rows[0].src.row) : []);
  if (csvPath) columns.add('path'); // the loader adds it to every CSV row
  let pool: LabelPool;
  try {
    pool = labelPool(task, rows, columns);
  } catch (err) {
    if (err instanceof DataError && !err.location.file)
      throw new DataError(err.detail, { task: ctx.task.name, file: ctx.root.abs(files[0]) });
    throw err;
  }
  // data_prepare (:91-106): the label column (override, else _get_label_fields) and the name column
  const labelField = pool.idField && columns.has(pool.idField) ? pool.idField : LABEL_KEYS.find((k) => columns.has(k));
  if (!labelField)
    throw new DataError(`no label column among ${[...columns].join(', ')}`, { task: ctx.task.name, file: ctx.root.abs(files[0]) });
  const nameField = pool.nameField && columns.has(pool.nameField) ? pool.nameField : (NAME_KEYS.find((k) => columns.has(k)) ?? null);
  const instruction = ctx.instruction('query');
  const candidates = pool.names.map((n) => rawItem(n));
  const queries: QueryDraft[] = rows.map((r, i) => {
    const gold = nameField ? r.src.row[nameField] : pyCellStr(r.src.row[labelField]);
    if (typeof gold !== 'string') {
      // eval.py compares label_name with the string class names: a non-string never matches
      throw r.error(nameField ?? labelField, `class name ${JSON.stringify(gold ?? null)} is not a string: VLM2Vec would score this row 0`);
    }
    const path = csvPath ? csvPath(r) : undefined;
    return {
      id: String(i),
      parts: audioQueryParts(instruction),
      media: [audioMedia(ctx, r, audioObject(r, path))],
      candidates,
      gold: [gold],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  // the gold is the row's own name, which may be no class (SpeechCommands "Yes"): VLM2Vec scores it 0
  return { queries, corpus: [], tolerates: ['unpooled-gold'] };
};
