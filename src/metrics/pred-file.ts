import { DataError } from '../errors.js';
import { readJsonLines } from '../util/json.js';
import type { Id, Prediction } from './ranking.js';

function asId(v: unknown, file: string, line: number, field: string): Id {
  // Ids are compared as strings; ViDoRe's int64 ids arrive as JSON numbers in some files.
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new DataError(`expected a string or number id, got ${JSON.stringify(v)}`, { file, line, field });
}

/** Check one parsed pred.jsonl line; every problem names the file, line and field. */
export function parsePredictionLine(obj: unknown, file: string, line: number): Prediction {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new DataError('expected a JSON object', { file, line });
  const o = obj as Record<string, unknown>;
  if (!Array.isArray(o.prediction)) throw new DataError('missing or non-array', { file, line, field: 'prediction' });
  const prediction = o.prediction.map((v) => asId(v, file, line, 'prediction'));
  if (o.label === undefined || o.label === null) throw new DataError('missing', { file, line, field: 'label' });
  const label = Array.isArray(o.label) ? o.label.map((v) => asId(v, file, line, 'label')) : asId(o.label, file, line, 'label');
  let rel: number[] | null = null;
  if (o.rel_scores !== undefined && o.rel_scores !== null) {
    if (!Array.isArray(o.rel_scores) || !o.rel_scores.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new DataError('expected null or an array of numbers', { file, line, field: 'rel_scores' });
    }
    const n = Array.isArray(label) ? label.length : 1;
    if (o.rel_scores.length !== n) {
      throw new DataError(`has ${o.rel_scores.length} entries but label has ${n}`, { file, line, field: 'rel_scores' });
    }
    rel = o.rel_scores as number[];
  }
  return { prediction, label, rel_scores: rel };
}

export function readPredictionFile(file: string): Prediction[] {
  return readJsonLines(file).map(({ value, line }) => parsePredictionLine(value, file, line));
}
