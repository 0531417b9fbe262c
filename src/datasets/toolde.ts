/**
 * toolde (the 35 MMEB-V3 tool-retrieval tasks): a text query against every tool document of its category
 * pool (web, code, customized), as VLM2Vec src/data/eval_dataset/toolde_dataset.py (Stars1233/VLM2Vec
 * 44f991d) builds them:
 *  - query (`_parse_query_data`, :182-232): f"{instruction} {query}".strip() when the instruction is truthy,
 *    else the query untouched; empty texts dropped (:64-66); `<|image_1|>` → the image token (:69-70);
 *  - gold from `label`, else `labels` (:193-225);
 *  - candidate (`load_candidate_data`, :235-292): the documentation JSON-decoded and a dict re-dumped with
 *    Python's json.dumps(ensure_ascii=True), any other decoded value as str(), undecodable text verbatim;
 *    empty documents are kept (the candidate filter at :104-140 is never called on the corpus).
 * Parquet rows are read as pandas 2 gives them (the fork pins pandas 2.3.3): a null string is None.
 */
import { POOLED_AS_PARSED } from './complex_text_retrieve.js';
import type { ErrorLocation } from '../errors.js';
import { DataError } from '../errors.js';
import { fromJs, type PyJson, PyJsonError, pyJsonDumps, pyJsonLoads, pyStr } from '../util/pyjson.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import { pyRowDict, readPyRows } from './readers/pyjson-rows.js';
import { pyStrip } from './readers/pytext.js';
import type { Provenance } from './types.js';

/** One row of a query or tool file, whatever its format. */
interface ToolRow {
  /** The field's value; undefined when the row has no such field (`dict.get` falls back to its default). */
  get(field: string): PyJson | undefined;
  /** A list column of a parquet file: pandas gives a numpy array, which none of the parser's branches takes. */
  isArrayColumn(field: string): boolean;
  has(field: string): boolean;
  where: ErrorLocation;
  source: Provenance;
}

/** Python truthiness of a decoded value (NaN is truthy, as in `if instruction:` on a pandas NaN). */
export function pyTruthy(v: PyJson | undefined): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** A root-relative file named by the YAML, with `data_path` joined on when given (toolde_dataset.py:333-337). */
export function v3File(ctx: AdapterContext, file: string | undefined, what: string): string {
  if (!file) throw new DataError(`catalog gives no ${what} for this task (v3)`, { task: ctx.task.name });
  const dataPath = ctx.v3.dataPath;
  const rel = dataPath ? `${dataPath.replace(/\/+$/, '')}/${file}` : file;
  const norm = ctx.root.rel([rel], { task: ctx.task.name });
  if (ctx.root.isDir(norm)) {
    throw new DataError(`${what} ${norm} is a folder; name the file (VLM2Vec's folder search is not reproduced)`, { task: ctx.task.name });
  }
  return norm;
}

async function readToolRows(ctx: AdapterContext, rel: string, kind: 'parquet' | 'json-list' | 'jsonl'): Promise<ToolRow[]> {
  if (kind === 'parquet') {
    return (await ctx.readFiles([rel])).map((r) => ({
      get: (f) => (f in r.src.row ? fromJs(r.src.row[f]) : undefined),
      isArrayColumn: (f) => Array.isArray(r.src.row[f]),
      has: (f) => f in r.src.row,
      where: { file: r.src.file, row: r.src.index },
      source: ctx.provenance(r),
    }));
  }
  return readPyRows(ctx, rel, { list: kind === 'json-list' }).map((r) => {
    const d = pyRowDict(r, ctx.task.name);
    return {
      get: (f) => d.get(f),
      isArrayColumn: () => false,
      has: (f) => d.has(f),
      where: { file: r.file, row: r.index },
      source: { file: r.file, row: r.index },
    };
  });
}

/** An id as VLM2Vec keys it: a string, or an integer written as str() does. */
function idOf(ctx: AdapterContext, row: ToolRow, v: PyJson | undefined, field: string): string {
  if (v === undefined) return ''; // data.get('id', '')
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  throw new DataError(`expected a string or integer id, got ${pyStr(v)}`, { task: ctx.task.name, ...row.where, field });
}

/** `_parse_query_data`'s gold ids (toolde_dataset.py:193-225). */
export function toolLabels(ctx: AdapterContext, row: ToolRow): string[] {
  let field = 'label';
  let data = row.get('label');
  if (data === undefined || data === null) {
    field = 'labels';
    data = row.get('labels');
    if (data === undefined) data = [];
  }
  const where = { task: ctx.task.name, ...row.where, field };
  if (row.isArrayColumn(field)) {
    // a numpy array is neither list, dict nor str: VLM2Vec takes no gold from it (copied, and said)
    ctx.warn(`${field} is a list column: VLM2Vec reads it as a numpy array and takes no gold from it`, where);
    return [];
  }
  if (typeof data === 'number' && Number.isNaN(data)) return [];
  let labels: PyJson = data;
  if (typeof data === 'string') {
    const text = pyStrip(data);
    if (!text) return [];
    try {
      labels = pyJsonLoads(text);
    } catch (err) {
      if (!(err instanceof PyJsonError)) throw err;
      labels = text;
    }
  }
  const id = (v: PyJson): string => {
    if (typeof v === 'string') return v;
    // VLM2Vec keeps a non-string id as it is; Arrow then types the column by it and no string candidate name can match
    throw new DataError(`label id ${pyStr(v)} is not a string`, where);
  };
  const out: string[] = [];
  if (Array.isArray(labels)) {
    for (const l of labels) {
      if (l instanceof Map && l.has('id')) out.push(id(l.get('id') as PyJson));
      else if (typeof l === 'string') out.push(l);
      // other items (numbers, dicts without id) are skipped, as the parser does
    }
  } else if (labels instanceof Map) {
    if (labels.has('id')) out.push(id(labels.get('id') as PyJson));
  } else if (typeof labels === 'string') out.push(labels);
  return out;
}

/** `load_candidate_data`'s text for one documentation value (toolde_dataset.py:249-259). */
export function toolDocumentText(doc: PyJson): string {
  let decoded: PyJson = doc;
  if (typeof doc === 'string') {
    try {
      decoded = pyJsonLoads(doc);
    } catch (err) {
      if (!(err instanceof PyJsonError)) throw err;
      return doc; // undecodable: kept verbatim
    }
  }
  return decoded instanceof Map ? pyJsonDumps(decoded) : pyStr(decoded);
}

function fileKind(rel: string, side: 'query' | 'candidate'): 'parquet' | 'json-list' | 'jsonl' {
  if (rel.endsWith('.parquet')) return 'parquet';
  // load_query_data reads .json as a list (:162-168); load_candidate_data reads every non-parquet file as JSON Lines (:265-272)
  if (side === 'query' && rel.endsWith('.json')) return 'json-list';
  return 'jsonl';
}

export const toolDeAdapter: Adapter = async (ctx) => {
  const queryFile = v3File(ctx, ctx.v3.queryFile, 'query_file');
  const candidateFile = v3File(ctx, ctx.v3.candidateFile, 'candidate_file');
  const queries: QueryDraft[] = [];
  for (const row of await readToolRows(ctx, queryFile, fileKind(queryFile, 'query'))) {
    // dict.get's default only for a missing field: a null query next to an instruction is written "None" (pandas 2)
    const instruction = row.get('instruction');
    const query = row.has('query') ? (row.get('query') as PyJson) : '';
    const joined = pyTruthy(instruction);
    // without an instruction the query is the text as it is: a non-string one reaches str.replace and fails there
    if (!joined && pyTruthy(query) && typeof query !== 'string') {
      throw new DataError(`expected a string, got ${pyStr(query)}`, { task: ctx.task.name, ...row.where, field: 'query' });
    }
    const parts = {
      instruction: joined ? pyStr(instruction as PyJson) : '',
      text: joined ? pyStr(query) : (query as string) || '',
      rule: { kind: 'join-strip', imageToken: true } as const,
    };
    const text = joined ? pyStrip(`${parts.instruction} ${parts.text}`) : parts.text;
    if (!text) continue; // data_prepare_query drops empty texts (:64-66)
    queries.push({
      id: idOf(ctx, row, row.get('id'), 'id'),
      parts,
      media: [],
      candidates: [],
      gold: toolLabels(ctx, row),
      relScores: null,
      source: row.source,
    });
  }
  const corpus: ItemDraft[] = [];
  for (const row of await readToolRows(ctx, candidateFile, fileKind(candidateFile, 'candidate'))) {
    if (row.isArrayColumn('documentation')) {
      throw new DataError('documentation is a list column (VLM2Vec would write numpy’s repr of it)', {
        task: ctx.task.name,
        ...row.where,
        field: 'documentation',
      });
    }
    const doc = row.has('documentation') ? (row.get('documentation') as PyJson) : ''; // null → "None" (pandas 2)
    corpus.push({
      id: idOf(ctx, row, row.get('id'), 'id'),
      parts: { instruction: '', text: toolDocumentText(doc), rule: { kind: 'raw' } },
      media: [],
    });
  }
  // load_toolde_dataset applies no num_sample_per_subset
  return { queries, corpus, labelShape: 'list', tolerates: POOLED_AS_PARSED };
};
