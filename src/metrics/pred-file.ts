import { DataError } from '../errors.js';
import { readJsonLines } from '../util/json.js';
import type { Id, Prediction } from './ranking.js';

/**
 * One id of a prediction or gold line. Ids are compared as strings; ViDoRe's int64 ids arrive as JSON
 * numbers in some files (VLM2Vec writes them as it read them), so a number becomes its digits. An integer
 * beyond 2^53 is refused: JSON.parse rounds it, so two distinct ids could become one, where Python's json
 * keeps them apart. `numbers`, when given, collects the ids that were numbers (see checkIdKinds).
 */
export function asId(v: unknown, file: string, line: number, field: string, numbers?: Set<Id>): Id {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
      throw new DataError(`id ${v} is beyond 2^53, where JSON numbers lose digits; write ids this large as strings`, {
        file,
        line,
        field,
      });
    }
    const id = String(v);
    numbers?.add(id);
    return id;
  }
  throw new DataError(`expected a string or number id, got ${JSON.stringify(v)}`, { file, line, field });
}

/**
 * A line that writes one id as a number and another as a string with the same digits (7 and "7"): Python,
 * and so VLM2Vec, compares them as different ids, while here both are "7". Refused rather than scored
 * differently; a file written with one id type throughout (as VLM2Vec and tte-bench write them) never is.
 */
export function checkIdKinds(numbers: Set<Id>, strings: Set<Id>, file: string, line: number): void {
  for (const id of numbers) {
    if (strings.has(id)) {
      throw new DataError(
        `id ${id} appears both as a number and as the string "${id}", which VLM2Vec compares as different ids; write all ids with one type`,
        { file, line },
      );
    }
  }
}

/**
 * Graded relevance: null, or one finite number per label. A label listed twice with grades is refused, as
 * VLM2Vec refuses it: RankingMetrics.evaluate de-duplicates the labels with set() and ndcg_at_k then raises
 * "If rels is provided, label must be a list of the same length."
 */
export function checkRelScores(rel: unknown, label: Id | Id[], file: string, line: number): number[] | null {
  if (rel === undefined || rel === null) return null;
  if (!Array.isArray(rel) || !rel.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new DataError('expected null or an array of numbers', { file, line, field: 'rel_scores' });
  }
  const labels = Array.isArray(label) ? label : [label];
  if (rel.length !== labels.length) {
    throw new DataError(`has ${rel.length} entries but label has ${labels.length}`, { file, line, field: 'rel_scores' });
  }
  const seen = new Set<Id>();
  for (const l of labels) {
    if (seen.has(l)) {
      throw new DataError(`label '${l}' is listed twice; with rel_scores every label must be distinct (VLM2Vec raises here)`, {
        file,
        line,
        field: 'label',
      });
    }
    seen.add(l);
  }
  return rel as number[];
}

/** Check one parsed pred.jsonl line; every problem names the file, line and field. */
export function parsePredictionLine(obj: unknown, file: string, line: number): Prediction {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new DataError('expected a JSON object', { file, line });
  const o = obj as Record<string, unknown>;
  if (!Array.isArray(o.prediction)) throw new DataError('missing or non-array', { file, line, field: 'prediction' });
  const numbers = new Set<Id>();
  const prediction = o.prediction.map((v) => asId(v, file, line, 'prediction', numbers));
  if (o.label === undefined || o.label === null) throw new DataError('missing', { file, line, field: 'label' });
  const label = Array.isArray(o.label)
    ? o.label.map((v) => asId(v, file, line, 'label', numbers))
    : asId(o.label, file, line, 'label', numbers);
  if (numbers.size) {
    const strings = new Set<Id>();
    const note = (vs: unknown[]) => vs.forEach((v) => typeof v === 'string' && strings.add(v));
    note(o.prediction);
    note(Array.isArray(o.label) ? o.label : [o.label]);
    checkIdKinds(numbers, strings, file, line);
  }
  return { prediction, label, rel_scores: checkRelScores(o.rel_scores, label, file, line) };
}

export function readPredictionFile(file: string): Prediction[] {
  return readJsonLines(file).map(({ value, line }) => parsePredictionLine(value, file, line));
}
