import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { dumpLines } from '../src/datasets/dump.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { FORMATS_EXPECTED, FORMATS_ROOT } from './helpers.js';

type Line = { role: string; id: string; candidates?: string[] | null; [k: string]: unknown };
const parse = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** Charades-STA's clip folders come in os.listdir order upstream: compare candidates and targets as sets. */
function unordered(lines: Line[]): string[] {
  return lines.map((l) => JSON.stringify({ ...l, candidates: l.candidates ? [...l.candidates].sort() : l.candidates })).sort();
}

for (const file of readdirSync(FORMATS_EXPECTED).filter((f) => f.endsWith('.jsonl'))) {
  const name = file.replace(/\.jsonl$/, '');
  test(`dump reproduces VLM2Vec's EvalSet for ${name}`, async () => {
    const { evalSet } = await loadEvalSet(getTask(name), { dataRoot: FORMATS_ROOT });
    const got = parse([...dumpLines(evalSet)].join('\n'));
    const want = parse(readFileSync(join(FORMATS_EXPECTED, file), 'utf8'));
    if (name === 'Charades-STA') assert.deepEqual(unordered(got), unordered(want));
    else assert.deepEqual(got, want);
  });
}

test('the plain format drops the visual placeholders', async () => {
  const { evalSet } = await loadEvalSet(getTask('N24News'), { dataRoot: FORMATS_ROOT, format: 'plain' });
  assert.ok(evalSet.queries[0].text.startsWith('\nRepresent the given news image'));
  assert.ok(!evalSet.queries.some((q) => q.text.includes('<|')));
});
