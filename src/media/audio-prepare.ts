/**
 * Preparing one audio clip as VLM2Vec's eval collator does before the model sees it
 * (src/data/collator/eval_collator.py, MultimodalEvalDataCollator.__call__, Stars1233/VLM2Vec 44f991d):
 * decode (soundfile, float32) → cut the item's [start, end) segment (path items only) → mono → resample to the
 * target rate (torchaudio.functional.resample, default arguments) → drop clips under the minimum → crop to the
 * maximum. Every step is exported so that the goldens can check each one.
 */
import { ConfigError, DataError } from '../errors.js';
import { type DecodedAudio, decodeWav, readWavInfo } from './audio-decode.js';

export type AudioCrop = 'head' | 'center' | 'multi_crop';

/** The collator's audio arguments (its data_args); every field optional, defaults as the collator's. */
export interface AudioPrepOptions {
  /** --audio_sample_rate (default 16000) */
  sampleRate?: number;
  /** --audio_min_samples (default int(sampleRate × 0.025), 400 at 16 kHz) */
  minSamples?: number;
  /** --audio_max_seconds: wins over maxSamples when set (the maintainers' reproduction uses 30) */
  maxSeconds?: number;
  /** --audio_max_samples (default audio_max_frames × 160) */
  maxSamples?: number;
  /** audio_max_frames (default 1024, so 163,840 samples = 10.24 s) */
  maxFrames?: number;
  /** --eval_crop: head (default) keeps the first samples, center and multi_crop the middle ones */
  crop?: AudioCrop;
}

export interface AudioLimits {
  sampleRate: number;
  minSamples: number;
  maxSamples: number;
  crop: AudioCrop;
}

export interface PreparedAudio {
  /** mono float32 samples at `sampleRate` */
  samples: Float32Array;
  sampleRate: number;
}

function intOption(name: string, v: number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** The collator's limits from its arguments (bounds-checked; ConfigError on a bad value). */
export function audioLimits(options: AudioPrepOptions = {}): AudioLimits {
  const sampleRate = intOption('audio sample rate', options.sampleRate, 1000, 768000) ?? 16000;
  const minSamples = intOption('audio min samples', options.minSamples, 0, 2 ** 31) ?? Math.trunc(sampleRate * 0.025);
  let maxSamples: number;
  if (options.maxSeconds !== undefined) {
    const s = options.maxSeconds;
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || s > 86400) {
      throw new ConfigError(`audio max seconds must be a number in (0, 86400], got ${s}`);
    }
    maxSamples = Math.trunc(s * sampleRate); // int(float(max_audio_seconds) * target_sr)
  } else {
    maxSamples =
      intOption('audio max samples', options.maxSamples, 1, 2 ** 31) ??
      (intOption('audio max frames', options.maxFrames, 1, 2 ** 24) ?? 1024) * 160;
  }
  const crop = options.crop ?? 'head';
  if (crop !== 'head' && crop !== 'center' && crop !== 'multi_crop') {
    throw new ConfigError(`audio crop must be head, center or multi_crop, got '${String(crop)}'`);
  }
  return { sampleRate, minSamples, maxSamples, crop };
}

/**
 * The frames soundfile reads for a path item's [start, end) (seconds), given the file's frame count and rate:
 * frame_offset = int(start × sr) clamped to frames - 1; num_frames = max(1, int((end - start) × sr)) clamped to
 * what remains (at least 1); no end → to the end of the file.
 */
export function segmentFrames(
  totalFrames: number,
  sampleRate: number,
  start: number | null,
  end: number | null,
): { start: number; frames: number } {
  const s = start ?? 0;
  let offset = Math.max(0, Math.trunc(s * sampleRate));
  if (totalFrames > 0) offset = Math.min(offset, Math.max(0, totalFrames - 1));
  if (end === null) return { start: Math.min(offset, totalFrames), frames: Math.max(0, totalFrames - offset) };
  let frames = Math.max(1, Math.trunc((end - s) * sampleRate));
  if (totalFrames > 0) frames = Math.min(frames, Math.max(1, totalFrames - offset));
  return { start: offset, frames: Math.min(frames, Math.max(0, totalFrames - offset)) };
}

/** numpy's float32 pairwise sum (numpy/core/src/umath/loops_utils.h.src, pairwise_sum) of a[at + i·stride]. */
function pairwiseSum(a: Float32Array, at: number, n: number, stride: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[at + i * stride]);
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[at + j * stride];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j] + a[at + (i + j) * stride]);
    let res = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
    for (; i < n; i++) res = f(res + a[at + i * stride]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSum(a, at, n2, stride) + pairwiseSum(a, at + n2 * stride, n - n2, stride));
}

/**
 * Mono as the collator makes it from soundfile's (frames, channels) float32 array: `_d.mean(axis=1)` — numpy's
 * float32 add-reduce over each frame's channels (pairwise_sum: in order below 8 channels), then ÷ channels in
 * float32. One channel is returned as is (soundfile gives a 1-D array, no mean).
 */
export function mixToMono(audio: DecodedAudio): Float32Array {
  const { channels, frames, data } = audio;
  if (channels === 1) return data;
  const out = new Float32Array(frames);
  const f = Math.fround;
  if (channels === 2) {
    for (let i = 0, b = 0; i < frames; i++, b += 2) out[i] = f(data[b] + data[b + 1]) / 2;
  } else if (channels < 8) {
    for (let i = 0, b = 0; i < frames; i++, b += channels) {
      let s = 0;
      for (let c = 0; c < channels; c++) s = f(s + data[b + c]);
      out[i] = s / channels;
    }
  } else {
    for (let i = 0; i < frames; i++) out[i] = pairwiseSum(data, i * channels, channels, 1) / channels;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * torchaudio's windowed-sinc kernel for one rate pair (torchaudio/functional/functional.py,
 * _get_sinc_resample_kernel, lowpass_filter_width 6, rolloff 0.99, sinc_interp_hann). `resample` passes the
 * waveform's dtype, so the kernel is computed in float32, step by step as torch does: each op rounded to float32
 * (Math.fround; the scalars π, base_freq and scale are float32 too). Per phase, taps whose magnitude is below
 * 1e-12 of the phase's largest (the far tails where the clamped Hann window is ~1e-15) are left out and their total
 * magnitude kept in `dropped`, a bound on the difference (× the clip's peak) — about 1e-20 in practice.
 */
export interface SincKernel {
  orig: number;
  next: number;
  width: number;
  /** per phase j: the first kept tap index k (into the padded input window) */
  first: Int32Array;
  /** per phase j: the kept taps, float32 values held in float64 */
  taps: Float64Array[];
  dropped: number;
}

const kernels = new Map<string, SincKernel>();

export function sincKernel(fromRate: number, toRate: number): SincKernel {
  const key = `${fromRate}:${toRate}`;
  const cached = kernels.get(key);
  if (cached) return cached;
  const f = Math.fround;
  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  const lowpass = 6;
  const baseFreq = Math.min(orig, next) * 0.99;
  const width = Math.ceil((lowpass * orig) / baseFreq);
  const size = 2 * width + orig;
  const pi = f(Math.PI);
  const base = f(baseFreq);
  const scale = f(baseFreq / orig);
  const idx = new Float64Array(size);
  for (let k = 0; k < size; k++) idx[k] = f((k - width) / orig);
  const first = new Int32Array(next);
  const taps: Float64Array[] = [];
  let dropped = 0;
  const row = new Float64Array(size);
  for (let j = 0; j < next; j++) {
    const a = f(-j / next);
    let peak = 0;
    for (let k = 0; k < size; k++) {
      let t = f(f(a + idx[k]) * base);
      t = Math.min(lowpass, Math.max(-lowpass, t));
      const c = f(Math.cos(f(f(f(t * pi) / lowpass) / 2)));
      const w = f(c * c);
      const tp = f(t * pi);
      const s = tp === 0 ? 1 : f(f(Math.sin(tp)) / tp);
      row[k] = f(s * f(w * scale));
      peak = Math.max(peak, Math.abs(row[k]));
    }
    let lo = 0;
    let hi = size;
    while (lo < hi && Math.abs(row[lo]) < peak * 1e-12) dropped += Math.abs(row[lo++]);
    while (hi > lo && Math.abs(row[hi - 1]) < peak * 1e-12) dropped += Math.abs(row[--hi]);
    first[j] = lo;
    taps.push(row.slice(lo, hi));
  }
  const kernel = { orig, next, width, first, taps, dropped };
  kernels.set(key, kernel);
  return kernel;
}

/**
 * Output length of torchaudio's resample: ceil(new × length / orig) on the gcd-reduced rates. torchaudio 2.x
 * computes it as torch.ceil(torch.as_tensor(new * length / orig)): the Python float becomes a float32 tensor
 * first, so a value just above an integer can round down to it (long clips lose their last sample).
 */
export function resampledLength(length: number, orig: number, next: number): number {
  return Math.ceil(Math.fround((next * length) / orig));
}

/**
 * torchaudio.functional.resample(x, fromRate, toRate) with its defaults, for a mono float32 clip: zero-pad
 * `width` before and `width + orig` after, conv1d with stride `orig` against the `next` phase kernels, phases
 * interleaved, cut to `resampledLength`. Sums are taken in float64 and rounded once to float32 (torch's conv1d
 * accumulates in float32 in its own blocked order; the difference is a few float32 ulps). Returns `x` itself when
 * the rates match or the clip is empty, as the collator's _safe_resample.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate || x.length === 0) return x;
  const { orig, next, width, first, taps } = sincKernel(fromRate, toRate);
  const len = x.length;
  const outLen = resampledLength(len, orig, next);
  const out = new Float32Array(outLen);
  for (let j = 0; j < next; j++) {
    const kern = taps[j];
    const nk = kern.length;
    // input index of tap 0 for output frame q: q·orig + first[j] - width
    const shift = first[j] - width;
    for (let m = j, q = 0; m < outLen; m += next, q++) {
      const s0 = q * orig + shift;
      let acc = 0;
      if (s0 >= 0 && s0 + nk <= len) {
        for (let k = 0; k < nk; k++) acc += kern[k] * x[s0 + k];
      } else {
        const k0 = Math.max(0, -s0);
        const k1 = Math.min(nk, len - s0);
        for (let k = k0; k < k1; k++) acc += kern[k] * x[s0 + k];
      }
      out[m] = acc;
    }
  }
  return out;
}

/** The collator's _crop_audio: null under the minimum, the head (or middle) `maxSamples` above the maximum. */
export function cropAudio(x: Float32Array, limits: AudioLimits): Float32Array | null {
  if (x.length < limits.minSamples) return null;
  if (x.length <= limits.maxSamples) return x;
  const start = limits.crop === 'head' ? 0 : Math.floor((x.length - limits.maxSamples) / 2);
  return x.subarray(start, start + limits.maxSamples);
}

/** Where an item's audio comes from and which part of it to use. */
export interface AudioSource {
  /** the encoded file (WAV) */
  bytes: Uint8Array;
  /** the name used in errors (root-relative path, or parquet file and row) */
  name: string;
  /**
   * The segment in seconds, for items read from a path; null for bytes held in the data (parquet cells), which the
   * collator always reads whole, ignoring start/end.
   */
  segment: { start: number | null; end: number | null } | null;
}

/**
 * One clip as the collator hands it to the model: mono float32 at the target rate, cropped; null when shorter than
 * the minimum (the collator then encodes the item without audio — callers decide what to do with that).
 */
export function prepareAudio(source: AudioSource, options: AudioPrepOptions | AudioLimits = {}): PreparedAudio | null {
  const limits =
    'minSamples' in options && 'crop' in options && 'maxSamples' in options && 'sampleRate' in options
      ? (options as AudioLimits)
      : audioLimits(options);
  let decoded: DecodedAudio;
  if (source.segment) {
    const { start, end } = source.segment;
    for (const [field, v] of [
      ['start', start],
      ['end', end],
    ] as const) {
      if (v !== null && !Number.isFinite(v))
        throw new DataError(`audio ${field} ${v} is not a finite number`, { file: source.name, field });
    }
    const info = readWavInfo(source.bytes, source.name);
    decoded = decodeWav(source.bytes, source.name, segmentFrames(info.frames, info.sampleRate, start, end));
  } else {
    decoded = decodeWav(source.bytes, source.name);
  }
  const mono = mixToMono(decoded);
  const wave = resample(mono, decoded.sampleRate, limits.sampleRate);
  const samples = cropAudio(wave, limits);
  return samples ? { samples, sampleRate: limits.sampleRate } : null;
}
