/**
 * Python string semantics the MMEB-V2 parsers rely on, so formatted text matches VLM2Vec byte for byte.
 * They live in util, below every room, because the parsers (datasets), VLM2Vec's renderings (items) and the
 * model protocols (backends) all reproduce Python string handling, and backends may not import datasets.
 */

// str.isspace() characters (JS's trim() differs: it omits \x1c-\x1f and \x85 and adds \ufeff).
const PY_WHITESPACE = new Set([
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  '\x1c',
  '\x1d',
  '\x1e',
  '\x1f',
  ' ',
  '\x85',
  '\xa0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
]);

/** A run of str.isspace() characters: what Python's `str.split()` (no separator) splits on. */
export const PY_SPLIT_WHITESPACE = new RegExp(
  `[${[...PY_WHITESPACE].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]+`,
  'u',
);

/** Python's str.strip(chars?) / lstrip / rstrip. Without chars, strips Python whitespace. */
export function pyStrip(s: string, chars?: string, side: 'both' | 'left' | 'right' = 'both'): string {
  const strip = chars === undefined ? (c: string) => PY_WHITESPACE.has(c) : (c: string) => chars.includes(c);
  const cps = [...s];
  let start = 0;
  let end = cps.length;
  if (side !== 'right') while (start < end && strip(cps[start])) start++;
  if (side !== 'left') while (end > start && strip(cps[end - 1])) end--;
  return cps.slice(start, end).join('');
}

export const pyRstrip = (s: string, chars?: string): string => pyStrip(s, chars, 'right');

/** Python's s[s.find(sub):] — note find() returns -1 when absent, which slices the last character. */
export function pySliceFromFind(s: string, sub: string): string {
  const cps = [...s];
  const idx = s.indexOf(sub);
  if (idx < 0) return cps.slice(-1).join('');
  // indexOf counts UTF-16 units; convert to a code-point index for the slice.
  return [...s.slice(idx)].join('');
}

/** os.path.splitext: split at the last dot of the last path component, ignoring leading dots. */
export function pySplitext(p: string): [string, string] {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot <= slash + 1) return [p, ''];
  // leading dots of the basename do not start an extension (".bashrc")
  const base = p.slice(slash + 1);
  if (/^\.+[^.]*$/.test(base)) return [p, ''];
  let firstNonDot = slash + 1;
  while (p[firstNonDot] === '.') firstNonDot++;
  if (dot < firstNonDot) return [p, ''];
  return [p.slice(0, dot), p.slice(dot)];
}

export function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** First N code points (Python slices strings by code point, not UTF-16 unit). */
export function pyPrefix(s: string, n: number): string {
  return [...s].slice(0, n).join('');
}
