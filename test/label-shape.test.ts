import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import type { EvalSet } from '../src/items/types.js';
import { predictionLine } from '../src/report/results.js';
import { FORMATS_EXPECTED, FORMATS_ROOT } from './helpers.js';

/**
 * VLM2Vec's evaluator writes the gold of its multi-positive families (visdoc qrels, MomentSeeker's positive
 * clips) as a list and every other family's single label as a string. The test keeps that table; the code
 * takes the shape from the EvalSet its parser built.
 */
const LIST_FAMILIES = new Set(['vidore', 'visrag', 'momentseeker']);

for (const name of readdirSync(FORMATS_EXPECTED)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.replace(/\.jsonl$/, ''))) {
  test(`pred lines of ${name} write the gold as VLM2Vec does`, async () => {
    const task = getTask(name);
    const { evalSet } = await loadEvalSet(task, { dataRoot: FORMATS_ROOT });
    const list = LIST_FAMILIES.has(task.parser);
    assert.equal(evalSet.labelShape ?? 'single', list ? 'list' : 'single');
    for (const q of evalSet.queries) {
      const ranked = q.candidateIds ?? evalSet.candidates.map((c) => c.id);
      const line = predictionLine(evalSet, ranked, q.gold, q.relScores);
      assert.deepEqual(line, { prediction: ranked, label: list ? q.gold : q.gold[0], rel_scores: q.relScores });
    }
  });
}

test('a list family keeps a one-id gold as a list; an EvalSet that states no shape writes one label', async () => {
  const { evalSet } = await loadEvalSet(getTask('MomentSeeker'), { dataRoot: FORMATS_ROOT });
  const one = evalSet.queries.find((q) => q.gold.length === 1);
  assert.ok(one, 'the fixture has a MomentSeeker query with one positive clip');
  assert.deepEqual(predictionLine(evalSet, ['x'], one.gold, null).label, one.gold);
  const plain: Pick<EvalSet, 'task' | 'labelShape'> = { task: evalSet.task };
  assert.equal(predictionLine(plain, ['x'], ['a', 'b'], null).label, 'a');
});
