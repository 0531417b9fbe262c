/**
 * Audio preparation speed as × real time on one core: a 30 s 44.1 kHz stereo 16-bit WAV → 16 kHz mono, the
 * collator's path with --audio_max_seconds 30 (decode, channel mean, torchaudio-exact sinc resample, crop). The
 * baseline, measured in the same run, is the same resample done as torchaudio's conv1d lays it out: every one of the
 * 2·width + orig kernel taps per output (475 at 44.1 → 16 kHz), with a bounds check per tap.
 *   node dist/bench/audio-prep.js [--reps 5] [--seconds 30]
 */
import { decodeWav } from '../src/media/audio-decode.js';
import { mixToMono, prepareAudio, resample, resampledLength, sincKernel } from '../src/media/audio-prepare.js';
import { numberArg } from './args.js';

const reps = numberArg('reps', 5);
const seconds = numberArg('seconds', 30);
const rate = 44100;
const frames = Math.round(seconds * rate);

function wav(): Uint8Array {
  const data = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    data[2 * i] = Math.round(12000 * Math.sin(i * 0.031) + 3000 * Math.sin(i * 0.7));
    data[2 * i + 1] = Math.round(9000 * Math.sin(i * 0.013 + 1));
  }
  const out = new Uint8Array(44 + data.byteLength);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  tag(0, 'RIFF');
  v.setUint32(4, 36 + data.byteLength, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 2, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 4, true);
  v.setUint16(32, 4, true);
  v.setUint16(34, 16, true);
  tag(36, 'data');
  v.setUint32(40, data.byteLength, true);
  out.set(new Uint8Array(data.buffer), 44);
  return out;
}

/** torchaudio's layout: the full kernel (zeros where the fast path leaves taps out) over the padded input. */
function resampleFullKernel(x: Float32Array, from: number, to: number): Float32Array {
  const { orig, next, width, first, taps } = sincKernel(from, to);
  const size = 2 * width + orig;
  const full = taps.map((t, j) => {
    const row = new Float64Array(size);
    row.set(t, first[j]);
    return row;
  });
  const out = new Float32Array(resampledLength(x.length, orig, next));
  for (let m = 0; m < out.length; m++) {
    const q = Math.floor(m / next);
    const row = full[m - q * next];
    let acc = 0;
    for (let k = 0; k < size; k++) {
      const i = q * orig + k - width;
      if (i >= 0 && i < x.length) acc += row[k] * x[i];
    }
    out[m] = acc;
  }
  return out;
}

function time(run: () => unknown): number {
  run(); // warm up (JIT, kernel cache)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) run();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

const bytes = wav();
const decode = time(() => decodeWav(bytes, 'bench.wav'));
const decoded = decodeWav(bytes, 'bench.wav');
const mono = mixToMono(decoded);
const monoMs = time(() => mixToMono(decoded));
const fast = time(() => resample(mono, rate, 16000));
const full = time(() => resampleFullKernel(mono, rate, 16000));
const whole = time(() => prepareAudio({ bytes, name: 'bench.wav', segment: null }, { maxSeconds: 30 }));
const a = resample(mono, rate, 16000);
const b = resampleFullKernel(mono, rate, 16000);
let diff = 0;
for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
const rt = (ms: number) => `${((seconds * 1000) / ms).toFixed(0)}× real time`;
console.log(`${seconds} s 44.1 kHz stereo 16-bit → 16 kHz mono, one core, mean of ${reps}:`);
console.log(`  decode ${decode.toFixed(1)} ms, channel mean ${monoMs.toFixed(1)} ms`);
console.log(
  `  resample ${fast.toFixed(1)} ms (${rt(fast)}); full-kernel baseline ${full.toFixed(1)} ms (${rt(full)}): ${(full / fast).toFixed(1)}× faster, max abs diff ${diff.toExponential(2)}`,
);
console.log(`  whole preparation ${whole.toFixed(1)} ms: ${rt(whole)} (target ≥ 200×)`);
