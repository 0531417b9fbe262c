/** Vector helpers: unit length (every embedder returns L2-normalised vectors) and finiteness checks. */

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function l2normalize(v: Float32Array): Float32Array {
  return scaleToUnit(v, sumOfSquares(v));
}

/**
 * `l2normalize` for a vector that may hold a NaN or an infinity: null, `v` untouched, when it does. One pass
 * finds it: such a value makes the sum of squares non-finite, and finite float32 squares cannot overflow a
 * double. The result has the same bits as `l2normalize`'s.
 */
export function l2normalizeFinite(v: Float32Array): Float32Array | null {
  const sq = sumOfSquares(v);
  return Number.isFinite(sq) ? scaleToUnit(v, sq) : null;
}

function sumOfSquares(v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  return n;
}

function scaleToUnit(v: Float32Array, sumSq: number): Float32Array {
  const n = Math.sqrt(sumSq);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/**
 * The index of the first NaN or ±Infinity in `data`, or -1. Tests the exponent bits of each float32 through
 * an integer view: a plain loop with no call per element (`findIndex` with a callback cost ~0.3 s on 18M values).
 */
export function firstNonFinite(data: Float32Array): number {
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  return -1;
}
