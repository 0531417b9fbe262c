/**
 * Decoding a WAV file to the float32 samples soundfile's `sf.read(f, dtype="float32")` returns, the input of
 * VLM2Vec's audio path (src/data/collator/eval_collator.py, MultimodalEvalDataCollator.__call__, Stars1233/VLM2Vec
 * 44f991d). The same bytes come from a file under the data root or from a parquet cell.
 *
 * libsndfile's integer → float conversion (src/pcm.c, the *2f readers, normalisation on as soundfile asks) is a
 * division by 2^(bits-1) of the container width: 8-bit WAV is unsigned (value - 128) / 128, 16-bit / 2^15, 24-bit
 * / 2^23, 32-bit (float)int / 2^31 (the int is rounded to float32 first, then scaled by a power of two, so the
 * result is exact to that rounding). The container width is ceil(bitsPerSample / 8) bytes, as libsndfile takes it
 * (a 12-bit sample in 2 bytes is scaled as 16-bit; WAVE_FORMAT_EXTENSIBLE's "valid bits" are not used). IEEE float
 * is copied (32-bit) or rounded to float32 (64-bit).
 *
 * Where this reader is stricter than libsndfile, on purpose, so that no clip is silently different: a data chunk
 * that runs past the end of the file (libsndfile reads what is there) and non-finite float samples (NaN, ±Inf) are
 * errors naming the file. Other WAV codecs (A-law, µ-law, ADPCM, …), RF64, big-endian RIFX and other containers
 * (FLAC, Ogg, MP3) are refused with a clear message; libsndfile would decode some of them.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError } from '../errors.js';

export type WavSampleFormat = 'pcm' | 'float';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  /** whole frames in the data chunk (a trailing partial frame is ignored, as libsndfile does) */
  frames: number;
  format: WavSampleFormat;
  /** bytes per sample in the container: 1..4 for PCM, 4 or 8 for float */
  bytesPerSample: number;
  /** the fmt chunk's bitsPerSample */
  bitsPerSample: number;
  /** true for WAVE_FORMAT_EXTENSIBLE */
  extensible: boolean;
  /** byte offset of the first sample */
  dataOffset: number;
}

export interface DecodedAudio {
  sampleRate: number;
  channels: number;
  frames: number;
  /** float32 samples, frames × channels interleaved (soundfile's (frames, channels) array in C order) */
  data: Float32Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUIDs after their first two bytes (the format tag): 0000-0010-8000-00aa00389b71 */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

const FORMAT_NAMES: Record<number, string> = {
  2: 'MS ADPCM',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  80: 'MPEG',
  85: 'MPEG Layer 3',
};

function ascii(b: Uint8Array, at: number, n = 4): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** A clear name for non-WAV containers, judged by their magic bytes. */
function containerName(b: Uint8Array): string | null {
  if (b.length >= 4 && ascii(b, 0) === 'fLaC') return 'FLAC';
  if (b.length >= 4 && ascii(b, 0) === 'OggS') return 'Ogg (Vorbis/Opus/FLAC)';
  if (b.length >= 3 && ascii(b, 0, 3) === 'ID3') return 'MP3 (ID3 tag)';
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0) return 'MPEG audio (MP3/AAC frame)';
  if (b.length >= 12 && ascii(b, 0) === 'FORM' && (ascii(b, 8) === 'AIFF' || ascii(b, 8) === 'AIFC')) return 'AIFF';
  if (b.length >= 12 && ascii(b, 4) === 'ftyp') return 'MP4/M4A';
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'Matroska/WebM';
  return null;
}

/**
 * Parse the RIFF/WAVE header: format, rate, channels, where the samples are. `fileSize` is the whole file's
 * length when `bytes` holds only its beginning (readWavInfoFile), so that a header can be read without the samples.
 */
export function readWavInfo(bytes: Uint8Array, name: string, fileSize = bytes.length): WavInfo {
  const where = { file: name };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new DataError(`not a WAV file: only ${bytes.length} bytes`, where);
  const magic = ascii(bytes, 0);
  if (magic !== 'RIFF') {
    if (magic === 'RF64') throw new DataError('RF64 WAV (files over 4 GiB) is not supported', where);
    if (magic === 'RIFX') throw new DataError('big-endian RIFX WAV is not supported', where);
    const other = containerName(bytes);
    throw new DataError(
      other
        ? `${other} audio is not supported: only WAV (PCM 8/16/24/32-bit, IEEE float 32/64) is decoded; convert it to WAV first`
        : 'not a WAV file (no RIFF header)',
      where,
    );
  }
  if (ascii(bytes, 8) !== 'WAVE') throw new DataError(`RIFF file of type '${ascii(bytes, 8)}' is not WAVE`, where);

  let fmt: { tag: number; channels: number; rate: number; bits: number; extensible: boolean } | null = null;
  let data: { offset: number; size: number } | null = null;
  let at = 12;
  while (at + 8 <= bytes.length && !(fmt && data)) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new DataError(`fmt chunk is ${size} bytes, shorter than 16`, where);
      if (body + 16 > bytes.length) throw new DataError('file is truncated inside the fmt chunk', where);
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      const extensible = tag === WAVE_FORMAT_EXTENSIBLE;
      if (extensible) {
        if (size < 40 || body + 40 > bytes.length) throw new DataError('WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes', where);
        tag = view.getUint16(body + 24, true);
        for (let i = 0; i < GUID_TAIL.length; i++) {
          if (bytes[body + 26 + i] !== GUID_TAIL[i])
            throw new DataError('WAVE_FORMAT_EXTENSIBLE sub-format is not a PCM/float GUID', where);
        }
      }
      fmt = { tag, channels, rate, bits, extensible };
    } else if (id === 'data') {
      data = { offset: body, size };
    }
    at = body + size + (size & 1);
  }
  if (!fmt) throw new DataError('WAV file has no fmt chunk (truncated or corrupt header)', where);
  if (!data) throw new DataError('WAV file has no data chunk (truncated or corrupt)', where);

  let format: WavSampleFormat;
  if (fmt.tag === WAVE_FORMAT_PCM) format = 'pcm';
  else if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT) format = 'float';
  else {
    const codec = FORMAT_NAMES[fmt.tag] ?? `format tag 0x${fmt.tag.toString(16).padStart(4, '0')}`;
    throw new DataError(`WAV codec ${codec} is not supported: only PCM and IEEE float are decoded`, where);
  }
  if (fmt.channels === 0) throw new DataError('WAV fmt chunk declares 0 channels', where);
  if (fmt.rate === 0) throw new DataError('WAV fmt chunk declares a sample rate of 0', where);
  const bytesPerSample = Math.ceil(fmt.bits / 8);
  if (format === 'pcm' && (bytesPerSample < 1 || bytesPerSample > 4)) {
    throw new DataError(`PCM WAV with ${fmt.bits} bits per sample is not supported (1 to 32)`, where);
  }
  if (format === 'float' && fmt.bits !== 32 && fmt.bits !== 64) {
    throw new DataError(`IEEE float WAV with ${fmt.bits} bits per sample is not supported (32 or 64)`, where);
  }
  const available = fileSize - data.offset;
  if (data.size > available) {
    throw new DataError(`WAV file is truncated: its data chunk declares ${data.size} bytes, ${Math.max(0, available)} are present`, where);
  }
  const frames = Math.floor(data.size / (bytesPerSample * fmt.channels));
  return {
    sampleRate: fmt.rate,
    channels: fmt.channels,
    frames,
    format,
    bytesPerSample,
    bitsPerSample: fmt.bits,
    extensible: fmt.extensible,
    dataOffset: data.offset,
  };
}

/** Bytes read from the start of a file to find its WAV header (a larger header is read whole). */
const HEADER_PREFIX = 1 << 16;

/**
 * The header of a WAV file on disk (soundfile's `sf.info`: frames and rate) without reading its samples: its first
 * 64 KiB, or the whole file when the fmt/data chunks start later (a long LIST/bext chunk in front).
 */
export function readWavInfoFile(absPath: string, name = absPath): WavInfo {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch (err) {
    throw new DataError(`cannot open audio file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: name });
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(size, HEADER_PREFIX));
    readSync(fd, prefix, 0, prefix.length, 0);
    try {
      return readWavInfo(prefix, name, size);
    } catch (err) {
      if (prefix.length === size || !(err instanceof DataError) || !/no (fmt|data) chunk|truncated inside/.test(err.detail)) throw err;
      const whole = new Uint8Array(size);
      readSync(fd, whole, 0, size, 0);
      return readWavInfo(whole, name);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The float32 samples of frames [start, start + frames) (soundfile's `sf.read(start=, frames=)`), interleaved.
 * Without a range, the whole file. The range must lie inside the file (the caller clamps it as the collator does).
 */
export function decodeWav(bytes: Uint8Array, name: string, range?: { start: number; frames: number }): DecodedAudio {
  const info = readWavInfo(bytes, name);
  const start = range?.start ?? 0;
  const frames = range?.frames ?? info.frames - start;
  if (!Number.isInteger(start) || !Number.isInteger(frames) || start < 0 || frames < 0 || start + frames > info.frames) {
    throw new DataError(`frames [${start}, ${start + frames}) are outside the file's ${info.frames} frames`, { file: name });
  }
  const n = frames * info.channels;
  const bps = info.bytesPerSample;
  const from = info.dataOffset + start * info.channels * bps;
  // typed-array views read the samples in place when aligned, else from an aligned copy (WAV is little-endian,
  // as are all platforms Node supports)
  const aligned = (bytes.byteOffset + from) % (bps === 3 ? 1 : bps) === 0;
  // an aligned copy: a Node Buffer's slice() is a view, not a copy, so copy through the Uint8Array constructor
  const raw = aligned
    ? new Uint8Array(bytes.buffer, bytes.byteOffset + from, n * bps)
    : new Uint8Array(bytes.subarray(from, from + n * bps));
  const at = raw.byteOffset;
  const out = new Float32Array(n);
  if (info.format === 'float') {
    const src = bps === 4 ? new Float32Array(raw.buffer, at, n) : new Float64Array(raw.buffer, at, n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (!Number.isFinite(v)) {
        throw new DataError(`non-finite sample (${v}) at frame ${start + Math.floor(i / info.channels)}, channel ${i % info.channels}`, {
          file: name,
        });
      }
      out[i] = v; // float64 → float32 rounds to nearest, as libsndfile's (float) cast
    }
  } else if (bps === 1) {
    // × 2^-k is exact, and cheaper than ÷
    for (let i = 0; i < n; i++) out[i] = (raw[i] - 128) * 0.0078125;
  } else if (bps === 2) {
    const src = new Int16Array(raw.buffer, at, n);
    for (let i = 0; i < n; i++) out[i] = src[i] * 3.0517578125e-5;
  } else if (bps === 3) {
    for (let i = 0, b = 0; i < n; i++, b += 3) {
      // sign-extend the 24-bit little-endian integer
      out[i] = ((raw[b] | (raw[b + 1] << 8) | (raw[b + 2] << 16)) << 8) * 4.656612873077393e-10;
    }
  } else {
    const src = new Int32Array(raw.buffer, at, n);
    // libsndfile: (float) int, then × 1/2^31 (exact); Math.fround rounds the int to float32 first
    for (let i = 0; i < n; i++) out[i] = Math.fround(src[i]) * 4.656612873077393e-10;
  }
  return { sampleRate: info.sampleRate, channels: info.channels, frames, data: out };
}
