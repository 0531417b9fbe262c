import { flattenMedia, type EvalSet, type MediaRef } from '../items/types.js';

/**
 * A line's media: image and frame files as root-relative paths (the V2 format, unchanged), an audio clip as
 * {"type": "audio", "path", "start", "end"} (seconds, null for the file's start / end). `path` is root-relative,
 * or, for bytes held in the data, the locator `<parquet file>#<row>/<column>[/<name the struct gives>]` under which
 * EvalSet.inlineMedia holds them.
 */
function dumpMedia(media: MediaRef[]): unknown[] {
  return media.flatMap((m): unknown[] =>
    m.kind === 'audio' ? [{ type: 'audio', path: m.path, start: m.start, end: m.end }] : flattenMedia([m]),
  );
}

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
      media: dumpMedia(q.media),
      candidates: q.candidateIds,
      gold: q.gold,
      rel_scores: q.relScores,
    });
  }
  for (const c of es.candidates) {
    yield JSON.stringify({ role: 'target', id: c.id, text: c.text, media: dumpMedia(c.media) });
  }
}
