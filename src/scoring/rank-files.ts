import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DataError } from '../errors.js';
import { asId, checkRelScores } from '../metrics/pred-file.js';
import type { Prediction } from '../metrics/ranking.js';
import { readNpyAsync, type Matrix } from '../util/npy.js';
import { firstNonFinite } from '../util/vector.js';
import { readJsonLines } from '../util/json.js';
import { createOrtKernel, type TopKKernel } from './ort-kernel.js';

function readIds(file: string, expected: number): string[] {
  const ids = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l, i, a) => l !== '' || i < a.length - 1);
  if (ids.length !== expected) throw new DataError(`has ${ids.length} ids but the matrix has ${expected} rows`, { file });
  // ids name rows: a repeated id would make gold labels and predictions ambiguous
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) throw new DataError(`id '${id}' appears twice (lines ${first + 1} and ${i + 1})`, { file, line: i + 1 });
    seen.set(id, i);
  });
  return ids;
}

/**
 * Gold per query: one JSON value per line, an id or a list of ids (optionally {"label", "rel_scores"}). Ids
 * and grades are checked as a pred.jsonl's are (a null, a missing label or a bad grade list would otherwise
 * become a label "null" that never hits, or binary relevance, and score silently).
 */
function readGold(file: string, expected: number): { label: string[]; rel: number[] | null }[] {
  const lines = readJsonLines(file);
  if (lines.length !== expected) throw new DataError(`has ${lines.length} lines but there are ${expected} queries`, { file });
  return lines.map(({ value: v, line }) => {
    const obj = v && typeof v === 'object' && !Array.isArray(v) ? (v as { label?: unknown; rel_scores?: unknown }) : { label: v };
    if (obj.label === undefined || obj.label === null) throw new DataError('missing', { file, line, field: 'label' });
    const label = (Array.isArray(obj.label) ? obj.label : [obj.label]).map((l) => asId(l, file, line, 'label'));
    const rel = checkRelScores(obj.rel_scores, label, file, line);
    return { label, rel };
  });
}

export interface RankFilesOptions {
  queries: string;
  candidates: string;
  queryIds?: string;
  candidateIds?: string;
  gold?: string;
  k: number;
}

interface Inputs {
  q: Matrix;
  c: Matrix;
  cids: string[] | null;
  gold: { label: string[]; rel: number[] | null }[] | null;
  goldIdx: number[][] | null;
}

async function readInputs(opts: RankFilesOptions, kernel: Promise<TopKKernel>): Promise<Inputs> {
  // both read at once; when both fail, the queries' error is the one reported, as before
  const [qRead, cRead] = [readNpyAsync(opts.queries), readNpyAsync(opts.candidates)];
  cRead.catch(() => {});
  const q = await qRead;
  const c = await cRead;
  for (const [m, file] of [
    [q, opts.queries],
    [c, opts.candidates],
  ] as const) {
    if (m.rows === 0 || m.cols === 0) throw new DataError(`empty matrix (shape ${m.rows} x ${m.cols})`, { file });
    // The kernel's native pass rules out non-finite values; only when it cannot is the matrix scanned here.
    const bad = (await (await kernel).maybeNonFinite(m.data, m.rows, m.cols)) ? firstNonFinite(m.data) : -1;
    if (bad >= 0)
      throw new DataError(`non-finite value ${m.data[bad]} at row ${Math.floor(bad / m.cols)}, column ${bad % m.cols}`, { file });
  }
  if (q.cols !== c.cols) throw new DataError(`queries have ${q.cols} dimensions but candidates have ${c.cols}`, { file: opts.candidates });
  const cids = opts.candidateIds ? readIds(opts.candidateIds, c.rows) : null;
  if (opts.queryIds) readIds(opts.queryIds, q.rows);
  const gold = opts.gold ? readGold(opts.gold, q.rows) : null;
  let goldIdx: number[][] | null = null;
  if (gold) {
    // without --candidate-ids the ids are the row indices "0", "1", ...
    const index = cids ? new Map(cids.map((id, i) => [id, i])) : null;
    const indexOf = (l: string) => (index ? index.get(l) : /^(0|[1-9]\d*)$/.test(l) && Number(l) < c.rows ? Number(l) : undefined);
    goldIdx = gold.map((g) => g.label.map(indexOf).filter((i): i is number => i !== undefined));
  }
  return { q, c, cids, gold, goldIdx };
}

/**
 * Rank precomputed embeddings (.npy) with the harness's scoring kernel; VLM2Vec-style predictions, made
 * one at a time as they are consumed (so they can be streamed out). The matrices are read as views of the
 * files' bytes. A one-shot command has nothing else to do meanwhile, so the kernel runs on this thread (no
 * worker to start, nothing to transfer); onnxruntime loads here while libuv's threads read the files.
 */
export async function rankFiles(opts: RankFilesOptions): Promise<{ count: number; predictions: Iterable<Prediction> }> {
  const kernel = createOrtKernel({ threads: availableParallelism(), blockScores: 5 << 20 });
  kernel.catch(() => {}); // a read error below is the one to report; a kernel failure surfaces when awaited
  const inputs = await readInputs(opts, kernel);
  const { q, c, cids, gold, goldIdx } = inputs;
  const goldSets = goldIdx?.map((g) => (g.length ? new Set(g) : null)) ?? null;
  const ranked = await (await kernel).topk(q.data, q.rows, c.data, c.rows, q.cols, opts.k, (i, j) => goldSets?.[i]?.has(j) === true);
  // No session release: the process ends with the command, and releasing only delays its exit.
  const kk = Math.min(opts.k, c.rows);
  function* predictions(): Iterable<Prediction> {
    for (let i = 0; i < q.rows; i++) {
      const row = ranked.subarray(i * kk, (i + 1) * kk);
      yield {
        prediction: Array.from(row, (j) => (cids ? cids[j] : String(j))),
        label: gold ? (gold[i].label.length === 1 && !gold[i].rel ? gold[i].label[0] : gold[i].label) : [],
        rel_scores: gold ? gold[i].rel : null,
      };
    }
  }
  return { count: q.rows, predictions: predictions() };
}
