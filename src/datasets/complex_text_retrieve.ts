/**
 * complex_text_retrieve (MMEB-V3's 53 text tasks: BRIGHT, FollowIR, InfoSearch, LongEmbed, MultiConIR, NanoBEIR,
 * R2MED), as VLM2Vec builds them: src/data/eval_dataset/complex_text_retrieve.py at Stars1233/VLM2Vec 44f991d.
 * Global text → text retrieval over the task's corpus, with graded qrels where the data has them.
 *
 * The row rules (Python `or` chains for ids and texts, qrels grades, the corpus text) are shared with
 * memory_retrieval, whose parser repeats them (memory_retrieval_dateset.py:85-232).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { DataError } from '../errors.js';
import { readJsonLines } from '../util/json.js';
import type { Adapter, AdapterContext, AdapterOutput, ItemDraft, QueryDraft } from './context.js';
import { RowReader } from './fields.js';
import { pyCompareStr, pyFloat, pyGet, pyStrScalar, pyTruthy, type PyRow } from './readers/pyvalues.js';
import { pyStrip } from './readers/pytext.js';
import { IMAGE_TOKEN, RAW_IMAGE_TOKEN } from './text.js';

/** Query id keys of the queries file, in `or` order (complex_text_retrieve.py:248-254, memory :431-437). */
export const QUERY_ID_KEYS = ['_id', 'id', 'qid', 'query_id', 'query-id'];
/** Query text keys (:207-214, memory :225-232). */
export const QUERY_TEXT_KEYS = ['text', 'query', 'query_content', 'short_query'];
/** Qrels keys (:178-191, memory :88-101). */
export const QRELS_QUERY_KEYS = ['query_id', 'query-id', 'qid', 'q_id', 'id'];
export const QRELS_DOC_KEYS = ['corpus_id', 'corpus-id', 'doc_id', 'document_id', 'p_id'];
/** Corpus id keys (:290-296, memory :204-210). */
export const CORPUS_ID_KEYS = ['_id', 'id', 'doc_id', 'document_id', 'corpus-id'];

/** query id → (document id → grade), in first-seen order; a repeated pair keeps its first position, the last grade. */
export type Qrels = Map<string, Map<string, number>>;

function rowOf(r: RowReader): PyRow {
  return r.src.row;
}

/** The `or` chain over `keys`, with the key that gave the value (for error messages). */
function orField(r: RowReader, keys: string[]): { value: unknown; key: string } {
  const row = rowOf(r);
  for (const key of keys) {
    const value = pyGet(row, key);
    if (pyTruthy(value)) return { value, key };
  }
  return { value: pyGet(row, keys[keys.length - 1]), key: keys[keys.length - 1] };
}

/** `str(x)` of a scalar, or a DataError naming the row and field. */
export function strOf(r: RowReader, field: string, value: unknown, what: string): string {
  const s = pyStrScalar(value);
  if (s === null) throw r.error(field, `${what} must be a string or a number, got ${JSON.stringify(value) ?? typeof value}`);
  return s;
}

/**
 * An id by VLM2Vec's `or` chain: null when the chain gives None (the row is skipped). Python's `or` lets a
 * falsy `0` or `""` under an earlier key fall through, but returns it from the last key, where it counts.
 */
export function rowId(r: RowReader, keys: string[], what: string): string | null {
  const { value, key } = orField(r, keys);
  return value === null ? null : strOf(r, key, value, what);
}

/** `float(grade)`: unparsable or None → 1.0 (complex_text_retrieve.py:194-198, memory :105-109). */
export function qrelGrade(raw: unknown, where: () => DataError): number {
  const grade = pyFloat(raw) ?? 1;
  // VLM2Vec keeps NaN (nan <= 0 is False) and +inf; its NDCG is then NaN: refused here instead
  if (Number.isNaN(grade) || grade === Infinity) throw where();
  return grade;
}

/** Record one qrel: grades <= 0 skipped, a repeated pair overwrites in place (`qrels.setdefault(q, {})[d] = s`). */
export function addQrel(qrels: Qrels, qid: string, did: string, grade: number): void {
  if (grade <= 0) return;
  const docs = qrels.get(qid) ?? new Map<string, number>();
  qrels.set(qid, docs);
  docs.set(did, grade);
}

/** Qrels rows (jsonl / parquet): `_parse_qrels`, complex_text_retrieve.py:175-204 (memory :85-117). */
export function parseQrelsRows(rows: RowReader[]): Qrels {
  const qrels: Qrels = new Map();
  for (const r of rows) {
    const qid = rowId(r, QRELS_QUERY_KEYS, 'qrels query id');
    const did = rowId(r, QRELS_DOC_KEYS, 'qrels document id');
    if (qid === null || did === null) continue;
    const row = rowOf(r);
    // row.get("label", row.get("score", 1)): the key's presence decides, a null value is float(None) → 1.0
    const field = Object.hasOwn(row, 'label') ? 'label' : 'score';
    const raw = Object.hasOwn(row, field) ? row[field] : 1;
    const grade = qrelGrade(raw, () => r.error(field, `grade ${JSON.stringify(raw)} is not a finite number`));
    addQrel(qrels, qid, did, grade);
  }
  return qrels;
}

/** The base query text: the first truthy of text, query, query_content, short_query, else "". */
export function baseQueryText(r: RowReader): { value: unknown; key: string } {
  const got = orField(r, QUERY_TEXT_KEYS);
  return pyTruthy(got.value) ? got : { value: '', key: got.key };
}

/** A query text that reaches the model as it is: a string (VLM2Vec's str.replace fails on anything else). */
export function textOf(r: RowReader, got: { value: unknown; key: string }): string {
  if (typeof got.value !== 'string') throw r.error(got.key, `query text must be a string, got ${JSON.stringify(got.value)}`);
  return got.value;
}

/** `f"{instruction} {text}".strip()`. */
export function joinInstruction(
  r: RowReader,
  instructionField: string,
  instruction: unknown,
  text: { value: unknown; key: string },
): string {
  return pyStrip(`${strOf(r, instructionField, instruction, 'instruction')} ${strOf(r, text.key, text.value, 'query text')}`);
}

/** A corpus document: `_parse_corpus`, complex_text_retrieve.py:287-310 (memory `_read_corpus_rows` :200-222). */
export interface CorpusDoc {
  id: string;
  text: string;
}

export function parseCorpusRows(rows: RowReader[]): CorpusDoc[] {
  const out: CorpusDoc[] = [];
  for (const r of rows) {
    const id = rowId(r, CORPUS_ID_KEYS, 'document id');
    if (id === null) continue;
    const row = rowOf(r);
    const title = pyGet(row, 'title');
    const body = orField(r, ['text', 'content']);
    if (!pyTruthy(body.value)) continue; // a title alone is not a document
    let text: string;
    if (pyTruthy(title)) text = `${strOf(r, 'title', title, 'title')}\n${strOf(r, body.key, body.value, 'document text')}`;
    else if (typeof body.value === 'string') text = body.value;
    else throw r.error(body.key, `document text must be a string, got ${JSON.stringify(body.value)}`);
    out.push({ id, text });
  }
  return out;
}

/** A text-only item whose string is its own text (no instruction is added for these families). */
export function textItem(id: string, text: string): ItemDraft {
  return { id, parts: { instruction: '', text, rule: { kind: 'raw' } }, media: [] };
}

/**
 * `_load_rows`: `.parquet` through pyarrow, **anything else as JSON Lines** (complex_text_retrieve.py:45-48,
 * memory :46-49) — so a YAML naming `x.json` or `x.csv` is read line by line as JSON, not as tte-bench's JSON/CSV.
 */
export async function readRowsLikeVlm2vec(ctx: AdapterContext, relPath: string): Promise<RowReader[]> {
  if (relPath.endsWith('.parquet') || relPath.endsWith('.jsonl')) return ctx.readFiles([relPath]);
  const file = ctx.root.abs(relPath);
  ctx.dataFiles.push(file);
  return readJsonLines(file)
    .map(({ value, line }, index) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DataError('row is not a JSON object', { file, line });
      return new RowReader(ctx.task.name, { row: value as PyRow, file, index });
    })
    .filter((r) => !ctx.skipRows.has(`${r.src.file}#${r.src.index}`));
}

/** What these families keep although tte-bench's structural checks refuse it elsewhere (see AdapterOutput). */
export const KEEPS_AS_PARSED: NonNullable<AdapterOutput['tolerates']> = ['repeated-query-id', 'no-gold', 'unpooled-gold'];
/** What ToolDe, GUI and MCMR keep as VLM2Vec parses them: the above, and a corpus repeating an id (the first row wins in generate_cand_dataset). */
export const POOLED_AS_PARSED: NonNullable<AdapterOutput['tolerates']> = [...KEEPS_AS_PARSED, 'repeated-corpus-id'];

// ---- file discovery (only for a YAML entry that names no file, or a folder) ----

function fnmatchRegex(pat: string): RegExp {
  // fnmatch.translate: * ? [seq] [!seq]; everything else literal
  let re = '';
  let i = 0;
  while (i < pat.length) {
    const c = pat[i++];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) re += '\\[';
      else {
        let set = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (set[0] === '!') set = `^${set.slice(1)}`;
        else if (set[0] === '^') set = `\\${set}`;
        re += `[${set}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

class Finder {
  constructor(private readonly ctx: AdapterContext) {}

  abs(rel: string): string {
    return this.ctx.root.abs(rel);
  }

  isFile(rel: string | null): rel is string {
    if (!rel) return false;
    try {
      return statSync(this.abs(rel)).isFile();
    } catch {
      return false;
    }
  }

  isDir(rel: string | null | undefined): rel is string {
    return !!rel && this.ctx.root.isDir(rel);
  }

  exists(rel: string): boolean {
    return existsSync(this.abs(rel));
  }

  /** `_pick_first`: the first path that is a file. */
  pickFirst(paths: (string | null)[]): string | null {
    return paths.find((p): p is string => this.isFile(p)) ?? null;
  }

  /** `_glob_first`: the sorted first match of the first pattern that matches anything (file or folder). */
  globFirst(dir: string, patterns: string[]): string | null {
    for (const pattern of patterns) {
      const sub = posix.dirname(pattern) === '.' ? dir : posix.join(dir, posix.dirname(pattern));
      const name = posix.basename(pattern);
      let names: string[];
      try {
        names = readdirSync(this.abs(sub));
      } catch {
        continue;
      }
      const re = fnmatchRegex(name);
      // glob skips hidden names unless the pattern itself starts with a dot
      const matches = names.filter((n) => (name.startsWith('.') || !n.startsWith('.')) && re.test(n)).sort(pyCompareStr);
      if (matches.length) return posix.join(sub, matches[0]);
    }
    return null;
  }
}

/** `_resolve_dataset_dir` (:66-77). */
function resolveDatasetDir(f: Finder, dataPath: string, subsetName: string | undefined): { dir: string; task: string | null } {
  if (!subsetName) return { dir: dataPath, task: null };
  const direct = posix.join(dataPath, subsetName);
  if (f.isDir(direct)) return { dir: direct, task: null };
  const parent = posix.join(dataPath, posix.dirname(subsetName) === '.' ? '' : posix.dirname(subsetName));
  if (f.isDir(parent)) return { dir: parent, task: posix.basename(subsetName) };
  return { dir: dataPath, task: posix.basename(subsetName) };
}

/** `_find_query_file` (:80-112). */
function findQueryFile(f: Finder, dir: string, task: string | null): string | null {
  const c: (string | null)[] = [];
  if (f.isDir(posix.join(dir, 'examples')) && task) c.push(f.globFirst(dir, [`examples/${task}-*.parquet`]));
  c.push(
    f.pickFirst(
      ['queries.jsonl', 'query.jsonl', 'queries.parquet', 'query.parquet', 'queris.jsonl', 'queris.parquet'].map((n) => posix.join(dir, n)),
    ),
  );
  if (task) {
    c.push(
      f.globFirst(dir, [
        `${task}*.queries*.jsonl`,
        `${task}*.queries*.parquet`,
        `${task}*.query*.jsonl`,
        `${task}*.query*.parquet`,
        `*${task}*.queries*.jsonl`,
        `*${task}*.queries*.parquet`,
      ]),
    );
  }
  c.push(f.globFirst(dir, ['queries/*.parquet', 'queries/*.jsonl']));
  return f.pickFirst(c);
}

/** `_find_corpus_file` (:115-143). */
function findCorpusFile(f: Finder, dir: string, task: string | null): string | null {
  const c: (string | null)[] = [];
  if (f.isDir(posix.join(dir, 'documents')) && task) c.push(f.globFirst(dir, [`documents/${task}-*.parquet`]));
  c.push(f.pickFirst(['corpus.jsonl', 'corpus.parquet', 'documents.jsonl', 'documents.parquet'].map((n) => posix.join(dir, n))));
  if (task) {
    c.push(
      f.globFirst(dir, [`${task}*.corpus*.jsonl`, `${task}*.corpus*.parquet`, `*${task}*.corpus*.jsonl`, `*${task}*.corpus*.parquet`]),
    );
  }
  c.push(f.globFirst(dir, ['corpus/*.parquet', 'corpus/*.jsonl']));
  return f.pickFirst(c);
}

/** `_find_qrels_file` (:146-172): the search BRIGHT's entries (no qrels_file) go through. */
function findQrelsFile(f: Finder, dir: string, task: string | null): string | null {
  const c: (string | null)[] = [];
  c.push(
    f.pickFirst(
      [
        'qrels.jsonl',
        'qrels.parquet',
        'qrels_changed/test.jsonl',
        'qrels_changed/test.parquet',
        'qrels_og/test.jsonl',
        'qrels_og/test.parquet',
        'qrels_reversed/test.jsonl',
        'qrels_reversed/test.parquet',
      ].map((n) => posix.join(dir, n)),
    ),
  );
  if (task) {
    c.push(f.globFirst(dir, [`${task}*.qrels*.jsonl`, `${task}*.qrels*.parquet`, `*${task}*.qrels*.jsonl`, `*${task}*.qrels*.parquet`]));
  }
  c.push(f.globFirst(dir, ['qrels/*.parquet', 'qrels/*.jsonl']));
  return f.pickFirst(c);
}

export interface TextTaskFiles {
  query: string;
  corpus: string;
  qrels: string | null;
}

/** Which files the loader reads (:387-409): the YAML's, with discovery only for a missing key or a folder. */
export function resolveTextTaskFiles(ctx: AdapterContext): TextTaskFiles {
  const v = ctx.v3;
  const f = new Finder(ctx);
  const rel = (p: string | undefined): string | undefined => (p ? ctx.root.rel([p], { task: ctx.task.name }) : undefined);
  let query = rel(v.queryFile) ?? null;
  let corpus = rel(v.candidateFile) ?? null;
  let qrels = rel(v.qrelsFile) ?? null;
  let found: { dir: string; task: string | null } | null = null;
  if (f.isDir(query)) found = { dir: query, task: null };
  else if (f.isDir(corpus)) found = { dir: corpus, task: null };
  else if (v.dataPath) found = resolveDatasetDir(f, rel(v.dataPath) as string, v.subsetName);
  if (found) {
    if (query === null || f.isDir(query)) query = findQueryFile(f, found.dir, found.task);
    if (corpus === null || f.isDir(corpus)) corpus = findCorpusFile(f, found.dir, found.task);
    if (qrels === null || f.isDir(qrels)) qrels = findQrelsFile(f, found.dir, found.task);
  }
  const where = { task: ctx.task.name };
  if (!query || !f.exists(query))
    throw new DataError(`query file not found: ${query ?? `nothing under ${found?.dir ?? '(no data_path)'}`}`, where);
  if (!corpus || !f.exists(corpus))
    throw new DataError(`candidate file not found: ${corpus ?? `nothing under ${found?.dir ?? '(no data_path)'}`}`, where);
  if (qrels && !f.exists(qrels)) throw new DataError(`qrels file not found: ${qrels}`, where);
  return { query, corpus, qrels };
}

/** `_infer_query_text` (:217-237): FollowIR and InfoSearch prefix a per-query instruction, by subset_name. */
function queryText(r: RowReader, variant: 'changed' | 'reversed' | 'og' | null, subsetName: string): string {
  const subset = subsetName.toLowerCase();
  const base = baseQueryText(r);
  const row = rowOf(r);
  const prefixed = (field: string): string => {
    const instruction = pyGet(row, field);
    return pyTruthy(instruction) ? joinInstruction(r, field, instruction, base) : textOf(r, base);
  };
  if (subset.includes('infosearch')) return prefixed('instruction_changed');
  if (subset.includes('followir')) return prefixed('instruction_og');
  // dead for the shipped YAML: the instruction *replaces* the query when the qrels path names its variant
  const field = variant ? `instruction_${variant}` : null;
  if (field && pyTruthy(pyGet(row, field))) return textOf(r, { value: row[field], key: field });
  return textOf(r, base);
}

/** BRIGHT's gold without qrels: `gold_ids or gold_ids_long or []`, a JSON string decoded (:270-276). */
function brightGold(r: RowReader): string[] {
  const { value, key } = orField(r, ['gold_ids', 'gold_ids_long']);
  let ids: unknown = pyTruthy(value) ? value : [];
  if (typeof ids === 'string') {
    try {
      ids = JSON.parse(ids);
    } catch {
      ids = [];
    }
  }
  // Python iterates whatever it got: a list's items, a string's characters, a dict's keys
  let items: unknown[];
  if (Array.isArray(ids)) items = ids;
  else if (typeof ids === 'string') items = [...ids];
  else if (ids && typeof ids === 'object' && !(ids instanceof Uint8Array)) items = Object.keys(ids);
  else throw r.error(key, `gold ids must be a list (or a JSON string of one), got ${JSON.stringify(ids)}`);
  return items.filter((x) => x !== null && x !== undefined).map((x) => strOf(r, key, x, 'gold id'));
}

export const complexTextRetrieveAdapter: Adapter = async (ctx) => {
  const files = resolveTextTaskFiles(ctx);
  // which qrels variant the path names (:411-418): eval.py's joined path, data root included
  const joinedQrels = files.qrels ? ctx.root.abs(files.qrels) : '';
  const variant = joinedQrels.includes('qrels_changed')
    ? 'changed'
    : joinedQrels.includes('qrels_reversed')
      ? 'reversed'
      : joinedQrels.includes('qrels_og')
        ? 'og'
        : null;
  // read in VLM2Vec's order (:426-428): queries, corpus, qrels
  const queryRows = await readRowsLikeVlm2vec(ctx, files.query);
  const corpusRows = await readRowsLikeVlm2vec(ctx, files.corpus);
  const qrels = files.qrels ? parseQrelsRows(await readRowsLikeVlm2vec(ctx, files.qrels)) : null;

  const subsetName = ctx.v3.subsetName ?? '';
  const queries: QueryDraft[] = [];
  for (const r of queryRows) {
    const id = rowId(r, QUERY_ID_KEYS, 'query id');
    if (id === null) continue;
    const text = queryText(r, variant, subsetName);
    if (!text) continue; // only "" is dropped: a whitespace-only query stays (no strip)
    let gold: string[];
    let relScores: number[] | null = null;
    if (qrels) {
      const docs = qrels.get(id);
      gold = docs ? [...docs.keys()] : [];
      if (docs?.size) relScores = [...docs.values()];
    } else gold = brightGold(r);
    queries.push({
      // data_prepare_query (:329-330): Phi-3-V's image placeholder becomes the backbone's
      ...textItem(id, text.split(RAW_IMAGE_TOKEN).join(IMAGE_TOKEN)),
      candidates: [],
      gold,
      relScores,
      source: ctx.provenance(r),
    });
  }
  if (queries.length && queries.every((q) => q.gold.length === 0)) {
    throw new DataError(`no query has a positive label (VLM2Vec raises here): check the qrels file and the id columns`, {
      task: ctx.task.name,
      file: files.qrels ? ctx.root.abs(files.qrels) : ctx.root.abs(files.query),
    });
  }
  // every document joins the pool; generate_cand_dataset keeps the first of a repeated id
  const corpus = new Map<string, ItemDraft>();
  for (const doc of parseCorpusRows(corpusRows)) if (!corpus.has(doc.id)) corpus.set(doc.id, textItem(doc.id, doc.text));
  return { queries, corpus: [...corpus.values()], labelShape: 'list', tolerates: KEEPS_AS_PARSED };
};
