/**
 * tutsound_audio_gnd / tutsound_audio_gnd_hard (TUTSound, TUTSound(hard)): a recording and an event label against
 * that recording's segments, local, as VLM2Vec builds them in src/data/eval_dataset/tutsound_dataset.py and
 * tutsound_hard_dataset.py (Stars1233/VLM2Vec 44f991d; the two differ only in the gold):
 *  - events (`_read_evaluate_file`, :19-37): TUT-sound-events-2017-development/evaluation_setup/
 *    street_fold{1,2,3,4}_evaluate.txt (a missing fold file is skipped with a warning, none at all is an error);
 *    each non-blank line split on tabs (whitespace when that gives fewer than 5 fields): file, scene, onset,
 *    offset, label; lines with fewer than 5 fields are skipped (reported here as warnings);
 *  - recordings in sorted order (:108), audio path normpath(<base>/<file>), duration = frames / rate of its header;
 *  - each event normalised into [0, duration] (`_normalize_segment`, :50-66);
 *  - candidates per recording (:149-171): the event segments in file order, then windows of 1.0 s every 0.5 s whose
 *    IoU with every event segment is < 0.1, the first 50; id f"{file}|{start:.3f}-{end:.3f}" (repeats kept);
 *    text = the TUTSound instruction; media the segment;
 *  - one query per event (:175-196): the whole recording, text build_query_text("TUTSound", label); gold —
 *    TUTSound: every distinct segment id of the recording with that label (relaxed); TUTSound(hard): the event's
 *    own segment id.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { readWavInfoFile } from '../media/audio-decode.js';
import { audioDatasetDir, audioQueryParts } from './audio_common.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import { pyFixed } from '../util/pyformat.js';
import { pyStrip } from '../util/pytext.js';

/** The knobs' defaults (:72-75); audio.yaml sets none of them. */
export const TUT_NEGATIVES = { winLen: 1.0, stride: 0.5, iouThresh: 0.1, maxPerQuery: 50 } as const;

export interface TutEvent {
  file: string;
  scene: string;
  onset: number;
  offset: number;
  label: string;
}

/** Python's float() of a field (surrounding whitespace allowed; nan/inf spellings refused as data errors). */
function pyFloat(s: string, where: { file: string; line: number }): number {
  const t = s.trim();
  if (!/^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][+-]?\d+)?$/.test(t)) {
    throw new DataError(`'${s}' is not a number (onset and offset are seconds)`, where);
  }
  return Number(t.replace(/_/g, ''));
}

/** `_read_evaluate_file` (:19-37): the events of one evaluate file, and the lines it skips. */
export function readEvaluateFile(text: string, file: string): { events: TutEvent[]; skipped: number[] } {
  const events: TutEvent[] = [];
  const skipped: number[] = [];
  // Python's text-mode iteration splits on \n (universal newlines turn \r\n and \r into \n)
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = pyStrip(raw);
    if (!line) return;
    let parts = line.split('\t');
    if (parts.length < 5) parts = line.split(/\s+/);
    if (parts.length < 5) {
      skipped.push(i + 1);
      return;
    }
    const where = { file, line: i + 1 };
    events.push({
      file: pyStrip(parts[0]),
      scene: pyStrip(parts[1]),
      onset: pyFloat(parts[2], where),
      offset: pyFloat(parts[3], where),
      label: pyStrip(parts[4]),
    });
  });
  return { events, skipped };
}

/** `_normalize_segment` (:50-66). */
export function normalizeSegment(start: number, end: number, duration: number, minDur = 0.05): [number, number] {
  let s = Math.max(0, start);
  let e = end;
  if (e <= s) e = s + minDur;
  if (e > duration) e = duration;
  if (e <= s) {
    s = Math.max(0, duration - minDur);
    e = duration;
  }
  if (e <= s) e = s + 1e-3;
  return [s, e];
}

/** `_segment_iou` (:40-43). */
export function segmentIou(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const inter = Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
  const union = Math.max(aEnd, bEnd) - Math.min(aStart, bStart);
  return union <= 0 ? 0 : inter / union;
}

/** `_seg_id` (:46-47), with Python's %.3f rounding. */
export function segmentId(file: string, start: number, end: number): string {
  return `${file}|${pyFixed(start, 3)}-${pyFixed(end, 3)}`;
}

/** The negative windows of one recording (:149-166). */
export function negativeWindows(duration: number, events: [number, number][], knobs = TUT_NEGATIVES): [number, number][] {
  const out: [number, number][] = [];
  if (knobs.winLen > 0 && knobs.stride > 0 && duration >= knobs.winLen) {
    for (let t = 0; t + knobs.winLen <= duration; t += knobs.stride) {
      let maxIou = 0;
      for (const [gs, ge] of events) {
        maxIou = Math.max(maxIou, segmentIou(t, t + knobs.winLen, gs, ge));
        if (maxIou >= knobs.iouThresh) break;
      }
      if (maxIou < knobs.iouThresh) out.push([t, t + knobs.winLen]);
    }
  }
  return knobs.maxPerQuery > 0 && out.length > knobs.maxPerQuery ? out.slice(0, knobs.maxPerQuery) : out;
}

function tutAdapter(hard: boolean): Adapter {
  return async (ctx: AdapterContext) => {
    const base = `${audioDatasetDir(ctx)}/TUT-sound-events-2017-development`;
    const byFile = new Map<string, TutEvent[]>();
    for (const fold of ['1', '2', '3', '4']) {
      const rel = `${base}/evaluation_setup/street_fold${fold}_evaluate.txt`;
      if (!ctx.root.exists(rel, { task: ctx.task.name }) || ctx.root.isDir(rel)) {
        ctx.warn(`evaluate file ${rel} not found: fold ${fold} is skipped, as VLM2Vec skips it`, { file: ctx.root.abs(rel) });
        continue;
      }
      const abs = ctx.root.abs(rel);
      ctx.dataFiles.push(abs);
      const { events, skipped } = readEvaluateFile(readFileSync(abs, 'utf8'), abs);
      for (const line of skipped) ctx.warn('line has fewer than 5 fields: skipped, as VLM2Vec skips it', { file: abs, line });
      for (const ev of events) {
        const list = byFile.get(ev.file) ?? [];
        byFile.set(ev.file, list);
        list.push(ev);
      }
    }
    if (!byFile.size) throw new DataError('no TUTSound evaluate events found in any fold', { task: ctx.task.name });
    const instruction = ctx.instruction('query');
    const queries: QueryDraft[] = [];
    for (const file of [...byFile.keys()].sort()) {
      const where = { task: ctx.task.name, file: `${base}/${file}` };
      const path = ctx.root.rel([base, file], where);
      let frames: number;
      let rate: number;
      try {
        ({ frames, sampleRate: rate } = readWavInfoFile(ctx.root.abs(path), path));
      } catch (err) {
        if (err instanceof DataError) throw new DataError(`cannot read the audio header (VLM2Vec stops here): ${err.detail}`, where);
        throw err;
      }
      const duration = frames / rate;
      const events = byFile.get(file)!.map((ev) => {
        const [s, e] = normalizeSegment(ev.onset, ev.offset, duration);
        return { label: ev.label, s, e, id: segmentId(file, s, e) };
      });
      const segments = [
        ...events.map((ev): [number, number] => [ev.s, ev.e]),
        ...negativeWindows(
          duration,
          events.map((ev) => [ev.s, ev.e]),
        ),
      ];
      const candidates: ItemDraft[] = segments.map(([s, e]) => ({
        id: segmentId(file, s, e),
        parts: audioQueryParts(instruction),
        media: [ctx.audio(path, { start: s, end: e }, where)],
      }));
      const byLabel = new Map<string, string[]>();
      for (const ev of events) {
        const ids = byLabel.get(ev.label) ?? [];
        if (!ids.includes(ev.id)) ids.push(ev.id);
        byLabel.set(ev.label, ids);
      }
      const recording = ctx.audio(path, undefined, where);
      for (const ev of events) {
        queries.push({
          id: String(queries.length),
          parts: audioQueryParts(instruction, ev.label),
          media: [recording],
          candidates,
          gold: hard ? [ev.id] : [...byLabel.get(ev.label)!],
          relScores: null,
          source: { file: ctx.root.abs(path), row: queries.length },
        });
      }
    }
    return { queries: ctx.sample(queries), corpus: [], labelShape: 'list', tolerates: ['repeated-query-id'] };
  };
}

export const tutSoundAdapter = tutAdapter(false);
export const tutSoundHardAdapter = tutAdapter(true);
