/**
 * Bit-exact client-side resizing: bicubic resamplers re-derived from their sources.
 *
 *  - Pillow's `Image.resize((W, H), Image.BICUBIC)` (reducing_gap None), what qwen-vl-utils' fetch_image and
 *    VLM2Vec's small-image rule call. Derived from Pillow 12.3 src/libImaging/Resample.c (precompute_coeffs,
 *    normalize_coeffs_8bpc, ImagingResampleInner) and src/PIL/Image.py (Image.resize).
 *  - torch's native uint8 antialiased bicubic, `interpolate(uint8 NCHW, size, mode="bicubic", antialias=True,
 *    align_corners=False)` (what torchvision's v2 `resize_image` runs for uint8 on CPU; NOT what qwen-vl-utils'
 *    fetch_video runs: its v1 `transforms.functional.resize` casts to float32 first, resizeTorchvisionBicubicFloat
 *    below).
 *    Derived from pytorch aten/src/ATen/native/cpu/UpSampleKernel.cpp (HelperInterpBase::
 *    _compute_indices_min_size_weights_aa, _compute_index_ranges_int16_weights, HelperInterpCubic::aa_filter,
 *    separable_upsample_generic_Nd_kernel_impl) and UpSampleKernelAVXAntialias.h (upsample_avx_bilinear_bicubic_uint8).
 *
 * The Pillow and uint8 resamplers are separable two-pass convolutions with the same support (2 × the downscale factor, so downscaling is
 * antialiased) and the same window bounds, each pass rounding to uint8. They differ in three places, and the
 * results differ by up to 2 levels: the cubic's outer lobe is evaluated by a different formula (the doubles may
 * differ in the last bit), Pillow turns the weights into fixed point with 22 fraction bits in int32, torch into
 * int16 with a precision chosen from the largest weight, and Pillow ≥ 12.2 resizes an image more than 100 times
 * taller than wide vertically first. See docs/exactness-resize.md.
 *
 *  - torch's float32 antialiased bicubic as torchvision's v1 resize of a uint8 tensor runs it (cast, interpolate,
 *    clamp, round half to even): resizeTorchvisionBicubicFloat, the Qwen3-VL-Embedding frame chain's second step.
 *
 * Pixels are interleaved (RGB, RGBRGB…), rows top to bottom, `channels` bytes a pixel.
 */

/** One axis of a separable resize: for each output index, the first input index, the count, and its weights. */
interface AxisTable {
  /** first input index of each output index */
  start: Int32Array;
  /** number of input samples of each output index */
  count: Int32Array;
  /** fixed-point weights, `stride` a row */
  weights: Int32Array;
  stride: number;
  /** fraction bits of the weights: the sum is rounded with 1 << (precision - 1) and shifted right by it */
  precision: number;
}

/** Pillow's bicubic_filter (Resample.c): a = -0.5, evaluated in this order. */
function pillowCubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** torch's HelperInterpCubic::aa_filter with use_keys_cubic (a = -0.5): cubic_convolution1/2 of UpSample.h. */
function torchCubic(x: number): number {
  const A = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/**
 * The normalised float weights both libraries compute (Pillow's precompute_coeffs; torch's
 * _compute_indices_min_size_weights_aa with the same arithmetic): centre (i + 0.5) × scale, support 2 × max(scale, 1),
 * bounds truncated toward zero after + 0.5 and clipped to the input.
 */
function floatWeights(inSize: number, outSize: number, filter: (x: number) => number) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const invFilterScale = 1.0 / filterScale;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const w = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    // torch clamps the count to the row length (a guard for rounding); Pillow's ksize already bounds it
    const n = Math.min(Math.min(Math.trunc(center + support + 0.5), inSize) - lo, stride);
    let total = 0;
    const row = i * stride;
    for (let j = 0; j < n; j++) {
      const v = filter((j + lo - center + 0.5) * invFilterScale);
      w[row + j] = v;
      total += v;
    }
    if (total !== 0) for (let j = 0; j < n; j++) w[row + j] /= total;
    start[i] = lo;
    count[i] = Math.max(n, 0);
  }
  return { start, count, w, stride };
}

/** C's (int)(±0.5 + v): round half away from zero by truncation. */
function toFixed(v: number, one: number): number {
  const s = v * one;
  return s < 0 ? Math.trunc(-0.5 + s) : Math.trunc(0.5 + s);
}

/** Pillow's PRECISION_BITS (32 - 8 - 2): int32 weights with 22 fraction bits. */
const PILLOW_PRECISION = 22;

function pillowAxis(inSize: number, outSize: number): AxisTable {
  const { start, count, w, stride } = floatWeights(inSize, outSize, pillowCubic);
  const weights = new Int32Array(w.length);
  const one = 2 ** PILLOW_PRECISION;
  for (let i = 0; i < w.length; i++) weights[i] = toFixed(w[i], one);
  return { start, count, weights, stride, precision: PILLOW_PRECISION };
}

function torchAxis(inSize: number, outSize: number): AxisTable {
  const { start, count, w, stride } = floatWeights(inSize, outSize, torchCubic);
  let wMax = 0;
  for (let i = 0; i < w.length; i++) if (w[i] > wMax) wMax = w[i];
  // the most fraction bits (under 22) that keep the largest weight, doubled, inside int16
  let precision = 0;
  for (; precision < 22; precision++) {
    if (Math.trunc(0.5 + wMax * 2 ** (precision + 1)) >= 1 << 15) break;
  }
  const weights = new Int32Array(w.length);
  const one = 2 ** precision;
  for (let i = 0; i < w.length; i++) weights[i] = (toFixed(w[i], one) << 16) >> 16; // stored as int16
  return { start, count, weights, stride, precision };
}

/** One horizontal pass over rows [row0, row0 + rows) of `src` (w wide): out is outW × rows, uint8. */
function horizontal(src: Uint8Array, w: number, row0: number, rows: number, c: number, t: AxisTable): Uint8Array {
  const outW = t.start.length;
  const out = new Uint8Array(outW * rows * c);
  const bias = 2 ** (t.precision - 1);
  const shift = t.precision;
  const { start, count, weights, stride } = t;
  for (let y = 0; y < rows; y++) {
    const inRow = (row0 + y) * w * c;
    const outRow = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const k0 = x * stride;
      const n = count[x];
      let p = inRow + start[x] * c;
      if (c === 3) {
        let s0 = bias;
        let s1 = bias;
        let s2 = bias;
        for (let j = 0; j < n; j++, p += 3) {
          const k = weights[k0 + j];
          s0 += src[p] * k;
          s1 += src[p + 1] * k;
          s2 += src[p + 2] * k;
        }
        const o = outRow + x * 3;
        out[o] = clip8(s0, shift);
        out[o + 1] = clip8(s1, shift);
        out[o + 2] = clip8(s2, shift);
      } else {
        for (let ch = 0; ch < c; ch++) {
          let s = bias;
          for (let j = 0, q = p + ch; j < n; j++, q += c) s += src[q] * weights[k0 + j];
          out[outRow + x * c + ch] = clip8(s, shift);
        }
      }
    }
  }
  return out;
}

/** One vertical pass: src is w × (any) rows; output row y reads rows start[y] - rowOffset …; out is w × outH. */
function vertical(src: Uint8Array, w: number, c: number, t: AxisTable, rowOffset: number): Uint8Array {
  const outH = t.start.length;
  const rowLen = w * c;
  const out = new Uint8Array(rowLen * outH);
  const bias = 2 ** (t.precision - 1);
  const shift = t.precision;
  const { start, count, weights, stride } = t;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < outH; y++) {
    acc.fill(bias);
    const k0 = y * stride;
    const first = start[y] - rowOffset;
    for (let j = 0; j < count[y]; j++) {
      const k = weights[k0 + j];
      const base = (first + j) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += src[base + i] * k;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clip8(acc[i], shift);
  }
  return out;
}

/**
 * The sum shifted right (an arithmetic shift: the sums stay inside int32 for both libraries' weights) and
 * clipped to 0..255, as Pillow's clip8 and torch's saturating packs do.
 */
function clip8(sum: number, shift: number): number {
  return Math.min(Math.max(sum >> shift, 0), 255);
}

function check(pixels: Uint8Array, w: number, h: number, outW: number, outH: number, c: number, who: string): void {
  for (const [name, v] of [
    ['width', w],
    ['height', h],
    ['target width', outW],
    ['target height', outH],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 1 << 16) throw new RangeError(`${who}: ${name} must be an integer in 1..65536, got ${v}`);
  }
  if (!Number.isInteger(c) || c < 1 || c > 4) throw new RangeError(`${who}: channels must be 1..4, got ${c}`);
  if (pixels.length !== w * h * c) {
    throw new RangeError(`${who}: ${pixels.length} bytes is not ${w}×${h}×${c}`);
  }
}

export interface PillowResizeOptions {
  /**
   * Pillow 12.2 and later resize an image more than 100 times taller than wide (when the height shrinks)
   * vertically first (Image.resize); earlier Pillow always runs the horizontal pass first. Default true.
   */
  tallVerticalFirst?: boolean;
}

/**
 * Pillow's `Image.resize((outW, outH), Image.BICUBIC)` of an 8-bit image, bit for bit. `channels` 1 (mode L) or
 * 3 (RGB); Pillow premultiplies LA and RGBA by alpha before resampling, which this does not do, so they are
 * refused: the references convert to RGB first.
 */
export function resizePillowBicubic(
  pixels: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  channels = 3,
  opts: PillowResizeOptions = {},
): Uint8Array {
  check(pixels, w, h, outW, outH, channels, 'resizePillowBicubic');
  if (channels === 2 || channels === 4) {
    throw new RangeError('resizePillowBicubic: Pillow resizes LA/RGBA premultiplied by alpha; convert to RGB (or L) first');
  }
  if (w === outW && h === outH) return pixels.slice();
  const needH = outW !== w;
  const needV = outH !== h;
  if ((opts.tallVerticalFirst ?? true) && h > w * 100 && outH < h) {
    // Image.resize: im.resize((w, outH), box (0, 0, w, h)) then .resize((outW, outH))
    let img = needV ? vertical(pixels, w, channels, pillowAxis(h, outH), 0) : pixels.slice();
    if (needH) img = horizontal(img, w, 0, outH, channels, pillowAxis(w, outW));
    return img;
  }
  // ImagingResampleInner: horizontal over the rows the vertical pass reads, then vertical
  const vt = pillowAxis(h, outH);
  if (!needH) return vertical(pixels, w, channels, vt, 0);
  const first = vt.start[0];
  const last = vt.start[outH - 1] + vt.count[outH - 1];
  const ht = pillowAxis(w, outW);
  if (!needV) return horizontal(pixels, w, 0, h, channels, ht);
  const mid = horizontal(pixels, w, first, last - first, channels, ht);
  return vertical(mid, outW, channels, vt, first);
}

/**
 * torch's `interpolate(uint8 NCHW, size=(outH, outW), mode="bicubic", antialias=True, align_corners=False)`,
 * bit for bit (channels 1..4, each resampled on its own; torch does not premultiply). The pass along a side
 * whose size does not change is skipped; the horizontal pass runs first.
 */
export function resizeTorchAaBicubic(pixels: Uint8Array, w: number, h: number, outW: number, outH: number, channels = 3): Uint8Array {
  check(pixels, w, h, outW, outH, channels, 'resizeTorchAaBicubic');
  if (w === outW && h === outH) return pixels.slice();
  let img = pixels;
  let width = w;
  if (outW !== w) {
    img = horizontal(img, w, 0, h, channels, torchAxis(w, outW));
    width = outW;
  }
  if (outH !== h) img = vertical(img, width, channels, torchAxis(h, outH), 0);
  return img;
}

/**
 * The two float forms of torch's antialiasing bicubic filter (HelperInterpCubic::aa_filter, a = −0.5). The
 * kernel is the same function; the roundings are not, and that moves ±1 level at a .5 tie:
 *  - `torch2`: pytorch 2.x (`aa_filter<scalar_t, use_keys_cubic>` calling UpSample.h cubic_convolution1/2,
 *    `((A + 2)·x − (A + 3))·x·x + 1` and `((A·x − 5A)·x + 8A)·x − 4A` with a float A): every step in float32.
 *  - `torch1`: pytorch 1.13 (the Pillow formula with `#define a -0.5`, a double): the inner branch
 *    `((a + 2.0)·x − (a + 3.0))·x·x + 1` in double; the outer `(((x − 5)·x + 8)·x − 4)·a` in float32 up to
 *    the last product, which is double; each result narrowed to float.
 */
export type TorchCubicForm = 'torch1' | 'torch2';

function torchCubicF32(x: number, form: TorchCubicForm): number {
  const f = Math.fround;
  x = Math.abs(x);
  if (form === 'torch2') {
    if (x < 1) return f(f(f(f(f(1.5 * x) - 2.5) * x) * x) + 1);
    if (x < 2) return f(f(f(f(f(f(-0.5 * x) + 2.5) * x) - 4) * x) + 2);
    return 0;
  }
  if (x < 1) return f((1.5 * x - 2.5) * x * x + 1);
  if (x < 2) return f(f(f(f(f(f(x - 5) * x) + 8) * x) - 4) * -0.5);
  return 0;
}

/** One axis of torch's float antialiased resize: for each output index, its first input index, count, weights. */
interface FloatAxisTable {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
}

/**
 * HelperInterpBase::_compute_index_ranges_weights / _compute_indices_min_size_weights_aa (1.13:
 * _compute_weights_aa) with scalar_t = float (pytorch aten/src/ATen/native/cpu/UpSampleKernel.cpp). Unlike the
 * uint8 path, which computes in double, every stored quantity is a float, and C++'s promotions decide where one
 * operation runs in double: `scale * (i + 0.5)` and `… + 0.5` are double and narrowed back to float,
 * `j + xmin - center` is a float subtraction, the sum of the weights and their normalisation are float.
 */
function torchFloatAxis(inSize: number, outSize: number, form: TorchCubicForm): FloatAxisTable {
  const f = Math.fround;
  const scale = f(inSize / outSize); // area_pixel_compute_scale<float>: static_cast<float>(in) / out
  const support = scale >= 1 ? f(2 * scale) : 2; // (interp_size · 0.5) · scale
  const stride = Math.ceil(support) * 2 + 1;
  const invScale = scale >= 1 ? f(1 / scale) : 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = f(scale * (i + 0.5));
    const lo = Math.max(Math.trunc(f(center - support) + 0.5), 0);
    const n = Math.min(Math.max(Math.min(Math.trunc(f(center + support) + 0.5), inSize) - lo, 0), stride);
    const row = i * stride;
    let total = 0;
    for (let j = 0; j < n; j++) {
      const w = torchCubicF32(f((f(j + lo - center) + 0.5) * invScale), form);
      weights[row + j] = w;
      total = f(total + w);
    }
    if (total !== 0) for (let j = 0; j < n; j++) weights[row + j] = f(weights[row + j] / total);
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

export interface TorchvisionBicubicOptions {
  /** which torch's float filter arithmetic to reproduce (see TorchCubicForm); default `torch2` */
  cubic?: TorchCubicForm;
}

/**
 * torchvision's `transforms.functional.resize(uint8 tensor, [outH, outW], BICUBIC, antialias=True)`, as
 * torch's portable (DEFAULT-capability) CPU kernel computes it: torchvision (`_functional_tensor.resize`) casts
 * the uint8 image to float32, runs `interpolate(mode="bicubic", antialias=True, align_corners=False)` in
 * float32 — torch's separable kernel: the width pass over every row into a float32 image, then the height pass,
 * a pass skipped when its size does not change, each output `t0·w0` then `+= tj·wj` in tap order, each product
 * and sum rounded to float — clamps to 0..255, rounds half to even (`torch.round`) and casts back. This is what
 * qwen-vl-utils' fetch_video calls; torch's native uint8 kernel (`resizeTorchAaBicubic`) is another resampler.
 * Channels are resampled independently. An unchanged size returns a copy (torchvision returns the input).
 * torch's AVX2 / AVX-512 builds of the same kernel round differently in the last bit of some downscales (see
 * docs/exactness-resize.md).
 */
export function resizeTorchvisionBicubicFloat(
  pixels: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  channels = 3,
  opts: TorchvisionBicubicOptions = {},
): Uint8Array {
  check(pixels, w, h, outW, outH, channels, 'resizeTorchvisionBicubicFloat');
  if (w === outW && h === outH) return pixels.slice();
  const form = opts.cubic ?? 'torch2';
  if (form !== 'torch1' && form !== 'torch2')
    throw new RangeError(`resizeTorchvisionBicubicFloat: cubic must be torch1 or torch2, got ${form}`);
  const f = Math.fround;
  const c = channels;
  let img = Float32Array.from(pixels);
  let width = w;
  if (outW !== w) {
    const t = torchFloatAxis(w, outW, form);
    const out = new Float32Array(outW * h * c);
    for (let y = 0; y < h; y++) {
      const inRow = y * w * c;
      const outRow = y * outW * c;
      for (let x = 0; x < outW; x++) {
        const k0 = x * t.stride;
        const n = t.count[x];
        const p = inRow + t.start[x] * c;
        for (let ch = 0; ch < c; ch++) {
          // interpolate_aa_single_dim: output = t0·w0, then output += tj·wj
          let s = f(img[p + ch] * t.weights[k0]);
          for (let j = 1; j < n; j++) s = f(s + f(img[p + j * c + ch] * t.weights[k0 + j]));
          out[outRow + x * c + ch] = s;
        }
      }
    }
    img = out;
    width = outW;
  }
  if (outH !== h) {
    const t = torchFloatAxis(h, outH, form);
    const rowLen = width * c;
    const out = new Float32Array(rowLen * outH);
    for (let y = 0; y < outH; y++) {
      const k0 = y * t.stride;
      const n = t.count[y];
      const base = t.start[y] * rowLen;
      const o = y * rowLen;
      const w0 = t.weights[k0];
      for (let i = 0; i < rowLen; i++) out[o + i] = f(img[base + i] * w0);
      for (let j = 1; j < n; j++) {
        const wj = t.weights[k0 + j];
        const b = base + j * rowLen;
        for (let i = 0; i < rowLen; i++) out[o + i] = f(out[o + i] + f(img[b + i] * wj));
      }
    }
    img = out;
  }
  const result = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    // img.clamp(0, 255), then _cast_squeeze_out: torch.round (half to even) and .to(uint8)
    const v = Math.min(Math.max(img[i], 0), 255);
    let r = Math.round(v);
    if (r - v === 0.5 && r % 2 !== 0) r -= 1;
    result[i] = r;
  }
  return result;
}
