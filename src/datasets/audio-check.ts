/**
 * What `validate` checks of an audio clip before any model sees it: the WAV header decodes, the file holds
 * samples, the samples are finite (float WAVs: the decoder refuses NaN/Inf and names the frame), and a segment
 * holds at least one sample. Integer PCM cannot hold NaN, so only float WAVs are decoded in full.
 */
import { DataError } from '../errors.js';
import { decodeWav, readWavInfo } from '../media/audio-decode.js';

export interface AudioFacts {
  frames: number;
  sampleRate: number;
}

/** The clip's frames and rate, or a message saying why it cannot be used. */
export function checkAudio(read: () => Uint8Array, name: string): AudioFacts | string {
  let bytes: Uint8Array;
  try {
    bytes = read();
  } catch (err) {
    return `cannot read audio ${name}: ${(err as Error).message}`;
  }
  if (bytes.length === 0) return `audio ${name} is empty (0 bytes)`;
  try {
    const info = readWavInfo(bytes, name);
    if (info.frames === 0) return `audio ${name} holds no samples (empty data chunk)`;
    if (info.format === 'float') decodeWav(bytes, name);
    return { frames: info.frames, sampleRate: info.sampleRate };
  } catch (err) {
    if (err instanceof DataError) return `unreadable audio ${name}: ${err.detail}`;
    throw err;
  }
}

/**
 * Why a segment holds no sample, or null. As the collator cuts it (eval_collator.py): frame_offset = int(start·sr),
 * so a start at or past the end of the file leaves nothing of the segment (the collator would clamp it to the
 * last frame, a clip that is not the one named); an end at or before the start is an empty segment.
 */
export function emptySegment(facts: AudioFacts, start: number, end: number | null): string | null {
  if (!Number.isFinite(start) || (end !== null && !Number.isFinite(end))) return 'segment bounds are not finite numbers';
  if (end !== null && end <= start) return 'zero-length segment (end ≤ start)';
  if (Math.trunc(start * facts.sampleRate) >= facts.frames)
    return `segment starts at or after the end of the file (${facts.frames} frames at ${facts.sampleRate} Hz)`;
  return null;
}
