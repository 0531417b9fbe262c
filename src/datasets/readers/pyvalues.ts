/**
 * Python value semantics the MMEB-V3 text and memory parsers rely on: truthiness (`x or y`), `str(x)` of an
 * id and `float(x)` of a qrels grade, applied to rows as pyarrow's `to_pylist()` / `json.loads` give them.
 */
import { pyStrip } from './pytext.js';

export type PyRow = Record<string, unknown>;

/** Python's bool(x) for the values a parquet or JSON row holds (NaN is truthy, an empty list or dict is not). */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (v instanceof Date) return true;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** `row.get(k)`: a missing key and a JSON null are both None (null). */
export function pyGet(row: PyRow, key: string): unknown {
  return Object.hasOwn(row, key) && row[key] !== undefined ? row[key] : null;
}

/** Python's repr of a float (`1e-05`, `0.0001`, `1.5e+16`, `nan`, `inf`). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || '0'}`;
}

/**
 * Python's `str(x)` of a scalar id: strings as they are, integers in decimal, other numbers as Python floats,
 * booleans `True`/`False`. Undefined (null) for values whose Python str() is a repr no id should carry
 * (lists, dicts, bytes, dates): the caller raises a DataError naming the row.
 *
 * A JSON number has no int/float distinction in JavaScript: `1.0` reads as 1 and is written `1`, where
 * Python writes `1.0`. An integer beyond 2^53 from JSON has already lost digits, so it is refused too.
 */
export function pyStrScalar(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return Number.isSafeInteger(v) ? String(v) : null;
    return pyFloatRepr(v);
  }
  return null;
}

const PY_FLOAT_LITERAL = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_FLOAT_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * Python's `float(x)`, or null where Python raises (TypeError / ValueError): strings with surrounding
 * whitespace, `_` between digits, `inf` / `nan` in any case; booleans as 1.0 / 0.0.
 */
export function pyFloat(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'string') return null;
  const s = pyStrip(v);
  if (PY_FLOAT_SPECIAL.test(s)) {
    const neg = s.startsWith('-');
    if (/nan/i.test(s)) return Number.NaN;
    return neg ? -Infinity : Infinity;
  }
  if (!PY_FLOAT_LITERAL.test(s)) return null;
  return Number(s.replace(/_/g, ''));
}

/** Python's default string ordering: by code point (JavaScript's `<` compares UTF-16 units). */
export function pyCompareStr(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = (ca[i].codePointAt(0) as number) - (cb[i].codePointAt(0) as number);
    if (d) return d;
  }
  return ca.length - cb.length;
}
