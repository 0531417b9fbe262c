/**
 * util/pyjson.ts against CPython 3's json and str(): every expected string below is what CPython 3.11 prints
 * for `json.dumps(json.loads(s))` / `str(json.loads(s))` (the default ensure_ascii=True, separators ", " / ": ").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyJsonError, pyFloatRepr, pyJsonDumps, pyJsonLoads, pyStr } from '../src/util/pyjson.js';

test('pyjson floats and ints: Python repr, exact big integers', () => {
  const table: [string, string, string][] = [
    // [json text, json.dumps, str()]
    ['1e-3', '0.001', '0.001'],
    ['1e16', '1e+16', '1e+16'],
    ['1e15', '1000000000000000.0', '1000000000000000.0'],
    ['123456789012345678', '123456789012345678', '123456789012345678'],
    ['9007199254740993', '9007199254740993', '9007199254740993'],
    ['0.1', '0.1', '0.1'],
    ['1e-05', '1e-05', '1e-05'],
    ['0.0001', '0.0001', '0.0001'],
    ['-0.0', '-0.0', '-0.0'],
    ['1E0', '1.0', '1.0'],
    ['5e-324', '5e-324', '5e-324'],
    ['1.7976931348623157e308', '1.7976931348623157e+308', '1.7976931348623157e+308'],
    ['1e400', 'Infinity', 'inf'],
    ['12345678901234567890.0', '1.2345678901234567e+19', '1.2345678901234567e+19'],
    ['2.5e-7', '2.5e-07', '2.5e-07'],
    ['100.0', '100.0', '100.0'],
    ['1.5e+16', '1.5e+16', '1.5e+16'],
    ['0.90', '0.9', '0.9'],
  ];
  for (const [s, dumped, str] of table) {
    const v = pyJsonLoads(s);
    assert.equal(pyJsonDumps(v), dumped, s);
    assert.equal(pyStr(v), str, s);
  }
  assert.equal(pyFloatRepr(Number.NaN), 'nan');
});

test('pyjson objects: key order as stored (integer-like keys too), \\uXXXX for non-ASCII and DEL, surrogate pairs, NaN/Infinity', () => {
  const s = '{"z": 1, "10": 2, "2": 3, "a": {"\\u00e9\\ud83d\\ude00\\u007f\\u001f\\/": [NaN, Infinity, -Infinity, null, true]}}';
  assert.equal(
    pyJsonDumps(pyJsonLoads(s)),
    '{"z": 1, "10": 2, "2": 3, "a": {"\\u00e9\\ud83d\\ude00\\u007f\\u001f/": [NaN, Infinity, -Infinity, null, true]}}',
  );
  // raw (unescaped) non-ASCII in the input is escaped the same way
  assert.equal(pyJsonDumps(pyJsonLoads('{"t": "20 °C — ✓ 😀"}')), '{"t": "20 \\u00b0C \\u2014 \\u2713 \\ud83d\\ude00"}');
  // sort_keys: code-point order (U+FFFF before U+1F600, which UTF-16 order would reverse)
  assert.equal(
    pyJsonDumps(pyJsonLoads('{"b":1,"a":2,"\\ud83d\\ude00":3,"\\uffff":4}'), { sortKeys: true }),
    '{"a": 2, "b": 1, "\\uffff": 4, "\\ud83d\\ude00": 3}',
  );
  // a repeated key keeps its first position and its last value (dict assignment)
  assert.equal(pyJsonDumps(pyJsonLoads('{"a":1,"b":3,"a":2}')), '{"a": 2, "b": 3}');
});

test('pyjson str(): Python repr of lists and dicts, quotes chosen as Python does, unprintables escaped', () => {
  assert.equal(
    pyStr(pyJsonLoads('["it\'s", "say \\"hi\\"", "both \' and \\"", "tab\\t\\u0085\\u00a0x\\u200b", "\\ud800"]')),
    `["it's", 'say "hi"', 'both \\' and "', 'tab\\t\\x85\\xa0x\\u200b', '\\ud800']`,
  );
  assert.equal(pyStr(pyJsonLoads('{"k": [1.0, null, false]}')), "{'k': [1.0, None, False]}");
  assert.equal(pyStr(pyJsonLoads('"plain"')), 'plain');
});

test('pyjson loads refuses what json.loads refuses', () => {
  for (const bad of ['', '{bad', '{"a": 1} x', '[1,]', '"tab\there"', '\ufeff{}', 'nan', '01', '{"a" 1}', "{'a': 1}"]) {
    assert.throws(() => pyJsonLoads(bad), PyJsonError, JSON.stringify(bad));
  }
  assert.deepEqual(pyJsonLoads(' \n[1, 2.0]\r\n'), [1n, 2]);
});
