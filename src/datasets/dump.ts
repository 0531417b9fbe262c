import { flattenMedia, type EvalSet } from '../items/types.js';

/**
 * The EvalSet as `dump` prints it: one line per query, then one per pooled candidate, in scoring order
 * (the format of the shared MMEB-V2 fixtures' expected/*.jsonl).
 */
export function* dumpLines(es: EvalSet): Generator<string> {
  for (const q of es.queries) {
    yield JSON.stringify({
      role: 'query',
      id: q.id,
      text: q.text,
      media: flattenMedia(q.media),
      candidates: q.candidateIds,
      gold: q.gold,
      rel_scores: q.relScores,
    });
  }
  for (const c of es.candidates) {
    yield JSON.stringify({ role: 'target', id: c.id, text: c.text, media: flattenMedia(c.media) });
  }
}
