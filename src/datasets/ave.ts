/**
 * ave_retrieval (AVE): an audio event clip against the videos, local, as VLM2Vec builds it in
 * src/data/eval_dataset/ave_retreival_dateset.py (Stars1233/VLM2Vec 44f991d):
 *  - folders (:217-244): the dataset folder audio-tasks/AVE/AVE_Dataset (also spelled ave, :32-46), the YAML's
 *    video_root (else <dataset>/AVE) and audio_root; testSet.txt in the dataset folder;
 *  - lines (`_parse_split_file`, :84-110) `Category&VideoID&Quality&StartTime&EndTime`, blank lines and the header
 *    (starting "Category") skipped, lines with fewer than 5 fields skipped (warnings here);
 *    clip id f"{video}_{int(float(start))}_{int(float(end))}";
 *  - a line whose <video_root>/<video>.mp4 is missing is dropped (:248-253; a warning here);
 *  - the clip's audio (:263-281): with an existing audio root, <audio_root>/<video>_<clip id>.wav (the video id
 *    twice), a missing file drops the line (a warning here). Without one, VLM2Vec cuts the clip with ffmpeg into
 *    the audio root (-ss start -t max(end − start, 0.05), mono, 16 kHz, :53-81) and drops clips that fail. tte-bench
 *    runs the same ffmpeg command into a temporary folder, holds the WAV bytes under the path VLM2Vec would write
 *    (it never writes into the data root), and stops with an error naming the clip when ffmpeg is missing or fails —
 *    never a shorter candidate list;
 *  - candidates (:134-155, :310): the sorted distinct video ids of the kept clips, the same list for every query;
 *    frames of <frame_root>/<video>/ sampled to num_frames (8); an empty or missing frame folder is an error here
 *    (VLM2Vec extracts up to max_frames_saved = 100 frames with ffmpeg; `extract-frames --max-frames 100` does
 *    the same); text process_input_text("Understand the content of the provided video.", add_video_token=True);
 *  - query (:161-185): the clip, text build_query_text("AVE"), id = clip id, gold = the video id.
 *  The query column is cast to datasets.Audio() (:307), so VLM2Vec's collator gets the clip decoded by `datasets`
 *  instead of soundfile: for the 16-bit mono clips ffmpeg writes, the samples are the same.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { audioQueryParts } from './audio_common.js';
import type { Adapter, AdapterContext, ItemDraft, QueryDraft } from './context.js';
import type { MediaRef } from '../items/types.js';
import { pyFloatRepr } from '../util/pyjson.js';
import { pyStrip } from '../util/pytext.js';

export const AVE_TARGET_INSTRUCTION = 'Understand the content of the provided video.';

export interface AveLine {
  category: string;
  videoId: string;
  quality: string;
  start: number;
  end: number;
  clipId: string;
  line: number;
}

/** Python's float() of a field, as a DataError naming the line when it is not a number. */
function pyFloat(s: string, where: { file: string; line: number }): number {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new DataError(`'${s}' is not a number (start and end are seconds)`, where);
  return Number(t);
}

/** `_parse_split_file` (:84-110): the clips, and the lines skipped for having fewer than 5 fields. */
export function parseAveSplit(text: string, file: string): { lines: AveLine[]; short: number[] } {
  const lines: AveLine[] = [];
  const short: number[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = pyStrip(raw);
    if (!line || line.startsWith('Category')) return;
    const parts = line.split('&');
    if (parts.length < 5) {
      short.push(i + 1);
      return;
    }
    const [category, videoId, quality, s, e] = parts;
    const where = { file, line: i + 1 };
    const start = pyFloat(s, where);
    const end = pyFloat(e, where);
    lines.push({ category, videoId, quality, start, end, clipId: `${videoId}_${Math.trunc(start)}_${Math.trunc(end)}`, line: i + 1 });
  });
  return { lines, short };
}

/** `_case_variants` (:32-46) then the first existing folder (:25-29). */
function firstDir(ctx: AdapterContext, candidates: string[]): string | undefined {
  const variants: string[] = [];
  for (const p of candidates) {
    for (const v of [p, p.replace('audio-tasks/AVE/', 'audio-tasks/ave/'), p.replace('audio-tasks/ave/', 'audio-tasks/AVE/')]) {
      if (!variants.includes(v)) variants.push(v);
    }
  }
  return variants.find((p) => ctx.root.isDir(p));
}

/** The ffmpeg cut of `_extract_clip_audio_ffmpeg` (:53-81), into a temporary file; its WAV bytes. */
export function extractAveClip(
  clipId: string,
  video: string,
  start: number,
  end: number,
  where: { task: string; file: string; line: number },
): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'tte-ave-'));
  const out = join(dir, 'clip.wav');
  try {
    const duration = Math.max(end - start, 0.05);
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-ss',
      pyFloatRepr(start),
      '-t',
      pyFloatRepr(duration),
      '-i',
      video,
      '-vn',
      '-ac',
      '1',
      '-ar',
      '16000',
      out,
    ];
    const r = spawnSync('ffmpeg', args, { encoding: 'utf8', shell: false });
    if (r.error)
      throw new DataError(
        `cannot run ffmpeg to cut the audio of clip ${clipId} from ${video} (${r.error.message}); install ffmpeg, or provide the audio root`,
        where,
      );
    if (r.status !== 0)
      throw new DataError(
        `ffmpeg failed (${r.status}) cutting the audio of clip ${clipId} from ${video}: ${(r.stderr || '').trim().split('\n').pop()}`,
        where,
      );
    return new Uint8Array(readFileSync(out));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`ffmpeg wrote no audio for clip ${clipId} from ${video}: ${(err as Error).message}`, where);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const aveAdapter: Adapter = async (ctx) => {
  const task = ctx.task.name;
  const v3 = ctx.v3;
  const dataPath = firstDir(ctx, ['audio-tasks/AVE/AVE_Dataset', 'audio-tasks/ave/AVE/AVE_Dataset']);
  if (!dataPath) throw new DataError('AVE data folder audio-tasks/AVE/AVE_Dataset not found', { task });
  const videoRoot = firstDir(ctx, [v3.videoRoot ?? `${dataPath}/AVE`, `${dataPath}/AVE`]);
  if (!videoRoot) throw new DataError(`AVE video folder ${v3.videoRoot ?? `${dataPath}/AVE`} not found`, { task });
  const audioInput = v3.audioRoot ?? `${dataPath}/audios`;
  const audioRoot = firstDir(ctx, [audioInput]);
  const split = `${dataPath}/testSet.txt`;
  if (!ctx.root.exists(split, { task }) || ctx.root.isDir(split)) throw new DataError(`AVE split file ${split} not found`, { task });
  const splitAbs = ctx.root.abs(split);
  ctx.dataFiles.push(splitAbs);
  const { lines, short } = parseAveSplit(readFileSync(splitAbs, 'utf8'), splitAbs);
  for (const line of short) ctx.warn('line has fewer than 5 &-separated fields: skipped, as VLM2Vec skips it', { file: splitAbs, line });

  const kept: (AveLine & { audio: MediaRef })[] = [];
  for (const s of lines) {
    const where = { file: splitAbs, line: s.line };
    const video = ctx.root.rel([videoRoot, `${s.videoId}.mp4`], where);
    if (!ctx.root.exists(video, where) || ctx.root.isDir(video)) {
      ctx.warn(`video ${video} is missing: clip ${s.clipId} is dropped, as VLM2Vec drops it`, where);
      continue;
    }
    const clip = ctx.root.rel([audioRoot ?? audioInput, `${s.videoId}_${s.clipId}.wav`], where);
    if (audioRoot) {
      if (!ctx.root.exists(clip, where) || ctx.root.isDir(clip)) {
        ctx.warn(`audio clip ${clip} is missing: clip ${s.clipId} is dropped, as VLM2Vec drops it`, where);
        continue;
      }
      kept.push({ ...s, audio: ctx.audio(clip, undefined, where) });
    } else {
      const bytes = extractAveClip(s.clipId, ctx.root.abs(video), s.start, s.end, { task, ...where });
      kept.push({ ...s, audio: ctx.inlineAudio(clip, bytes, where) });
    }
  }
  if (!kept.length)
    throw new DataError(`AVE has no clips left (audio root ${audioRoot ?? `${audioInput}, absent`}, videos ${videoRoot})`, { task });
  const videoIds = [...new Set(kept.map((s) => s.videoId))].sort();
  const candidates: ItemDraft[] = videoIds.map((vid) => ({
    id: vid,
    parts: { instruction: AVE_TARGET_INSTRUCTION, text: '', rule: { kind: 'process' } },
    // the catalog's media.frameRoot is the YAML frame_root (VLM2Vec's default <dataset>/frames applies only without it)
    media: [ctx.frames(ctx.path('frameRoot', [vid]), { video: [`${vid}.mp4`] })],
  }));
  const instruction = ctx.instruction('query');
  const queries: QueryDraft[] = kept.map((s) => ({
    id: s.clipId,
    parts: audioQueryParts(instruction),
    media: [s.audio],
    candidates,
    gold: [s.videoId],
    relScores: null,
    source: { file: splitAbs, row: s.line },
  }));
  return { queries: ctx.sample(queries), corpus: [], tolerates: ['repeated-query-id'] };
};
