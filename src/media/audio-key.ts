/**
 * The cache identity of an audio input: what the model receives (the prepared float32 samples and their rate), not
 * the file's name or encoding, so that two items whose clips prepare to the same samples share cached embeddings,
 * and a change to decoding, segment, resampling or crop moves the key.
 */
import { createHash } from 'node:crypto';
import type { PreparedAudio } from './audio-prepare.js';

/** `audio:<rate>:<samples>:<sha256 of the samples' little-endian float32 bytes>` */
export function audioCacheKey(audio: PreparedAudio): string {
  const { samples, sampleRate } = audio;
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const digest = createHash('sha256').update(bytes).digest('hex');
  return `audio:${sampleRate}:${samples.length}:${digest}`;
}
