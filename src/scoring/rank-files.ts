import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import type { Prediction } from '../metrics/ranking.js';
import { readNpy, rowsOf } from '../util/npy.js';
import { readJsonLines } from '../util/json.js';
import { ScoringPool } from './pool.js';

function readIds(file: string, expected: number): string[] {
  const ids = readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l, i, a) => l !== '' || i < a.length - 1);
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

/** Gold per query: one JSON value per line, an id or a list of ids (optionally {"label", "rel_scores"}). */
function readGold(file: string, expected: number): { label: string[]; rel: number[] | null }[] {
  const lines = readJsonLines(file);
  if (lines.length !== expected) throw new DataError(`has ${lines.length} lines but there are ${expected} queries`, { file });
  return lines.map(({ value: v }) => {
    const obj = v && typeof v === 'object' && !Array.isArray(v) ? (v as { label?: unknown; rel_scores?: unknown }) : { label: v };
    const label = Array.isArray(obj.label) ? obj.label.map(String) : [String(obj.label)];
    const rel = Array.isArray(obj.rel_scores) ? (obj.rel_scores as number[]) : null;
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

/** Rank precomputed embeddings (.npy) with the harness's scoring kernel; VLM2Vec-style predictions. */
export async function rankFiles(opts: RankFilesOptions): Promise<Prediction[]> {
  const q = readNpy(opts.queries);
  const c = readNpy(opts.candidates);
  for (const [m, file] of [[q, opts.queries], [c, opts.candidates]] as const) {
    if (m.rows === 0 || m.cols === 0) throw new DataError(`empty matrix (shape ${m.rows} x ${m.cols})`, { file });
    const bad = m.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new DataError(`non-finite value ${m.data[bad]} at row ${Math.floor(bad / m.cols)}, column ${bad % m.cols}`, { file });
  }
  if (q.cols !== c.cols) throw new DataError(`queries have ${q.cols} dimensions but candidates have ${c.cols}`, { file: opts.candidates });
  const cids = opts.candidateIds ? readIds(opts.candidateIds, c.rows) : Array.from({ length: c.rows }, (_, i) => String(i));
  if (opts.queryIds) readIds(opts.queryIds, q.rows);
  const gold = opts.gold ? readGold(opts.gold, q.rows) : null;
  const index = new Map(cids.map((id, i) => [id, i]));
  const goldIdx = (gold ?? []).map((g) => g.label.map((l) => index.get(l)).filter((i): i is number => i !== undefined));
  const pool = new ScoringPool();
  try {
    const ranked = await pool.topk(rowsOf(q), rowsOf(c), opts.k, gold ? goldIdx : rowsOf(q).map(() => []));
    return ranked.map((r, i) => ({
      prediction: r.map((j) => cids[j]),
      label: gold ? (gold[i].label.length === 1 && !gold[i].rel ? gold[i].label[0] : gold[i].label) : [],
      rel_scores: gold ? gold[i].rel : null,
    }));
  } finally {
    await pool.close();
  }
}
