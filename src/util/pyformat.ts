/**
 * Python's fixed-point float formatting (`f"{x:.3f}"`, `"%.3f" % x`): the exact binary value of the double,
 * rounded to `digits` decimals, ties to even (CPython's dtoa in mode 3). JavaScript's toFixed rounds the same
 * exact value but breaks ties upward, so the two differ only where the double lies exactly halfway — 0.0625
 * is "0.062" in Python and "0.063" from toFixed.
 */

/** The double as an exact fraction num / 2^shift (num a BigInt, shift ≥ 0). */
function exactFraction(x: number): { num: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0)
    e = -1074; // subnormal
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  return e >= 0 ? { num: mant << BigInt(e), shift: 0n } : { num: mant, shift: BigInt(-e) };
}

/** `format(x, f".{digits}f")` as CPython writes it (nan, inf and -0.0 included). */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new RangeError(`digits ${digits} outside 0..20`);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const { num, shift } = exactFraction(Math.abs(x));
  const scaled = num * 10n ** BigInt(digits);
  const den = 1n << shift;
  let q = scaled / den;
  const twiceRem = (scaled % den) * 2n;
  if (twiceRem > den || (twiceRem === den && q % 2n === 1n)) q += 1n;
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return negative ? `-${s}` : s;
}
