/**
 * Audio decoding and preparation against VLM2Vec's eval collator as run by soundfile + numpy + torchaudio
 * (test/fixtures/audio-goldens, written by scripts/make-audio-goldens.py with Debian's libsndfile 1.2.0,
 * numpy 1.24, torchaudio 0.13.1, cut to torchaudio 2.x's resampled length), within 1e-6; hand-computed tables for
 * the integer → float scaling, segment arithmetic, limits and errors; and, where python3 with torchaudio is
 * installed, freshly generated random cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, readWavInfo } from '../src/media/audio-decode.js';
import {
  type AudioPrepOptions,
  audioLimits,
  cropAudio,
  mixToMono,
  prepareAudio,
  resample,
  resampledLength,
  segmentFrames,
  sincKernel,
} from '../src/media/audio-prepare.js';
import { audioCacheKey } from '../src/media/audio-key.js';
import { BackendError, ConfigError, DataError } from '../src/errors.js';
import { type EvalSet, flattenMedia, type MediaRef } from '../src/items/types.js';
import { DataRoot } from '../src/items/data-root.js';
import { planFor, sentPaths, shapeOf } from '../src/backends/protocols/apply.js';
import { getProtocol } from '../src/backends/protocols/index.js';
import type { SentMedia } from '../src/backends/protocols/types.js';
import { thumbName } from '../src/report/items.js';
import { MediaLoader } from '../src/tte/media.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { FIXTURES, tempDir } from './helpers.js';

const GOLDENS = join(FIXTURES, 'audio-goldens');
const TOLERANCE = 1e-6;

interface GoldenCase {
  input: string;
  rate: number;
  channels: number;
  encoding: string;
  frames: number;
  start: number | null;
  end: number | null;
  bytes: boolean;
  options: AudioPrepOptions;
  monoLength: number;
  resampledLength: number;
  mono?: string;
  output: string | null;
  outputLength?: number;
}

function f32(file: string): Float32Array {
  const b = readFileSync(file);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

function maxAbsDiff(a: Float32Array, b: Float32Array, what: string): number {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Every case of a golden folder: mono exactly, the prepared clip within 1e-6; returns the largest differences. */
function checkGoldens(dir: string, label: string): { mono: number; output: number; cases: number } {
  const made = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: GoldenCase[] };
  let monoMax = 0;
  let outMax = 0;
  for (const [i, c] of made.cases.entries()) {
    const what = `${label} case ${i} (${c.rate} Hz, ${c.channels} ch, ${c.encoding}, start ${c.start}, end ${c.end}${c.bytes ? ', bytes' : ''})`;
    const bytes = new Uint8Array(readFileSync(join(dir, c.input)));
    const info = readWavInfo(bytes, c.input);
    assert.equal(info.frames, c.frames, `${what}: frames`);
    const range = c.bytes ? undefined : segmentFrames(info.frames, info.sampleRate, c.start, c.end);
    const mono = mixToMono(decodeWav(bytes, c.input, range));
    assert.equal(mono.length, c.monoLength, `${what}: mono length`);
    if (c.mono) monoMax = Math.max(monoMax, maxAbsDiff(mono, f32(join(dir, c.mono)), `${what} mono`));
    assert.equal(resample(mono, info.sampleRate, 16000).length, c.resampledLength, `${what}: resampled length`);
    const got = prepareAudio({ bytes, name: c.input, segment: c.bytes ? null : { start: c.start, end: c.end } }, c.options);
    if (c.output === null) {
      assert.equal(got, null, `${what}: the collator drops this clip`);
      continue;
    }
    assert.ok(got, `${what}: prepared`);
    assert.equal(got.sampleRate, 16000);
    const d = maxAbsDiff(got.samples, f32(join(dir, c.output)), what);
    assert.ok(d <= TOLERANCE, `${what}: max abs diff ${d}`);
    outMax = Math.max(outMax, d);
  }
  console.log(`${label}: ${made.cases.length} cases, mono max abs diff ${monoMax}, prepared max abs diff ${outMax.toExponential(3)}`);
  return { mono: monoMax, output: outMax, cases: made.cases.length };
}

test('committed goldens: soundfile decode + numpy mono equal exactly, torchaudio resample + crop within 1e-6', () => {
  const r = checkGoldens(GOLDENS, 'audio-goldens');
  assert.equal(r.mono, 0, 'mono (decode + channel mean) is exact');
  assert.ok(r.cases >= 16);
});

/** A python3 with numpy, soundfile and torchaudio, or null. */
function pythonWithTorchaudio(): string | null {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import numpy, soundfile, torchaudio'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithTorchaudio();
test('random cases generated by the installed soundfile + torchaudio agree within 1e-6', {
  skip: python ? false : 'no python3 with numpy, soundfile and torchaudio; apt-get install python3-torchaudio python3-soundfile to run it',
}, () => {
  const dir = tempDir('audio-goldens-');
  const seed = String(2 + Math.floor(Math.random() * 1e6));
  const r = spawnSync(python as string, [join(PACKAGE_ROOT, 'scripts', 'make-audio-goldens.py'), dir, '--seed', seed, '--random', '24'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const got = checkGoldens(dir, `seed ${seed}`);
  assert.equal(got.mono, 0, 'mono (decode + channel mean) is exact');
});

// ---- WAV files built by hand -------------------------------------------------------------------------------

function wav(opts: {
  tag?: number;
  channels?: number;
  rate?: number;
  bits: number;
  data: Uint8Array;
  extensible?: boolean;
  dataSize?: number;
}): Uint8Array {
  const channels = opts.channels ?? 1;
  const rate = opts.rate ?? 16000;
  const block = channels * Math.ceil(opts.bits / 8);
  const fmt = new DataView(new ArrayBuffer(opts.extensible ? 40 : 16));
  fmt.setUint16(0, opts.extensible ? 0xfffe : (opts.tag ?? 1), true);
  fmt.setUint16(2, channels, true);
  fmt.setUint32(4, rate, true);
  fmt.setUint32(8, rate * block, true);
  fmt.setUint16(12, block, true);
  fmt.setUint16(14, opts.bits, true);
  if (opts.extensible) {
    fmt.setUint16(16, 22, true);
    fmt.setUint16(18, opts.bits, true);
    fmt.setUint32(20, 3, true);
    fmt.setUint16(24, opts.tag ?? 1, true);
    [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71].forEach((b, i) => fmt.setUint8(26 + i, b));
  }
  const parts: Uint8Array[] = [];
  const head = (id: string, size: number) => {
    const h = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 4; i++) h.setUint8(i, id.charCodeAt(i));
    h.setUint32(4, size, true);
    parts.push(new Uint8Array(h.buffer));
  };
  head('RIFF', 0);
  parts.push(new TextEncoder().encode('WAVE'));
  head('fmt ', fmt.byteLength);
  parts.push(new Uint8Array(fmt.buffer));
  head('LIST', 3);
  parts.push(new Uint8Array([1, 2, 3, 0])); // an odd-sized chunk with its pad byte, skipped
  head('data', opts.dataSize ?? opts.data.length);
  parts.push(opts.data);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function le(values: number[], bytes: number): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  values.forEach((v, i) => {
    for (let b = 0; b < bytes; b++) out[i * bytes + b] = Number((BigInt(v) >> BigInt(8 * b)) & 0xffn);
  });
  return out;
}

test('integer PCM scales as libsndfile: ÷ 2^(bits-1) of the container, 8-bit unsigned, 32-bit through float32', () => {
  const cases: [number, number[], number[]][] = [
    [8, [0, 1, 128, 255], [-1, -127 / 128, 0, 127 / 128]],
    [16, [-32768, -1, 0, 32767], [-1, -1 / 32768, 0, 32767 / 32768]],
    [24, [-8388608, 1, 8388607], [-1, 1 / 8388608, 8388607 / 8388608]],
    // 2^31 - 1 rounds to 2^31 as a float32, so it reads as exactly 1.0; 2^24 + 1 rounds to 2^24
    [32, [-2147483648, 2147483647, 16777217, 3], [-1, 1, 2 ** 24 / 2 ** 31, 3 / 2 ** 31]],
    // 12 bits in a 2-byte container are scaled as 16-bit
    [12, [-32768, 16], [-1, 16 / 32768]],
  ];
  for (const [bits, ints, want] of cases) {
    const bytes = Math.ceil(bits / 8);
    const raw =
      bits === 8
        ? new Uint8Array(ints)
        : le(
            ints.map((v) => (v < 0 ? v + 2 ** (8 * bytes) : v)),
            bytes,
          );
    const got = decodeWav(wav({ bits, data: raw }), `t${bits}.wav`);
    assert.deepEqual(Array.from(got.data), want, `${bits}-bit`);
    // the same through WAVE_FORMAT_EXTENSIBLE
    assert.deepEqual(Array.from(decodeWav(wav({ bits, data: raw, extensible: true }), 'x.wav').data), want, `${bits}-bit extensible`);
  }
});

test('IEEE float: 32-bit copied, 64-bit rounded to float32; NaN and infinity refused naming file, frame and channel', () => {
  const f64 = new Float64Array([0.1, -2.5, 1e-3]);
  const got = decodeWav(wav({ tag: 3, bits: 64, data: new Uint8Array(f64.buffer) }), 'd.wav');
  assert.deepEqual(Array.from(got.data), [Math.fround(0.1), -2.5, Math.fround(1e-3)]);
  const f32s = new Float32Array([0.25, -1.75, 3]);
  assert.deepEqual(
    Array.from(decodeWav(wav({ tag: 3, bits: 32, channels: 3, data: new Uint8Array(f32s.buffer) }), 'f.wav').data),
    [0.25, -1.75, 3],
  );
  const bad = new Float32Array([0, 0, 0, Number.NaN]);
  assert.throws(
    () => decodeWav(wav({ tag: 3, bits: 32, channels: 2, data: new Uint8Array(bad.buffer) }), 'clips/nan.wav'),
    (e: unknown) => e instanceof DataError && /clips\/nan\.wav: non-finite sample \(NaN\) at frame 1, channel 1/.test(e.message),
  );
  const inf = new Float64Array([Number.POSITIVE_INFINITY]);
  assert.throws(() => decodeWav(wav({ tag: 3, bits: 64, data: new Uint8Array(inf.buffer) }), 'i.wav'), /non-finite sample \(Infinity\)/);
});

test('stereo frames are interleaved, ranges read sample-exact, a trailing partial frame is ignored', () => {
  const data = le([1, 2, 3, 4, 5, 6, 7], 2); // 3 stereo frames + 1 lone sample
  const file = wav({ bits: 16, channels: 2, data });
  assert.equal(readWavInfo(file, 's.wav').frames, 3);
  const part = decodeWav(file, 's.wav', { start: 1, frames: 2 });
  assert.deepEqual(
    Array.from(part.data),
    [3, 4, 5, 6].map((v) => v / 32768),
  );
  assert.throws(() => decodeWav(file, 's.wav', { start: 2, frames: 2 }), /outside the file's 3 frames/);
});

test('corrupt, truncated and unsupported files are DataErrors naming the file and the problem', () => {
  const ok = wav({ bits: 16, data: le([1, 2, 3, 4], 2) });
  const cases: [Uint8Array, RegExp][] = [
    [ok.subarray(0, ok.length - 3), /a\.wav: WAV file is truncated: its data chunk declares 8 bytes, 5 are present/],
    [ok.subarray(0, 30), /a\.wav: (file is truncated inside the fmt chunk|WAV file has no data chunk)/],
    [ok.subarray(0, 8), /not a WAV file: only 8 bytes/],
    [wav({ bits: 16, data: new Uint8Array(4), dataSize: 400 }), /data chunk declares 400 bytes, 4 are present/],
    [new TextEncoder().encode('fLaC\0\0\0\x22 more bytes here'), /FLAC audio is not supported: only WAV/],
    [new TextEncoder().encode('OggS\0\x02 more bytes here....'), /Ogg \(Vorbis\/Opus\/FLAC\) audio is not supported/],
    [new TextEncoder().encode('ID3\x04\0\0\0\0\0\0 more bytes here'), /MP3 \(ID3 tag\) audio is not supported/],
    [new TextEncoder().encode('RIFF\0\0\0\0AVI LIST'), /RIFF file of type 'AVI ' is not WAVE/],
    [wav({ tag: 6, bits: 8, data: new Uint8Array(4) }), /WAV codec A-law is not supported/],
    [wav({ tag: 0x55, bits: 0, data: new Uint8Array(4) }), /WAV codec MPEG Layer 3 is not supported/],
    [wav({ tag: 3, bits: 16, data: new Uint8Array(4) }), /IEEE float WAV with 16 bits per sample is not supported/],
    [wav({ bits: 40, data: new Uint8Array(10) }), /PCM WAV with 40 bits per sample is not supported/],
    [wav({ bits: 16, channels: 0, data: new Uint8Array(4) }), /declares 0 channels/],
    [wav({ bits: 16, rate: 0, data: new Uint8Array(4) }), /sample rate of 0/],
  ];
  for (const [bytes, want] of cases) {
    assert.throws(
      () => decodeWav(bytes, 'a.wav'),
      (e: unknown) => e instanceof DataError && want.test(e.message) && e.message.startsWith('a.wav: '),
      String(want),
    );
  }
  const ext = wav({ bits: 16, data: new Uint8Array(4), extensible: true });
  ext[12 + 8 + 26 + 5] ^= 0xff; // break the sub-format GUID
  assert.throws(() => readWavInfo(ext, 'a.wav'), /sub-format is not a PCM\/float GUID/);
});

test('segments are cut as the collator cuts them (int(start·sr), max(1, int((end-start)·sr)), clamped)', () => {
  // [total frames, rate, start, end] → [offset, frames]
  const table: [number, number, number | null, number | null, number, number][] = [
    [100, 10, null, null, 0, 100],
    [100, 10, 2.55, null, 25, 75],
    [100, 10, 2.55, 3.0, 25, 4], // int(25.5) = 25, int(4.5) = 4
    [100, 10, 2.0, 1.0, 20, 1], // end before start: one frame
    [100, 10, 50, 60, 99, 1], // start past the end: the last frame
    [100, 10, 9.5, 20, 95, 5], // end past the end: what remains
    [100, 10, -3, 0.5, 0, 35], // negative start: offset 0, but (end - start) counts from -3
    [10000, 10000, 0.1, 0.3, 1000, 1999], // (0.3 - 0.1) · 10000 = 1999.9999999999998 in float64 → 1999
    [16000, 16000, 0.4, 0.7, 6400, 4799], // (0.7 - 0.4) · 16000 = 4799.999999999999 → 4799
  ];
  for (const [total, sr, start, end, offset, frames] of table) {
    assert.deepEqual(segmentFrames(total, sr, start, end), { start: offset, frames }, `${total} @${sr} [${start}, ${end})`);
  }
});

test('resampled length is torchaudio 2.x ceil through float32; kernel width and taps as torchaudio builds them', () => {
  assert.equal(resampledLength(1323000, 441, 160), 480000);
  assert.equal(resampledLength(100, 441, 160), 37); // 36.28 → 37
  // 320 · 91010 / 441 = 66039.00227: float32 has a step of 1/128 there, so it becomes 66039 and ceil keeps it
  assert.equal(resampledLength(91010, 441, 320), 66039);
  assert.equal(Math.ceil((320 * 91010) / 441), 66040);
  const k = sincKernel(44100, 16000);
  // gcd 100 → 441:160, base_freq = 160·0.99 = 158.4, width = ceil(6·441/158.4) = ceil(16.70) = 17
  assert.deepEqual([k.orig, k.next, k.width, k.taps.length], [441, 160, 17, 160]);
  assert.ok(k.dropped < 1e-15, `dropped tail taps sum to ${k.dropped}`);
  // phase 0's centre tap: t = 0 → sinc 1, window 1, scale float32(158.4/441)
  const centre = 17 - k.first[0];
  assert.equal(k.taps[0][centre], Math.fround(Math.fround(158.4 / 441)));
  const up = sincKernel(8000, 16000);
  assert.deepEqual([up.orig, up.next, up.width], [1, 2, 7]); // base 0.99, ceil(6/0.99) = 7
  // rates that match, or an empty clip, come back untouched
  const x = new Float32Array([1, 2, 3]);
  assert.equal(resample(x, 16000, 16000), x);
  assert.equal(resample(new Float32Array(0), 44100, 16000).length, 0);
});

test("a constant clip resamples to nearly the same constant away from the edges (the filter's DC gain is within 1e-3 of 1)", () => {
  const x = new Float32Array(44100).fill(0.5);
  const y = resample(x, 44100, 16000);
  assert.equal(y.length, 16000);
  for (let i = 100; i < 15900; i++) assert.ok(Math.abs(y[i] - 0.5) < 5e-4, `sample ${i}: ${y[i]}`);
});

test('limits: defaults, audio_max_seconds wins, bounds refused; crop keeps the head or the middle, drops short clips', () => {
  assert.deepEqual(audioLimits(), { sampleRate: 16000, minSamples: 400, maxSamples: 163840, crop: 'head' });
  assert.deepEqual(audioLimits({ maxSeconds: 30, maxSamples: 5 }), {
    sampleRate: 16000,
    minSamples: 400,
    maxSamples: 480000,
    crop: 'head',
  });
  assert.equal(audioLimits({ maxSamples: 1000 }).maxSamples, 1000);
  assert.equal(audioLimits({ maxFrames: 10 }).maxSamples, 1600);
  assert.equal(audioLimits({ sampleRate: 24000 }).minSamples, 600);
  assert.equal(audioLimits({ maxSeconds: 0.1234 }).maxSamples, 1974); // int(0.1234 · 16000) = int(1974.4)
  for (const bad of [
    { sampleRate: 0 },
    { sampleRate: 16000.5 },
    { minSamples: -1 },
    { maxSeconds: 0 },
    { maxSeconds: Number.NaN },
    { maxSamples: 0 },
    { crop: 'tail' },
  ]) {
    assert.throws(() => audioLimits(bad as AudioPrepOptions), ConfigError, JSON.stringify(bad));
  }
  const x = Float32Array.from({ length: 10 }, (_, i) => i);
  const lim = (crop: 'head' | 'center' | 'multi_crop', min = 3) => ({ sampleRate: 16000, minSamples: min, maxSamples: 4, crop });
  assert.deepEqual(Array.from(cropAudio(x, lim('head')) ?? []), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(cropAudio(x, lim('center')) ?? []), [3, 4, 5, 6]); // (10 - 4) // 2 = 3
  assert.deepEqual(Array.from(cropAudio(x, lim('multi_crop')) ?? []), [3, 4, 5, 6]);
  assert.equal(cropAudio(x, lim('head', 11)), null);
  const exact = x.subarray(0, 4);
  assert.equal(cropAudio(exact, lim('center')), exact); // exactly the maximum: kept as is
});

test('mono: one channel untouched; several averaged in float32 in channel order (numpy mean over axis 1)', () => {
  const one = { sampleRate: 8000, channels: 1, frames: 2, data: new Float32Array([0.1, 0.2]) };
  assert.equal(mixToMono(one), one.data);
  const a = Math.fround(0.1);
  const b = Math.fround(0.7);
  const c = Math.fround(-0.3);
  const three = { sampleRate: 8000, channels: 3, frames: 1, data: new Float32Array([a, b, c]) };
  assert.equal(mixToMono(three)[0], Math.fround(Math.fround(Math.fround(a + b) + c) / 3));
});

test('bytes items are read whole; path items cut; clips under the minimum become null', () => {
  const ints = Array.from({ length: 1600 }, (_, i) => Math.round(8000 * Math.sin(i / 7)));
  const file = wav({
    bits: 16,
    rate: 16000,
    data: le(
      ints.map((v) => (v < 0 ? v + 65536 : v)),
      2,
    ),
  });
  const whole = prepareAudio({ bytes: file, name: 'b.parquet', segment: null });
  assert.equal(whole?.samples.length, 1600);
  const cut = prepareAudio({ bytes: file, name: 'c.wav', segment: { start: 0.01, end: 0.05 } });
  assert.equal(cut?.samples.length, 640);
  assert.equal(cut?.samples[0], ints[160] / 32768);
  assert.equal(prepareAudio({ bytes: file, name: 'c.wav', segment: { start: 0.01, end: 0.02 } }), null); // 160 < 400
  assert.equal(prepareAudio({ bytes: file, name: 'c.wav', segment: { start: 0.01, end: 0.02 } }, { minSamples: 100 })?.samples.length, 160);
  assert.throws(
    () => prepareAudio({ bytes: file, name: 'c.wav', segment: { start: Number.NaN, end: null } }),
    /c\.wav, field 'start': audio start NaN/,
  );
});

test('the cache key is the prepared samples and their rate: equal clips share it, any sample change moves it', () => {
  const x = new Float32Array([0.5, -0.25, 0.125]);
  const k = audioCacheKey({ samples: x, sampleRate: 16000 });
  assert.match(k, /^audio:16000:3:[0-9a-f]{64}$/);
  assert.equal(audioCacheKey({ samples: new Float32Array([0.5, -0.25, 0.125]), sampleRate: 16000 }), k);
  assert.notEqual(audioCacheKey({ samples: new Float32Array([0.5, -0.25, 0.1250001]), sampleRate: 16000 }), k);
  assert.notEqual(audioCacheKey({ samples: x, sampleRate: 24000 }), k);
  // a view into a larger buffer hashes only its own samples
  const big = new Float32Array([9, 0.5, -0.25, 0.125, 9]);
  assert.equal(audioCacheKey({ samples: big.subarray(1, 4), sampleRate: 16000 }), k);
});

test('the audio media kind: flattened to its file; non-omni protocols and audio-less stages refuse it with a clear error', async () => {
  const clip: MediaRef = { kind: 'audio', path: 'TUTSound/audio/a001.wav', start: 1.5, end: 2.25 };
  const image: MediaRef = { kind: 'image', path: 'x/1.jpg' };
  assert.deepEqual(flattenMedia([image, clip, { kind: 'frames', paths: ['v/1.jpg', 'v/2.jpg'] }]), [
    'x/1.jpg',
    'TUTSound/audio/a001.wav',
    'v/1.jpg',
    'v/2.jpg',
  ]);
  assert.deepEqual(shapeOf([image, clip]), [{ kind: 'image' }, { kind: 'audio' }]);
  assert.deepEqual(sentPaths({ type: 'audio', media: 0 } as SentMedia, [clip]), { type: 'audio', path: 'TUTSound/audio/a001.wav' });
  assert.throws(() => sentPaths({ type: 'image', media: 0 } as SentMedia, [image, clip].slice(1)), /an audio part names an image or video/);
  const withClip = {
    text: 'x',
    role: 'query' as const,
    media: [{ kind: 'audio' as const, path: clip.path, samples: new Float32Array(400), sampleRate: 16000 }],
  };
  assert.throws(
    () => planFor(getProtocol('vlm2vec-qwen2vl'), withClip),
    (e: unknown) =>
      e instanceof BackendError &&
      /audio input TUTSound\/audio\/a001\.wav: protocol vlm2vec-qwen2vl does not send audio; use an omni protocol/.test(e.message),
  );
  // thumbnails: the segment is part of the name, so two segments of one file never share one
  assert.notEqual(thumbName(clip), thumbName({ ...clip, end: 3 }));
  const dir = tempDir('audio-root-');
  const loader = new MediaLoader(new DataRoot(dir), { task: { name: 'TUTSound' }, inlineMedia: new Map() } as unknown as EvalSet);
  // stages without audio (reasoners, rerankers) refuse a clip by name; embedders read it (here: missing)
  await assert.rejects(loader.load([clip]), /audio input TUTSound\/audio\/a001\.wav/);
  await assert.rejects(
    loader.loadAll([clip], 'q7'),
    (e: unknown) => e instanceof DataError && /task TUTSound, TUTSound\/audio\/a001\.wav: item q7: cannot read audio/.test(e.message),
  );
});
