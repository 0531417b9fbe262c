/**
 * Python's `json.loads` / `json.dumps` and `str()` for decoded JSON values, exactly as CPython 3 writes them.
 * The MMEB-V3 parsers re-serialise data with Python (ToolDe tool documentation, MCMR product fields), and
 * JavaScript's JSON differs in every detail that shows in the text: separators, `\uXXXX` escaping, float
 * repr (`1e-08`, `1.0`), integers above 2^53, NaN/Infinity, and the order of integer-like object keys.
 *
 * The value model keeps what Python keeps: an integer is a `bigint`, a float a `number`, an object a `Map`
 * (insertion order; a repeated key keeps its first position and its last value, as a dict does).
 */

export type PyJson = null | boolean | string | bigint | number | PyJson[] | Map<string, PyJson>;

export class PyJsonError extends Error {}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

/** `json.loads(text)` (strict mode: raw control characters inside strings are errors). */
export function pyJsonLoads(text: string): PyJson {
  if (text.startsWith('\ufeff')) throw new PyJsonError('Unexpected UTF-8 BOM (decode using utf-8-sig)');
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text[i])) i++;
  };
  const fail = (msg: string): never => {
    throw new PyJsonError(`${msg} at char ${i}`);
  };
  const value = (): PyJson => {
    skip();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const obj = new Map<string, PyJson>();
      skip();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str();
        skip();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        obj.set(k, value());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const arr: PyJson[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    for (const [word, v] of [
      ['null', null],
      ['true', true],
      ['false', false],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('Expecting value');
    i += m[0].length;
    // an integer stays an exact integer; anything with a fraction or exponent is a float (float() rounds correctly, as Number does)
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('Unterminated string starting');
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          // UTF-16 code units: a surrogate pair written as two escapes is one character, a lone one stays lone (as in Python)
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else fail('Invalid \\escape');
      } else {
        if (c.charCodeAt(0) < 0x20) fail('Invalid control character');
        out += c;
        i++;
      }
    }
  };
  const v = value();
  skip();
  if (i !== text.length) fail('Extra data');
  return v;
}

/** Python's `repr(float)`: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else d.ddde±XX. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e'); // shortest round-trip digits
  const digits = mant.replace('.', '');
  const exp = Number(expStr); // x = d.ddd × 10^exp
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    return `${sign}${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

/** json.dumps' float: repr, with NaN / Infinity / -Infinity (allow_nan=True). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return pyFloatRepr(x);
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** json.encoder.py_encode_basestring_ascii: every UTF-16 unit outside ' '..'~' as \uXXXX (lower-case hex; DEL too). */
function jsonStringAscii(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    const code = s.charCodeAt(k);
    if (JSON_ESCAPES[c]) out += JSON_ESCAPES[c];
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Python's sorted() order of str keys: by code point (JS's default sort compares UTF-16 units). */
function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

/** `json.dumps(value, ensure_ascii=True, sort_keys=...)` with the default separators ", " and ": ". */
export function pyJsonDumps(value: PyJson, { sortKeys = false }: { sortKeys?: boolean } = {}): string {
  const enc = (v: PyJson): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return jsonStringAscii(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return jsonFloat(v);
    if (Array.isArray(v)) return `[${v.map(enc).join(', ')}]`;
    const keys = [...v.keys()];
    if (sortKeys) keys.sort(codePointCompare);
    return `{${keys.map((k) => `${jsonStringAscii(k)}: ${enc(v.get(k) as PyJson)}`).join(', ')}}`;
  };
  return enc(value);
}

// str.isprintable() is false for these categories (and for every Z* separator except ' ').
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr(str)`: single quotes unless the text has ' and no ", backslash escapes for the unprintable. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const hex = cp.toString(16);
      out += cp < 0x100 ? `\\x${hex.padStart(2, '0')}` : cp < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a decoded JSON value (lists and dicts show their items this way). */
export function pyRepr(v: PyJson): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

/** Python's `str()` of a decoded JSON value: a string as itself, None/True/False, int, float repr, containers as repr. */
export function pyStr(v: PyJson): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return pyFloatRepr(v);
  return pyRepr(v);
}

/**
 * A value read from parquet or JSON.parse, in the PyJson model: integral numbers are taken as Python ints
 * (pyarrow/pandas give int columns as ints; a float column of whole numbers would print "1.0" in Python but
 * cannot be told apart here), objects keep their (JavaScript) key order.
 */
export function fromJs(v: unknown): PyJson {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJs);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [String(k), fromJs(x)]));
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)]));
  throw new PyJsonError(`not a JSON value: ${typeof v}`);
}
