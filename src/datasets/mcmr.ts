/**
 * mcmr (MCMR): a text query against products (one image + "field: value" text), global, as VLM2Vec builds it
 * in src/data/dataset/mcmr_dataset.py and src/data/eval_dataset/mcmr_dataset.py (Stars1233/VLM2Vec 44f991d):
 *  - query (`load_mcmr_query_rows`, :127-156): id str(qid).strip(); text f"{instruction} {query}" with the
 *    YAML's query_instruction, or whichever of the two is non-empty (`build_mcmr_query_text`, :73-78); gold
 *    from pos_ids (:137-147); then process_input_text("", backbone, text).strip() (eval :50);
 *  - candidate (`load_mcmr_candidate_rows`, :159-183): the fields title, description, features, price,
 *    Date First Available as "field: value" lines (:81-90), else "candidate_id: <id>"; the first `images`
 *    entry whose basename exists under the image root (:93-124), none is an error; then
 *    process_input_text("", backbone, text, add_image_token=True).strip() (eval :89-94).
 * Values are read with Python's JSON semantics (util/pyjson.ts), so 24.0 stays "24.0".
 */
import { POOLED_AS_PARSED } from './complex_text_retrieve.js';
import { DataError, type ErrorLocation } from '../errors.js';
import { type PyJson, pyJsonDumps, PyJsonError, pyJsonLoads, pyStr } from '../util/pyjson.js';
import type { Adapter, ItemDraft, QueryDraft } from './context.js';
import { pyRowDict, readPyRows } from './readers/pyjson-rows.js';
import { pyStrip } from './readers/pytext.js';

/** mcmr_dataset.py:6 — also what the YAML gives. */
export const MCMR_DEFAULT_INSTRUCTION = 'Find an image-text pair that matches the given query';
/** mcmr_dataset.py:12-18, in this order. */
export const MCMR_TEXT_FIELDS = ['title', 'description', 'features', 'price', 'Date First Available'] as const;

/** `_stringify` (mcmr_dataset.py:57-70). */
export function mcmrStringify(v: PyJson | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return pyStrip(v);
  if (Array.isArray(v)) {
    return v
      .map(mcmrStringify)
      .filter((p) => p)
      .join(' ');
  }
  if (v instanceof Map) return pyJsonDumps(v, { sortKeys: true });
  return pyStr(v); // int, float (repr), bool
}

/** `build_mcmr_candidate_text` (:81-90): non-empty "field: value" lines. */
export function mcmrCandidateText(row: Map<string, PyJson>): string {
  const parts: string[] = [];
  for (const f of MCMR_TEXT_FIELDS) {
    const v = mcmrStringify(row.get(f));
    if (v) parts.push(`${f}: ${v}`);
  }
  return pyStrip(parts.join('\n'));
}

/** `_image_name_from_url` (:93-100): stripped, "?…" cut, os.path.basename; no URL decoding. */
export function mcmrImageName(url: string): string {
  const s = pyStrip(url).split('?')[0];
  return s.slice(s.lastIndexOf('/') + 1);
}

/** `pos_ids` → gold (:137-147); the shapes VLM2Vec crashes on or splits per character are refused. */
export function mcmrGold(v: PyJson | undefined, where: ErrorLocation): string[] {
  let ids: PyJson = v === undefined ? [] : v;
  if (typeof ids === 'string') {
    try {
      ids = pyJsonLoads(ids);
    } catch (err) {
      if (!(err instanceof PyJsonError)) throw err;
      ids = [ids];
    }
    if (!Array.isArray(ids)) {
      throw new DataError(
        `pos_ids is a JSON string holding ${pyStr(ids)}, not a list: VLM2Vec would ${typeof ids === 'string' || ids instanceof Map ? 'take each character (or key) as an id' : 'fail iterating it'}`,
        { ...where, field: 'pos_ids' },
      );
    }
  } else if (!Array.isArray(ids))
    ids = ids === null || ids === false || ids === 0n || ids === 0 || (ids instanceof Map && ids.size === 0) ? [] : [ids];
  // str(x) for each item, kept when str(x).strip() is non-empty (so None becomes "None")
  return ids.map(pyStr).filter((s) => pyStrip(s));
}

export const mcmrAdapter: Adapter = async (ctx) => {
  const v3 = ctx.v3;
  // resolve_mcmr_paths (:32-54): with data_path, missing names default to query.jsonl / candidates.jsonl / images
  const under = (p: string | undefined, dflt: string): string | undefined =>
    v3.dataPath ? `${v3.dataPath.replace(/\/+$/, '')}/${p ?? dflt}` : p;
  const queryFile = under(v3.queryFile, 'query.jsonl');
  const candidateFile = under(v3.candidateFile, 'candidates.jsonl');
  const imageRoot = under(v3.imageRoot ?? ctx.task.media.imageRoot, 'images');
  if (!queryFile || !candidateFile || !imageRoot) {
    throw new DataError('catalog gives no query_file / candidate_file / image_root for MCMR (v3)', { task: ctx.task.name });
  }
  const imageDir = ctx.root.rel([imageRoot], { task: ctx.task.name });
  if (!ctx.root.isDir(imageDir)) throw new DataError(`image root ${imageDir} is not a folder`, { task: ctx.task.name });
  const instruction = ctx.task.instructions?.query ?? MCMR_DEFAULT_INSTRUCTION;
  const inst = mcmrStringify(instruction);

  const queries: QueryDraft[] = [];
  for (const r of readPyRows(ctx, queryFile)) {
    const row = pyRowDict(r, ctx.task.name);
    const where = { task: ctx.task.name, file: r.file, row: r.index };
    const id = pyStrip(pyStr(row.has('qid') ? (row.get('qid') as PyJson) : ''));
    const query = mcmrStringify(row.get('query'));
    const gold = mcmrGold(row.get('pos_ids'), where);
    if (!id || !(query || inst)) continue;
    queries.push({
      id,
      // build_mcmr_query_text joins the two when both are non-empty; the .strip() of process_input_text changes nothing more
      parts: { instruction: inst, text: query, rule: { kind: 'join-strip', imageToken: false } },
      media: [],
      candidates: [],
      gold,
      relScores: null,
      source: { file: r.file, row: r.index },
    });
  }
  const n = ctx.task.numSamples;
  const sampled = n !== undefined && n > 0 ? queries.slice(0, n) : queries;

  const corpus: ItemDraft[] = [];
  for (const r of readPyRows(ctx, candidateFile)) {
    const row = pyRowDict(r, ctx.task.name);
    const where = { task: ctx.task.name, file: r.file, row: r.index, field: 'images' };
    const id = pyStrip(pyStr(row.has('candidate_id') ? (row.get('candidate_id') as PyJson) : ''));
    const text = mcmrCandidateText(row);
    // resolve_candidate_image_path runs before the id check (:164-173), so a malformed `images` fails even without an id
    let images: PyJson = row.has('images') ? (row.get('images') as PyJson) : [];
    if (images instanceof Map) images = [images];
    if (!Array.isArray(images)) {
      throw new DataError(
        `images is ${images === null ? 'null' : `a ${typeof images}`}, not a list: VLM2Vec fails on it or iterates it per character`,
        where,
      );
    }
    let image: string | undefined;
    for (const entry of images) {
      let url: PyJson = '';
      if (typeof entry === 'string') url = entry;
      else if (entry instanceof Map) {
        // image_item.get("url") or .get("path") or .get("image") or ""
        for (const k of ['url', 'path', 'image']) {
          const x = entry.get(k);
          if (x !== undefined && x !== null && x !== '' && x !== false && x !== 0n && x !== 0) {
            url = x;
            break;
          }
        }
      }
      if (typeof url !== 'string') throw new DataError(`an images entry's url is ${pyStr(url)}, not a string`, where);
      const name = url ? mcmrImageName(url) : '';
      if (!name || name === '.' || name === '..') continue;
      const rel = `${imageDir}/${name}`;
      if (ctx.root.exists(rel, where) && !ctx.root.isDir(rel)) {
        image = rel;
        break;
      }
    }
    if (!id) continue;
    if (image === undefined) {
      ctx.problem(`no image of candidate ${id} exists under ${imageDir} (VLM2Vec stops the task here)`, where);
      continue;
    }
    corpus.push({
      id,
      parts: { instruction: '', text: text || `candidate_id: ${id}`, rule: { kind: 'process', strip: true } },
      media: [ctx.image(image)],
    });
  }
  return { queries: sampled, corpus, labelShape: 'list', tolerates: POOLED_AS_PARSED };
};
