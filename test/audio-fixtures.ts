/** WAV files written by the audio tests (real RIFF/WAVE bytes, generated so the tests need no stored clips). */

/** A 16-bit PCM WAV of `channels` interleaved channels (a deterministic chirp), as a recorder writes it. */
export function pcm16Wav(rate: number, channels: number, frames: number, seed = 1): Uint8Array {
  const out = new Uint8Array(44 + frames * channels * 2);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, 36 + frames * channels * 2, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, frames * channels * 2, true);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const x = Math.sin((2 * Math.PI * (220 * seed + 40 * c) * i) / rate + (i * i) / (rate * rate * 3)) * 0.6;
      v.setInt16(44 + (i * channels + c) * 2, Math.round(x * 32767), true);
    }
  }
  return out;
}
