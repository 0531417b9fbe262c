/**
 * The builtin weight-free embedder: a floor, not a model. It exists so the whole harness runs offline in
 * seconds and so a run has a baseline that any real embedder must beat. Features:
 *  - text: signed feature hashing of lower-cased words and character trigrams (stop-words dropped);
 *  - image: an 8×8 RGB thumbnail (near-duplicate matching), plus the names of its dominant basic
 *    colours hashed into the *text* space — the one cross-modal link it has ("a red bus" ↔ red pixels);
 *  - video: the mean of its frames' features;
 *  - audio: a coarse envelope of the prepared clip in the thumbnail's slots (64 equal spans of the clip, each
 *    its RMS level, zero-crossing rate and mean slope: loudness, pitchiness and brightness over time).
 * The vector is L2-normalised. It knows nothing about tasks.
 */
import { loadSharp } from '../util/sharp.js';
import type { EmbedInput, Embedder, LoadedAudio, ModelMedia } from './types.js';
import { BackendError } from '../errors.js';
import { l2normalize } from '../util/vector.js';

const TEXT_DIM = 512;
const THUMB = 8;
const PIXEL_DIM = THUMB * THUMB * 3;
export const BUILTIN_DIM = TEXT_DIM + PIXEL_DIM;

const STOP = new Set(
  'a an the of to in on at for with and or is are was were be this that these those it its by from as what which who how does do did given following image video document query find represent provided content'.split(
    ' ',
  ),
);

/** Basic colour terms at their canonical sRGB values (Berlin & Kay's eleven). */
export const COLOR_TERMS: [string, number, number, number][] = [
  ['red', 255, 0, 0],
  ['orange', 255, 165, 0],
  ['yellow', 255, 255, 0],
  ['green', 0, 128, 0],
  ['blue', 0, 0, 255],
  ['purple', 128, 0, 128],
  ['pink', 255, 192, 203],
  ['brown', 139, 69, 19],
  ['black', 0, 0, 0],
  ['white', 255, 255, 255],
  ['gray', 128, 128, 128],
];

/** The basic colour term nearest to an sRGB pixel. */
export function colourName(r: number, g: number, b: number): string {
  let best = COLOR_TERMS[0][0];
  let bestD = Infinity;
  for (const [name, cr, cg, cb] of COLOR_TERMS) {
    const d = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function addToken(v: Float32Array, token: string, weight: number): void {
  const h = fnv1a(token);
  v[h % TEXT_DIM] += h & 0x80000000 ? -weight : weight;
}

function addText(v: Float32Array, text: string): void {
  const clean = text.replace(/<\|[a-z_0-9]+\|>/g, ' ').toLowerCase();
  for (const w of clean.match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP.has(w)) continue;
    addToken(v, `w:${w}`, 1);
    const padded = `#${w}#`;
    for (let i = 0; i + 3 <= padded.length; i++) addToken(v, `c:${padded.slice(i, i + 3)}`, 0.25);
  }
}

async function imageFeatures(data: Uint8Array, path: string): Promise<Float32Array> {
  let px: Buffer;
  try {
    px = await (await loadSharp())(data).removeAlpha().resize(THUMB, THUMB, { fit: 'fill' }).toColourspace('srgb').raw().toBuffer();
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  const v = new Float32Array(BUILTIN_DIM);
  const counts = new Map<string, number>();
  for (let p = 0; p < THUMB * THUMB; p++) {
    const [r, g, b] = [px[p * 3], px[p * 3 + 1], px[p * 3 + 2]];
    for (let k = 0; k < 3; k++) v[TEXT_DIM + p * 3 + k] = (px[p * 3 + k] / 255 - 0.5) * 0.6;
    const best = colourName(r, g, b);
    counts.set(best, (counts.get(best) ?? 0) + 1);
  }
  for (const [name, n] of counts) {
    const frac = n / (THUMB * THUMB);
    if (frac >= 0.1) addToken(v, `w:${name}`, 2 * frac);
  }
  return v;
}

/** The envelope of a clip (see the header): PIXEL_DIM / 3 spans × (RMS, zero-crossing rate, mean |slope|). */
export function audioFeatures(clip: LoadedAudio): Float32Array {
  const v = new Float32Array(BUILTIN_DIM);
  const x = clip.samples;
  const spans = PIXEL_DIM / 3;
  for (let k = 0; k < spans; k++) {
    const from = Math.floor((k * x.length) / spans);
    const to = Math.max(from + 1, Math.floor(((k + 1) * x.length) / spans));
    let sq = 0;
    let crossings = 0;
    let slope = 0;
    for (let i = from; i < to && i < x.length; i++) {
      sq += x[i] * x[i];
      if (i > from) {
        if (x[i] >= 0 !== x[i - 1] >= 0) crossings++;
        slope += Math.abs(x[i] - x[i - 1]);
      }
    }
    const n = Math.max(1, Math.min(to, x.length) - from);
    v[TEXT_DIM + k * 3] = Math.sqrt(sq / n);
    v[TEXT_DIM + k * 3 + 1] = crossings / n;
    v[TEXT_DIM + k * 3 + 2] = slope / n;
  }
  return v;
}

async function mediaFeatures(m: ModelMedia): Promise<Float32Array> {
  if (m.kind === 'image') return imageFeatures(m.data, m.path);
  if (m.kind === 'audio') return audioFeatures(m);
  const v = new Float32Array(BUILTIN_DIM);
  if (!m.data.length) return v;
  for (const [i, frame] of m.data.entries()) {
    const f = await imageFeatures(frame, m.paths[i]);
    for (let k = 0; k < v.length; k++) v[k] += f[k] / m.data.length;
  }
  return v;
}

export class BuiltinEmbedder implements Embedder {
  readonly id = 'builtin-floor@1';
  readonly dim = BUILTIN_DIM;

  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const item of items) {
      const v = new Float32Array(BUILTIN_DIM);
      addText(v, item.text);
      for (const m of item.media) {
        const f = await mediaFeatures(m);
        for (let k = 0; k < v.length; k++) v[k] += f[k];
      }
      out.push(l2normalize(v));
    }
    return out;
  }
}
