/**
 * gui (GAE-GUIAct_* and GAE-Mind2Web_*, directions q2t q2s s2s t2s): text plus zero or more screenshots on
 * both sides, as VLM2Vec src/data/eval_dataset/gui_dataset.py (Stars1233/VLM2Vec 44f991d) builds them:
 *  - rows from `<dataset>/queries/` and `<dataset>/corpus/` (load_local_hf_dataset, src/utils/dataset_utils.py:63-112):
 *    `<split>-*.parquet` sorted, else `<split>*.parquet`, else every parquet of the folder, concatenated;
 *  - each query row carries its positive as its own candidate (`cand_names=[pos_id]`, gui_dataset.py:68-72), so
 *    a positive enters the pool before the corpus and its query-row text and screenshots win (base_eval_dataset.py:121-200);
 *  - `<|image_1|>` → the image token in query, positive and corpus texts (:42-44, :86-87); nothing else;
 *  - image path fields (`process_multi_images`, :11-31): a list, a string holding a Python list literal, or one
 *    path; empty entries are no image. The collator treats a path that does not exist as no image too
 *    (eval_collator.py:168-181): such a screenshot is left out and reported as a warning.
 */
import { POOLED_AS_PARSED } from './complex_text_retrieve.js';
import { readdirSync } from 'node:fs';
import { DataError, type ErrorLocation } from '../errors.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import type { RowReader } from './fields.js';
import type { MediaRef } from './types.js';

// ---- a small, safe reader for the Python literals that ast.literal_eval would accept in a path field ----

/** A Python literal as far as process_multi_images cares: strings, None, and anything else by kind. */
export type PyLiteral =
  | { t: 'str'; v: string }
  | { t: 'none' }
  | { t: 'seq'; kind: 'list' | 'tuple' | 'set' | 'dict'; items: PyLiteral[] }
  | { t: 'scalar'; v: string; falsy: boolean };

class LiteralSyntax extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * `ast.literal_eval(s)` for the literals a path field can hold: (raw) string literals, None/True/False,
 * plain numbers, and lists / tuples / sets / dicts of them. Returns null when `s` is not a literal at all
 * (VLM2Vec then takes it as one path); throws when it is one this reader does not cover (bytes, implicit
 * concatenation, \N{...}, complex numbers, …), so no field is read differently from Python in silence.
 */
export function pyLiteralEval(s: string): PyLiteral | null {
  const src = s.replace(/^[ \t]+/, ''); // literal_eval lstrips spaces and tabs
  let i = 0;
  const ws = () => {
    while (i < src.length && /[ \t\n\r\f\v]/.test(src[i])) i++;
  };
  const strLit = (): PyLiteral => {
    const m = /^([rRuU]?)('''|"""|'|")/.exec(src.slice(i));
    if (!m) throw new LiteralSyntax('expected a string');
    const raw = m[1] === 'r' || m[1] === 'R';
    const q = m[2];
    i += m[0].length;
    let out = '';
    for (;;) {
      if (i >= src.length) throw new LiteralSyntax('unterminated string');
      if (src.startsWith(q, i)) {
        i += q.length;
        break;
      }
      const c = src[i];
      if (q.length === 1 && c === '\n') throw new LiteralSyntax('newline in a string');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = src[i + 1];
      if (e === undefined) throw new LiteralSyntax('unterminated string');
      if (raw) {
        out += c + e; // a raw string keeps the backslash (and escapes the quote from ending it)
        i += 2;
      } else if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        i += 2;
      } else if (e === '\n') i += 2;
      else if (/[0-7]/.test(e)) {
        const oct = /^[0-7]{1,3}/.exec(src.slice(i + 1))?.[0] as string;
        out += String.fromCodePoint(Number.parseInt(oct, 8));
        i += 1 + oct.length;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new LiteralSyntax(`bad \\${e} escape`);
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) throw new LiteralSyntax('escape out of range');
        out += String.fromCodePoint(cp);
        i += 2 + n;
      } else if (e === 'N') throw new Unsupported('a \\N{...} escape');
      else {
        out += c + e; // an unknown escape keeps its backslash
        i += 2;
      }
    }
    ws();
    if (/^[rRuUbBfF]?['"]/.test(src.slice(i))) throw new Unsupported('implicitly concatenated strings');
    return { t: 'str', v: out };
  };
  const value = (): PyLiteral => {
    ws();
    const rest = src.slice(i);
    if (/^[rRuU]?['"]/.test(rest)) return strLit();
    if (/^[bBfF]|^[rR][bBfF]|^[bBfF][rR]/.test(rest) && /^[a-zA-Z]{1,2}['"]/.test(rest))
      throw new Unsupported('a bytes or f-string literal');
    const open = rest[0];
    if (open === '[' || open === '(' || open === '{') {
      const close = { '[': ']', '(': ')', '{': '}' }[open];
      i++;
      const items: PyLiteral[] = [];
      let sawComma = false;
      let dict = false;
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          break;
        }
        items.push(value());
        ws();
        if (open === '{' && src[i] === ':') {
          dict = true;
          i++;
          value(); // a dict iterates its keys
          ws();
        }
        if (src[i] === ',') {
          sawComma = true;
          i++;
          continue;
        }
        if (src[i] !== close) throw new LiteralSyntax(`expected ',' or '${close}'`);
      }
      // "(x)" is x itself, not a tuple
      if (open === '(' && items.length === 1 && !sawComma) return items[0];
      return { t: 'seq', kind: open === '[' ? 'list' : open === '(' ? 'tuple' : dict || items.length === 0 ? 'dict' : 'set', items };
    }
    const word = /^(None|True|False|Ellipsis)\b/.exec(rest);
    if (word) {
      i += word[0].length;
      return word[1] === 'None' ? { t: 'none' } : { t: 'scalar', v: word[1], falsy: word[1] === 'False' };
    }
    const num =
      /^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d[\d_]*)?|\d[\d_]*\.)(?![\w.])/.exec(rest);
    if (num) {
      if (/^[jJ]/.test(src.slice(i + num[0].length))) throw new Unsupported('a complex number');
      i += num[0].length;
      return { t: 'scalar', v: num[0], falsy: Number(num[0].replace(/_/g, '')) === 0 };
    }
    throw new LiteralSyntax('not a literal');
  };
  const startsLiteral = /^(?:[[({]|[rRuUbBfF]{0,2}['"])/.test(src);
  try {
    const first = value();
    ws();
    if (i === src.length) return first;
    if (src[i] !== ',') throw new LiteralSyntax('extra input');
    // a bare "a, b" is a tuple
    const items = [first];
    while (src[i] === ',') {
      i++;
      ws();
      if (i === src.length) break;
      items.push(value());
      ws();
    }
    if (i !== src.length) throw new LiteralSyntax('extra input');
    return { t: 'seq', kind: 'tuple', items };
  } catch (err) {
    if (err instanceof Unsupported)
      throw new DataError(`image path field ${JSON.stringify(s)} holds ${err.message}, which this reader does not evaluate`);
    if (!(err instanceof LiteralSyntax)) throw err;
    // a plain path is no literal; a field that opens like one but does not parse is refused rather than guessed
    if (startsLiteral) throw new DataError(`image path field ${JSON.stringify(s)} looks like a Python literal but cannot be read as one`);
    return null;
  }
}

class Unsupported extends Error {}

/**
 * `process_multi_images`' entries before the join: a path, or "" for no image. Values VLM2Vec would
 * iterate character by character (a string literal), iterate in hash order (a set) or fail on (a number)
 * are refused with the reason.
 */
export function imagePathEntries(v: unknown): string[] {
  const fromLiteral = (lit: PyLiteral): string[] => {
    // the field's own emptiness was tested before literal_eval: an evaluated None or 0 is iterated, and fails
    if (lit.t === 'str' && lit.v === '') return [''];
    if (lit.t === 'str') throw new DataError('image path field is a quoted string literal: VLM2Vec would take each character as a path');
    if (lit.t === 'none' || lit.t === 'scalar')
      throw new DataError(`image path field is the literal ${lit.t === 'none' ? 'None' : lit.v}: VLM2Vec fails iterating it`);
    if (lit.kind === 'dict' || (lit.kind === 'set' && lit.items.length > 1)) {
      throw new DataError(
        `image path field is a Python ${lit.kind}: VLM2Vec would iterate its ${lit.kind === 'dict' ? 'keys' : 'items in hash order'}`,
      );
    }
    return lit.items.map((x) => {
      if (x.t === 'none' || (x.t === 'str' && x.v === '') || (x.t === 'scalar' && x.falsy) || (x.t === 'seq' && x.items.length === 0))
        return '';
      if (x.t === 'str') return x.v;
      throw new DataError('image path list holds a value that is not a string: VLM2Vec fails joining it to the image root');
    });
  };
  let entries: string[];
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return ['']; // `if not image_paths`
  if (typeof v === 'string') {
    const lit = pyLiteralEval(v);
    entries = lit === null ? [v] : fromLiteral(lit); // ValueError / SyntaxError → the string is one path
  } else if (Array.isArray(v)) {
    entries = v.map((x) => {
      if (x === null || x === '') return '';
      if (typeof x === 'string') return x;
      throw new DataError('image path list holds a value that is not a string: VLM2Vec fails joining it to the image root');
    });
  } else throw new DataError(`image path field is neither a list nor a string: ${JSON.stringify(v)}`);
  return entries.length ? entries : [''];
}

// ---- files and rows ----

/** load_local_hf_dataset's file choice in one folder (dataset_utils.py:92-101): sorted full paths, Python order. */
export function guiParquetFiles(names: string[], split: string): string[] {
  const parquet = names.filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bySplitDash = parquet.filter((n) => n.startsWith(`${split}-`));
  if (bySplitDash.length) return bySplitDash;
  const bySplit = parquet.filter((n) => n.startsWith(split));
  return bySplit.length ? bySplit : parquet;
}

function gatherRows(ctx: AdapterContext, dataDir: string, subset: 'queries' | 'corpus', split: string): Promise<RowReader[]> {
  const dir = `${dataDir}/${subset}`;
  if (!ctx.root.isDir(dir)) throw new DataError(`missing folder ${dir}`, { task: ctx.task.name });
  const files = guiParquetFiles(readdirSync(ctx.root.abs(dir)), split);
  if (!files.length) throw new DataError(`no parquet file in ${dir}`, { task: ctx.task.name });
  return ctx.readFiles(files.map((f) => `${dir}/${f}`));
}

/** Screenshots of one path field: existing files as images; "" is no image; a missing file is no image, with a warning. */
function screenshots(ctx: AdapterContext, imageRoot: string, r: RowReader, field: string): MediaRef[] {
  const where: ErrorLocation = { file: r.src.file, row: r.src.index, field };
  let entries: string[];
  try {
    entries = imagePathEntries(r.src.row[field]);
  } catch (err) {
    if (err instanceof DataError) throw r.error(field, err.detail);
    throw err;
  }
  const media: MediaRef[] = [];
  for (const e of entries) {
    if (!e) continue;
    const rel = ctx.root.rel([imageRoot, e], { task: ctx.task.name, ...where });
    if (!ctx.root.exists(rel, { task: ctx.task.name, ...where })) {
      ctx.warn(`screenshot ${rel} does not exist; VLM2Vec's collator embeds the item without it`, where);
      continue;
    }
    media.push(ctx.image(rel, r, field));
  }
  return media;
}

export const guiAdapter: Adapter = async (ctx) => {
  const v3 = ctx.v3;
  const split = v3.split;
  if (!split) throw new DataError('catalog gives no dataset_split for this GUI task (v3.split)', { task: ctx.task.name });
  // the path table (src/constant/dataset_hflocal_path.py:136-145) puts GAE-<X>_<split> under gui-tasks/GAE-<X>
  const dataDir = v3.dataPath ?? `gui-tasks/${(ctx.task.datasetName ?? ctx.task.name).replace(/_[^_]*$/, '')}`;
  const imageRoot = v3.imageRoot ?? ctx.task.media.imageRoot;
  if (!imageRoot) throw new DataError('catalog gives no image_root for this GUI task', { task: ctx.task.name });
  const rule = { kind: 'join-strip', imageToken: true } as const;
  const item = (id: string, text: string, media: MediaRef[]): ItemDraft => ({ id, parts: { instruction: '', text, rule }, media });

  const queries: QueryDraft[] = ctx.sample(await gatherRows(ctx, dataDir, 'queries', split)).map((r, i) => {
    const posId = r.id('pos_id');
    const positive = item(posId, r.str('pos_text'), screenshots(ctx, imageRoot, r, 'pos_image_path'));
    return {
      ...item(String(i), r.str('qry_text'), screenshots(ctx, imageRoot, r, 'qry_image_path')),
      candidates: [positive],
      gold: [posId],
      relScores: null,
      source: ctx.provenance(r),
    };
  });
  const corpus = (await gatherRows(ctx, dataDir, 'corpus', split)).map((r) =>
    item(r.id('cand_id'), r.str('cand_text'), screenshots(ctx, imageRoot, r, 'cand_image_path')),
  );
  return { queries, corpus, labelShape: 'list', tolerates: POOLED_AS_PARSED };
};
