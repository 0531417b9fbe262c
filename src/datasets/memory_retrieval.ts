/**
 * memory_retrieval (MMEB-V3's 4 memory tasks: KnowMeBench, REALTALK, PeerQA, DeepPlanning), as VLM2Vec builds
 * them: src/data/eval_dataset/memory_retrieval_dateset.py at Stars1233/VLM2Vec 44f991d. A dataset folder holds
 * one or more subtasks (a queries file with its qrels, and a corpus in the same folder or an ancestor); all of
 * them are pooled into one global text → text task, ids prefixed with their folder.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { DataError } from '../errors.js';
import {
  addQrel,
  baseQueryText,
  KEEPS_AS_PARSED,
  parseCorpusRows,
  parseQrelsRows,
  QUERY_ID_KEYS,
  type Qrels,
  qrelGrade,
  readRowsLikeVlm2vec,
  rowId,
  strOf,
  textItem,
  textOf,
} from './complex_text_retrieve.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import { pyCompareStr, pyFloat, pyTruthy } from './readers/pyvalues.js';
import { pyStrip } from './readers/pytext.js';
import { IMAGE_TOKEN, RAW_IMAGE_TOKEN } from './text.js';

/** `_discover_task_specs`'s query file names, in search order (:236-239). */
const QUERY_FILE_NAMES = ['queries.jsonl', 'query.jsonl', 'queries.parquet', 'query.parquet'];
const QRELS_FILE_NAMES = ['qrels.tsv', 'qrels.jsonl', 'qrels.parquet', 'qrels/test.jsonl', 'qrels/test.parquet'];
const CORPUS_FILE_NAMES = ['corpus.jsonl', 'corpus.parquet', 'documents.jsonl', 'documents.parquet'];
const SCIFACT_INSTRUCTION_KEY = 'LMEB_SciFact';

/** One subtask: absolute files (under the resolved dataset folder) and the id prefixes. */
export interface MemorySpec {
  taskKey: string;
  corpusKey: string;
  queryFile: string;
  corpusFile: string;
  qrelsFile: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

const pickFirst = (paths: string[]): string | null => paths.find(isFile) ?? null;

/** The folder relative to the dataset folder, POSIX, '' for the folder itself (`os.path.relpath`, '.' → ''). */
function relKey(datasetDir: string, dir: string): string {
  const r = relative(datasetDir, dir).split(sep).join('/');
  return r === '.' ? '' : r;
}

/** pathlib's ordering: component by component, by code point (so `Travel` < `shopping`, `a/b` < `a-c`). */
function comparePaths(a: string, b: string): number {
  const pa = a.split(sep);
  const pb = b.split(sep);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const d = pyCompareStr(pa[i], pb[i]);
    if (d) return d;
  }
  return pa.length - pb.length;
}

/**
 * `Path.rglob(name)` (Python 3.11): every entry with that name in the folder and below, descending into real
 * folders but not into symlinked ones, hidden folders included.
 */
function rglob(dir: string, name: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.name === name) out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort(comparePaths);
}

/** `_discover_task_specs` (:235-308): subtasks in file-kind order, then pathlib order. */
export function discoverMemorySpecs(datasetDir: string): MemorySpec[] {
  const specs: MemorySpec[] = [];
  for (const queryFile of QUERY_FILE_NAMES.flatMap((n) => rglob(datasetDir, n))) {
    const qdir = dirname(queryFile);
    const qrelsFile = pickFirst(QRELS_FILE_NAMES.map((n) => join(qdir, ...n.split('/'))));
    if (qrelsFile === null) continue; // a folder without qrels is skipped silently
    let corpusFile = pickFirst(CORPUS_FILE_NAMES.map((n) => join(qdir, n)));
    // else the nearest ancestor, up to and including the dataset folder (:267-280)
    for (let cursor = qdir; corpusFile === null && cursor !== datasetDir; ) {
      cursor = dirname(cursor);
      corpusFile = pickFirst(CORPUS_FILE_NAMES.map((n) => join(cursor, n)));
    }
    if (corpusFile === null) continue;
    specs.push({ taskKey: relKey(datasetDir, qdir), corpusKey: relKey(datasetDir, dirname(corpusFile)), queryFile, corpusFile, qrelsFile });
  }
  return specs;
}

/** Python's text-mode read: strict UTF-8 (a BOM kept as a character), universal newlines. */
function readPythonLines(file: string): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readFileSync(file));
  } catch (err) {
    throw new DataError(`cannot read as UTF-8 text: ${(err as Error).message}`, { file });
  }
  return text.split(/\r\n|\r|\n/);
}

/** `str.split()` without arguments: runs of Python whitespace, no empty parts. */
function pySplitWhitespace(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const c of s) {
    if (pyStrip(c) === '') {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * `_read_qrels_tsv` (:52-82): `qid did score` split on tabs, else on whitespace; TREC `qid Q0 did score`;
 * lines with fewer than 3 parts skipped; an unparsable score (a header line) counts as 1.0; <= 0 skipped.
 */
export function readQrelsTsv(file: string): Qrels {
  const qrels: Qrels = new Map();
  readPythonLines(file).forEach((raw, i) => {
    const line = pyStrip(raw);
    if (!line) return;
    let parts = line.split('\t');
    if (parts.length < 3) parts = pySplitWhitespace(line);
    if (parts.length < 3) return;
    const [qid, did, scoreRaw] = parts.length >= 4 && parts[1].toUpperCase() === 'Q0' ? [parts[0], parts[2], parts[3]] : parts;
    const grade = qrelGrade(
      pyFloat(scoreRaw) ?? 1,
      () => new DataError(`grade '${scoreRaw}' is not a finite number`, { file, line: i + 1 }),
    );
    addQrel(qrels, qid, did, grade);
  });
  return qrels;
}

/** `_resolve_query_instruction` (:163-190). */
export function resolveMemoryInstruction(instructions: Record<string, unknown>, datasetName: string, taskKey: string): unknown {
  const dsKey = datasetName === 'SciFact' ? SCIFACT_INSTRUCTION_KEY : datasetName;
  const cfg = Object.hasOwn(instructions, dsKey) ? instructions[dsKey] : {};
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return '';
  const own = (k: string): boolean => Object.hasOwn(cfg, k);
  const get = (k: string): unknown => (cfg as Record<string, unknown>)[k];
  if (dsKey === SCIFACT_INSTRUCTION_KEY) return own(SCIFACT_INSTRUCTION_KEY) ? get(SCIFACT_INSTRUCTION_KEY) : '';
  // only the subtask's last folder name: a key naming a parent folder is never looked up
  const subtask = taskKey ? (taskKey.split('/').pop() as string) : '';
  if (own(subtask)) return get(subtask);
  if (own(dsKey)) return get(dsKey);
  const values = Object.values(cfg);
  if (!subtask && values.length === 1 && typeof values[0] === 'string') return values[0];
  return '';
}

/** The data root's real folder, and a real path inside it as a root-relative POSIX path (or a DataError). */
function rootRelative(ctx: AdapterContext, realRoot: string, abs: string): string {
  const r = relative(realRoot, abs);
  if (r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) {
    throw new DataError(`memory data folder ${abs} resolves outside the data root`, { task: ctx.task.name });
  }
  return r.split(sep).join('/');
}

/** `task_instructions.json` of the nearest `memory-tasks` folder above the resolved dataset folder (:133-154). */
function loadInstructions(ctx: AdapterContext, realRoot: string, datasetDir: string): Record<string, unknown> {
  // Python walks to the file-system root; tte-bench reads nothing outside the data root
  for (let p = datasetDir; ; p = dirname(p)) {
    if (basename(p) === 'memory-tasks') {
      const file = join(p, 'task_instructions.json');
      if (!isFile(file)) return {};
      ctx.dataFiles.push(ctx.root.abs(rootRelative(ctx, realRoot, file)));
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new DataError(`invalid JSON: ${(err as Error).message}`, { task: ctx.task.name, file });
      }
      return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    }
    if (p === realRoot || dirname(p) === p) break;
  }
  return {};
}

const prefixId = (id: string, prefix: string): string => (prefix ? `${prefix}::${id}` : id);

export const memoryRetrievalAdapter: Adapter = async (ctx) => {
  const v = ctx.v3;
  const where = { task: ctx.task.name };
  const datasetName = ctx.task.datasetName ?? ctx.task.name;
  const realRoot = realpathSync(ctx.root.dir);
  const rel = (p: string): string => ctx.root.rel([p], where);
  // Path(data_path).resolve(): symlinks followed (:374)
  let datasetDir: string | null = null;
  if (v.dataPath) {
    const abs = ctx.root.abs(rel(v.dataPath));
    try {
      datasetDir = realpathSync(abs);
    } catch {
      datasetDir = abs;
    }
    rootRelative(ctx, realRoot, datasetDir);
  }
  let specs: MemorySpec[];
  if (v.queryFile && v.candidateFile && v.qrelsFile) {
    const key = v.subsetName ?? '';
    const abs = (p: string): string => ctx.root.abs(rel(p));
    specs = [{ taskKey: key, corpusKey: key, queryFile: abs(v.queryFile), corpusFile: abs(v.candidateFile), qrelsFile: abs(v.qrelsFile) }];
  } else {
    if (datasetDir === null)
      throw new DataError('the MMEB-V3 entry names no data_path (and not all of query_file, candidate_file, qrels_file)', where);
    let isDir = false;
    try {
      isDir = statSync(datasetDir).isDirectory();
    } catch {
      /* missing: reported below */
    }
    if (!isDir) throw new DataError(`memory dataset folder not found: ${v.dataPath}`, { ...where, file: datasetDir });
    specs = discoverMemorySpecs(datasetDir);
  }
  if (!specs.length) {
    throw new DataError(`no memory retrieval subtask found under ${v.dataPath}: expected queries.* with qrels.* and a corpus.*`, where);
  }
  const instructions = datasetDir ? loadInstructions(ctx, realRoot, datasetDir) : {};
  const toRel = (abs: string): string =>
    abs.startsWith(ctx.root.dir + sep) ? relative(ctx.root.dir, abs).split(sep).join('/') : rootRelative(ctx, realRoot, abs);

  const corpusRead = new Set<string>();
  const pool = new Map<string, ItemDraft>();
  const queries: QueryDraft[] = [];
  for (const spec of specs) {
    for (const [file, what] of [
      [spec.queryFile, 'query'],
      [spec.corpusFile, 'candidate'],
      [spec.qrelsFile, 'qrels'],
    ]) {
      if (!isFile(file)) throw new DataError(`${what} file not found`, { ...where, file });
    }
    // a corpus file is read once; its documents join the pool in the order of the first subtask reading it
    if (!corpusRead.has(spec.corpusFile)) {
      corpusRead.add(spec.corpusFile);
      for (const doc of parseCorpusRows(await readRowsLikeVlm2vec(ctx, toRel(spec.corpusFile)))) {
        const id = prefixId(doc.id, spec.corpusKey);
        if (!pool.has(id)) pool.set(id, textItem(id, doc.text));
      }
    }
    let qrels: Qrels;
    if (spec.qrelsFile.endsWith('.tsv')) {
      ctx.dataFiles.push(ctx.root.abs(toRel(spec.qrelsFile)));
      qrels = readQrelsTsv(spec.qrelsFile);
    } else qrels = parseQrelsRows(await readRowsLikeVlm2vec(ctx, toRel(spec.qrelsFile)));
    const queryRows = await readRowsLikeVlm2vec(ctx, toRel(spec.queryFile));
    const instruction = resolveMemoryInstruction(instructions, datasetName, spec.taskKey);
    if (pyTruthy(instruction) && typeof instruction !== 'string') {
      throw new DataError(`the instruction for '${spec.taskKey || datasetName}' is not a string`, { ...where, field: datasetName });
    }
    for (const r of queryRows) {
      const qid = rowId(r, QUERY_ID_KEYS, 'query id');
      if (qid === null) continue;
      const base = baseQueryText(r);
      const text = pyTruthy(instruction) ? pyStrip(`${instruction} ${strOf(r, base.key, base.value, 'query text')}`) : textOf(r, base);
      if (!text) continue;
      const docs = qrels.get(qid);
      queries.push({
        // data_prepare_query (:328-329): Phi-3-V's image placeholder becomes the backbone's
        ...textItem(prefixId(qid, spec.taskKey), text.split(RAW_IMAGE_TOKEN).join(IMAGE_TOKEN)),
        candidates: [],
        gold: docs ? [...docs.keys()].map((d) => prefixId(d, spec.corpusKey)) : [],
        relScores: docs?.size ? [...docs.values()] : null,
        source: ctx.provenance(r),
      });
    }
  }
  if (queries.length && queries.every((q) => q.gold.length === 0)) {
    throw new DataError('no query has a positive label (VLM2Vec raises here): check the qrels, query and corpus id columns', where);
  }
  return { queries, corpus: [...pool.values()], labelShape: 'list', tolerates: KEEPS_AS_PARSED };
};
