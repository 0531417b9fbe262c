/**
 * What the MMEB-V3 audio parser families share (Stars1233/VLM2Vec 44f991d): where each dataset sits under the data
 * root (src/constant/dataset_hflocal_path.py:115-127 — these parsers read that table, not audio.yaml's
 * audio_root), the query string rule (build_query_text, src/data/eval_dataset/audio_instruction_utils.py), Python's
 * str() of a cell, and how a row's audio becomes a media item: bytes held in the data are registered under a
 * locator, a path names a file under the data root.
 */
import { isAbsolute } from 'node:path';
import { DataError, type ErrorLocation } from '../errors.js';
import type { AdapterContext } from './context.js';
import type { RowReader } from './fields.js';
import type { ItemParts, MediaRef } from '../items/types.js';
import { pyFloatRepr } from '../util/pyjson.js';
import { pyBasename } from '../util/pytext.js';

/** dataset_hflocal_path.py:115-127, relative to the data root (MMEB_V3_DATA_DIR). TUTSound(hard) reads TUTSound's. */
export const AUDIO_DATASET_DIRS: Record<string, string> = {
  NSynth: 'audio-tasks/nsynth-1k',
  'ESC-50': 'audio-tasks/esc50',
  UrbanSound8K: 'audio-tasks/urbansound8k',
  SpeechCommands: 'audio-tasks/speechcommand-1k',
  'CREMA-D': 'audio-tasks/creamD',
  SoundDescs: 'audio-tasks/sounddescs-1k',
  Clotho: 'audio-tasks/clotho',
  AVE: 'audio-tasks/AVE/AVE_Dataset',
  SpeechCOCO: 'audio-tasks/speechcoco-1k',
  TUTSound: 'audio-tasks/tutsound',
  'TUTSound(hard)': 'audio-tasks/tutsound',
};

/** The dataset folder of an audio task (by its VLM2Vec dataset_name), root-relative. */
export function audioDatasetDir(ctx: AdapterContext): string {
  const name = ctx.task.datasetName ?? ctx.task.name;
  const dir = AUDIO_DATASET_DIRS[name];
  if (!dir) throw new DataError(`no MMEB-V3 audio dataset folder is known for '${name}'`, { task: ctx.task.name });
  return dir;
}

/** A query (or TUTSound candidate) string: build_query_text(instruction, text). */
export function audioQueryParts(instruction: string, text = ''): ItemParts {
  return { instruction, text, rule: { kind: 'audio-query' } };
}

/** Python's str() of a scalar cell as parquet/CSV give it (a string as is, numbers as Python prints them). */
export function pyCellStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  throw new DataError(`expected a scalar, got ${Array.isArray(v) ? 'a list' : typeof v}`);
}

/** Python's `x or y` test of a cell. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof Uint8Array) return v.length > 0;
  return true;
}

/** A cell as the Python object a struct column gives (a dict), or null. */
export function structOf(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, unknown>) : null;
}

/** The `{path, bytes}` a parser extracted from a row, with the column the bytes came from. */
export interface AudioObject {
  path: unknown;
  bytes: unknown;
  column: string;
}

/**
 * The media item of an audio object, as the collator reads it (eval_collator.py): bytes win over a path (and are
 * read whole); a relative path is joined to the data root, an absolute one must lie inside it. `base` is the
 * folder a relative path is relative to when the parser joins it itself (else the data root, as the collator does).
 */
export function audioMedia(ctx: AdapterContext, r: RowReader, obj: AudioObject, base = ''): MediaRef {
  const where: ErrorLocation = { file: r.src.file, row: r.src.index, field: obj.column };
  if (obj.bytes !== null && obj.bytes !== undefined) {
    if (!(obj.bytes instanceof Uint8Array)) throw new DataError(`audio bytes are ${typeof obj.bytes}, not binary`, where);
    const name = typeof obj.path === 'string' && obj.path ? `/${pyBasename(obj.path)}` : '';
    return ctx.inlineAudio(`${ctx.relFile(r.src.file)}#${r.src.index}/${obj.column}${name}`, obj.bytes, where);
  }
  if (typeof obj.path !== 'string' || !obj.path) throw new DataError('row has neither audio bytes nor an audio path', where);
  return ctx.audio(rootRelative(ctx, obj.path, base, where), { start: null, end: null }, where);
}

/** A path from the data as a root-relative path: absolute ones must lie under the data root. */
export function rootRelative(ctx: AdapterContext, p: string, base: string, where: ErrorLocation): string {
  if (isAbsolute(p)) {
    const rel = ctx.relFile(p);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw new DataError(`absolute audio path ${p} lies outside the data root (tte-bench reads media only under it)`, where);
    return ctx.root.rel([rel], where);
  }
  return ctx.root.rel([base, p], where);
}

/** pandas.read_csv's default missing-value strings: such a cell is NaN, not a string. */
const PANDAS_NA = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

/** A CSV cell as pandas reads it: NaN (null here) for its default missing-value strings, else the text. */
export function pandasCell(v: unknown): string | null {
  return typeof v === 'string' && !PANDAS_NA.has(v) ? v : null;
}
