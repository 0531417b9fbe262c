/**
 * Encoding prepared audio for the wire: a mono IEEE-float 32-bit WAV (WAVE_FORMAT_IEEE_FLOAT, 44-byte header).
 *
 * Float32, not 16-bit PCM, because the prepared samples (src/media/audio-prepare.ts) are what the reference hands
 * its model: float32 WAV carries them bit for bit, where 16-bit PCM would round every sample to 1/32768 (and clip
 * anything outside [-1, 1)). Servers decode it without loss and without resampling: vLLM's AudioMediaIO reads
 * the bytes at their own rate (`sr=None`) with librosa → soundfile (dtype float32), or soundfile / PyAV
 * (pcm_f32le) / torchcodec in newer versions, all of which return the stored float32 values; 16 kHz is the
 * rate the omni processors expect, so the server's resampler is never asked to run.
 */
import { DataError } from '../errors.js';
import type { PreparedAudio } from './audio-prepare.js';

const HEADER = 44;

/** A mono float32 WAV holding exactly `audio.samples` at `audio.sampleRate`. */
export function encodeFloatWav(audio: PreparedAudio): Uint8Array {
  const { samples, sampleRate } = audio;
  const dataBytes = samples.length * 4;
  if (HEADER - 8 + dataBytes > 0xffffffff) throw new DataError(`audio of ${samples.length} samples is too long for one WAV file`);
  const out = new Uint8Array(HEADER + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, HEADER - 8 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 3, true); // WAVE_FORMAT_IEEE_FLOAT
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 4, true); // bytes per second
  view.setUint16(32, 4, true); // block align
  view.setUint16(34, 32, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  // little-endian float32, as every platform Node runs on stores it
  out.set(new Uint8Array(samples.buffer, samples.byteOffset, dataBytes), HEADER);
  return out;
}

/** The `input_audio` part's payload: base64 of the float32 WAV. */
export function wavBase64(audio: PreparedAudio): string {
  return Buffer.from(encodeFloatWav(audio).buffer).toString('base64');
}

/**
 * A mono 16-bit PCM WAV of the samples (rounded, clipped to [-1, 1)): for listening (the report's players), where
 * half the size matters and exactness does not. Never sent to a model.
 */
export function encodePcm16Wav(audio: PreparedAudio): Uint8Array {
  const { samples, sampleRate } = audio;
  const out = new Uint8Array(HEADER + samples.length * 2);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, HEADER - 8 + samples.length * 2, true);
  ascii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++)
    view.setInt16(HEADER + i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), true);
  return out;
}
