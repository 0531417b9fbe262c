/**
 * `{task}_items.json`: what a run folder needs so a report can show every query, and so comparisons and trace
 * exports can name queries by id rather than by line position: each query's id, text, media references and
 * gold ids (in pred.jsonl order), the candidates any query ranked in its top k or holds as gold (so the
 * file stays small on global tasks with large corpora), and the reasoner identity and prompt version under
 * which the traces were made. Media stay references into the data root; media that exist only inside the data
 * (visdoc pages in a corpus parquet) get a small JPEG thumbnail in the run folder, since the report cannot
 * read them back from anywhere else.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { taskFile } from '../util/task-file.js';
import sharp from 'sharp';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, MediaRef } from '../items/types.js';
import { DataError } from '../errors.js';
import type { Prediction } from '../metrics/ranking.js';
import { readJsonFile, readJsonLines as readJsonFileLines, writeFileAtomic, writeJsonAtomic } from '../util/json.js';

export const ITEMS_SCHEMA = 'tte-bench/items@1';
/** Candidates kept per query (its top k). */
export const ITEMS_TOP_K = 10;
/** Longest side of a thumbnail, in pixels. */
export const THUMB_SIZE = 160;

export interface ItemsFile {
  schema: typeof ITEMS_SCHEMA;
  task: string;
  mmeb_version: MmebVersion;
  prompt_version: string;
  prompt_family: string;
  /** The reasoner that wrote the query traces: its id and its cache identity (null for no-think). */
  reasoner: { id: string; key: string } | null;
  queries: { id: string; text: string; media: MediaRef[]; gold: string[] }[];
  candidates: Record<string, { text: string; media: MediaRef[] }>;
}

/**
 * The prompt the traces were made under (the pipeline's prompt version and the task's prompt family), passed in
 * by the run rather than looked up here, so that reports stay clear of the pipeline room.
 */
export interface TracePrompt {
  version: string;
  family: string;
}

export function itemsFile(
  evalSet: EvalSet,
  preds: Prediction[],
  reasoner: { id: string; key: string } | null,
  prompt: TracePrompt,
): ItemsFile {
  const keep = new Set<string>();
  evalSet.queries.forEach((q, i) => {
    for (const g of q.gold) keep.add(g);
    for (const id of preds[i]?.prediction.slice(0, ITEMS_TOP_K) ?? []) keep.add(id);
  });
  const found = new Map<string, ItemsFile['candidates'][string]>();
  for (const c of evalSet.candidates) if (keep.has(c.id) && !found.has(c.id)) found.set(c.id, { text: c.text, media: c.media });
  return {
    schema: ITEMS_SCHEMA,
    task: evalSet.task.name,
    mmeb_version: evalSet.version,
    prompt_version: prompt.version,
    prompt_family: prompt.family,
    reasoner,
    queries: evalSet.queries.map((q) => ({ id: q.id, text: q.text, media: q.media, gold: q.gold })),
    candidates: sortedCandidates(found),
  };
}

/**
 * Candidates keyed in sorted id order, so that the file does not depend on how the pool was ordered: the
 * parts of a task split over shards then join (`merge`) into exactly the file an unsharded run writes.
 */
export function sortedCandidates(found: Map<string, ItemsFile['candidates'][string]>): ItemsFile['candidates'] {
  const out: ItemsFile['candidates'] = {};
  for (const id of [...found.keys()].sort()) out[id] = found.get(id) as ItemsFile['candidates'][string];
  return out;
}

/** The items file of a whole task from the items files of its query-range parts (in part order). */
export function joinItemsFiles(parts: ItemsFile[], where: string): ItemsFile {
  const [first] = parts;
  const found = new Map<string, ItemsFile['candidates'][string]>();
  for (const p of parts) {
    for (const key of ['task', 'mmeb_version', 'prompt_version', 'prompt_family'] as const) {
      if (p[key] !== first[key])
        throw new DataError(`items files of the parts disagree on ${key} (${String(first[key])} vs ${String(p[key])})`, { file: where });
    }
    if (JSON.stringify(p.reasoner) !== JSON.stringify(first.reasoner))
      throw new DataError('items files of the parts name different reasoners', { file: where });
    for (const [id, c] of Object.entries(p.candidates)) if (!found.has(id)) found.set(id, c);
  }
  return { ...first, queries: parts.flatMap((p) => p.queries), candidates: sortedCandidates(found) };
}

/** File name of the thumbnail of one media path (images) or one frame list (a video strip). */
export function thumbName(m: MediaRef): string {
  const key =
    m.kind === 'image' ? `image:${m.path}` : m.kind === 'audio' ? `audio:${m.path}:${m.start}:${m.end}` : `frames:${m.paths.join('\n')}`;
  return createHash('sha1').update(key).digest('hex').slice(0, 20) + '.jpg';
}

export async function imageThumb(bytes: Uint8Array, size = THUMB_SIZE): Promise<Buffer> {
  return sharp(bytes)
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 70 })
    .toBuffer();
}

/** Write items.json and thumbnails of the inline-only media it references. */
export async function writeItemsFile(
  outDir: string,
  evalSet: EvalSet,
  preds: Prediction[],
  reasoner: { id: string; key: string } | null,
  prompt: TracePrompt,
  onDisk: (path: string) => boolean,
): Promise<void> {
  const doc = itemsFile(evalSet, preds, reasoner, prompt);
  const refs = [...doc.queries.map((q) => q.media), ...Object.values(doc.candidates).map((c) => c.media)].flat();
  for (const m of refs) {
    if (m.kind !== 'image' || onDisk(m.path)) continue;
    const bytes = evalSet.inlineMedia.get(m.path);
    const file = join(outDir, 'thumbs', thumbName(m));
    if (!bytes || existsSync(file)) continue;
    try {
      writeFileAtomic(file, await imageThumb(bytes));
    } catch {
      // an undecodable page stays without a thumbnail; the browser says so
    }
  }
  writeJsonAtomic(taskFile(outDir, evalSet.task.name, '_items.json'), doc);
}

export function readItemsFile(dir: string, task: string): ItemsFile | null {
  const file = taskFile(dir, task, '_items.json');
  if (!existsSync(file)) return null;
  const doc = readJsonFile<ItemsFile>(file);
  if (doc?.schema !== ITEMS_SCHEMA || !Array.isArray(doc.queries)) throw new DataError(`not a ${ITEMS_SCHEMA} file`, { file });
  return doc;
}

/**
 * Query ids of a task in pred.jsonl order: from items.json, else from traces.jsonl (runs that predate items
 * files); null when the run folder names no ids (plain VLM2Vec outputs).
 */
export function queryIds(dir: string, task: string): string[] | null {
  const items = readItemsFile(dir, task);
  if (items) return items.queries.map((q) => q.id);
  const traces = taskFile(dir, task, '_traces.jsonl');
  if (existsSync(traces)) {
    return readTraceLines(dir, task)?.map((t) => t.id) ?? null;
  }
  return null;
}

export function readTraceLines(dir: string, task: string): { id: string; trace: string | null }[] | null {
  const file = taskFile(dir, task, '_traces.jsonl');
  if (!existsSync(file)) return null;
  return readJsonFileLines(file).map(({ value, line }) => {
    const v = value as { id?: unknown; trace?: unknown };
    if (typeof v?.id !== 'string' && typeof v?.id !== 'number') throw new DataError('missing query id', { file, line, field: 'id' });
    return { id: String(v.id), trace: typeof v.trace === 'string' ? v.trace : null };
  });
}
