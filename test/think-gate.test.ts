import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { DataRoot } from '../src/items/data-root.js';
import { MediaLoader } from '../src/tte/media.js';
import { loadSuite } from '../src/engine/suites.js';
import { runTasks, type TaskCost } from '../src/engine/run.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { tempDir } from './helpers.js';
import { chatReply, chatText, startScoreServer } from './score-server.js';

const mini = loadSuite('mini');
const TEACHER = { name: 'teacher-floor', pipeline: 'teacher', embedder: { type: 'builtin' }, reasoner: { type: 'builtin' } };
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

async function run(extra: Record<string, unknown>, dir: string, cacheDir: string | null = null, base: Record<string, unknown> = TEACHER) {
  const backend = parseBackendConfig({ ...base, ...extra });
  await runTasks({ runId: 'g', tasks: mini.tasks, dataRoot: mini.dataRoot as string, version: 'v2.1', backend, outDir: dir, cacheDir });
  return readJson(join(dir, 'costs.json')).tasks as Record<string, TaskCost>;
}
const pred = (dir: string, t: string) => readFileSync(join(dir, `${t}_pred.jsonl`), 'utf8');
const queriesOf = (dir: string) =>
  Object.fromEntries(
    (readJson(join(dir, 'summary.json')).tasks as { name: string; num_queries: number }[]).map((t) => [t.name, t.num_queries]),
  );

test('think always / never / family gate: exact shares and reasoning costs; never reproduces the no-think floor', async () => {
  const dir = tempDir();
  const floor = await run({}, join(dir, 'floor'), null, {
    name: 'floor',
    pipeline: 'no-think',
    embedder: { type: 'builtin' },
    reasoner: null,
  });
  assert.equal(floor.NExTQA.think, undefined);
  const always = await run({ think: 'always' }, join(dir, 'always'));
  const never = await run({ think: 'never' }, join(dir, 'never'));
  const family = await run(
    {
      think: 'gate',
      thinkGate: {
        policy: 'family',
        families: { classification: false, vqa: true, retrieval: false, grounding: false, video: false, visdoc: false },
      },
    },
    join(dir, 'family'),
  );
  const n = queriesOf(join(dir, 'always'));
  for (const t of mini.tasks) {
    const a = always[t.name].think as NonNullable<TaskCost['think']>;
    assert.deepEqual(
      [a.policy, a.items, a.reasoned_items, a.share_reasoned, a.est_tokens_saved],
      ['always', n[t.name], n[t.name], 1, 0],
      t.name,
    );
    assert.equal(a.reasoning_tokens, always[t.name].reasoner_completion_tokens, t.name);
    const v = never[t.name];
    assert.deepEqual(
      [v.think?.reasoned_items, v.think?.share_reasoned, v.reason_calls, v.reasoner_completion_tokens],
      [0, 0, 0, 0],
      t.name,
    );
    // never = the embedder sees the plain queries, exactly as the no-think pipeline
    assert.equal(pred(join(dir, 'never'), t.name), pred(join(dir, 'floor'), t.name), t.name);
    // est_tokens_saved: skipped items × the mean tokens of the items reasoned on (none reasoned → 0)
    assert.equal(v.think?.est_tokens_saved, 0);
    const f = family[t.name];
    const vqa = t.meta === 'I-QA';
    assert.equal(f.think?.reasoned_items, vqa ? n[t.name] : 0, t.name);
    assert.equal(f.reasoner_completion_tokens, vqa ? always[t.name].reasoner_completion_tokens : 0, t.name);
    assert.equal(pred(join(dir, 'family'), t.name), pred(join(dir, vqa ? 'always' : 'floor'), t.name), t.name);
  }
});

test('reasoner gate: one cached yes/no call per distinct query, exact counts; margin gate reasons where the no-think margin is small', async () => {
  // the gate model says "yes" to inputs with a question mark
  const server = await startScoreServer((body) => chatReply(/\?/.test(chatText(body).split('\nInput:\n')[1] ?? '') ? 'Yes' : 'no', 30, 1));
  const dir = tempDir();
  try {
    const gate = {
      think: 'gate',
      thinkGate: { policy: 'reasoner', model: { type: 'openai', baseURL: server.url, model: 'gate-model', maxConcurrency: 2 } },
    };
    const costs = await run(gate, join(dir, 'r1'), join(dir, 'cache'));
    const root = new DataRoot(mini.dataRoot as string);
    let calls = 0;
    for (const t of mini.tasks) {
      const { evalSet } = await loadEvalSet(t, { dataRoot: root.dir, version: 'v2.1' });
      const media = new MediaLoader(root, evalSet);
      // distinct items = distinct (text, media bytes); the gate asks each once
      const keys = await Promise.all(
        evalSet.queries.map(async (q) =>
          JSON.stringify([
            q.text,
            (await media.load(q.media)).map((m) =>
              Buffer.from(m.kind === 'image' ? m.data : m.data.flatMap((d) => [...d])).toString('base64'),
            ),
          ]),
        ),
      );
      const questions = evalSet.queries.filter((q) => q.text.replace(/<\|(?:image|video)_pad\|> ?/g, '').includes('?')).length;
      const c = costs[t.name].think as NonNullable<TaskCost['think']>;
      assert.deepEqual(
        [c.policy, c.items, c.reasoned_items, c.gate_calls],
        ['reasoner', evalSet.queries.length, questions, new Set(keys).size],
        t.name,
      );
      assert.deepEqual([c.gate_prompt_tokens, c.gate_completion_tokens], [30 * c.gate_calls, c.gate_calls], t.name);
      calls += c.gate_calls;
    }
    assert.equal(server.requests.length, calls);
    assert.equal(server.requests[0].body.max_tokens, 4);
    assert.match(chatText(server.requests[0].body), /Answer with one word: yes/);
    assert.ok(
      Object.values(costs).some((c) => (c.think?.reasoned_items ?? 0) > 0) &&
        Object.values(costs).some((c) => (c.think?.reasoned_items ?? 0) < (c.think?.items ?? 0)),
    );
    // a second run with the same cache asks the gate nothing
    const again = await run(gate, join(dir, 'r2'), join(dir, 'cache'));
    assert.equal(server.requests.length, calls);
    assert.ok(Object.values(again).every((c) => c.think?.gate_calls === 0));
    for (const t of mini.tasks) assert.equal(pred(join(dir, 'r2'), t.name), pred(join(dir, 'r1'), t.name));
  } finally {
    await server.close();
  }
  // margin: computed here by hand from the floor's own vectors for NExTQA (a local task)
  const task = mini.tasks.find((t) => t.name === 'NExTQA');
  assert.ok(task);
  const root = new DataRoot(mini.dataRoot as string);
  const { evalSet } = await loadEvalSet(task, { dataRoot: root.dir, version: 'v2.1' });
  const floor = await createBackend(parseBackendConfig({ name: 'f', pipeline: 'no-think', embedder: { type: 'builtin' } }));
  const e = await embedEvalSet(evalSet, floor, new MediaLoader(root, evalSet), { version: 'v2.1' });
  const index = new Map(evalSet.candidates.map((c, i) => [c.id, i]));
  const margins = evalSet.queries.map((q, qi) => {
    const sims = [...new Set(q.candidateIds ?? [])]
      .map((id) => e.candidateVectors[index.get(id) as number].reduce((a, x, k) => a + x * e.queryVectors[qi][k], 0))
      .sort((a, b) => b - a);
    return sims[0] - sims[1];
  });
  const threshold = [...margins].sort((a, b) => a - b)[2] + 1e-9; // exactly three queries below it
  const m = await run({ think: 'gate', thinkGate: { policy: 'margin', margin: threshold } }, join(dir, 'm'), join(dir, 'mcache'));
  const c = m.NExTQA.think as NonNullable<TaskCost['think']>;
  assert.deepEqual([c.policy, c.items, c.reasoned_items], ['margin', 6, margins.filter((x) => x < threshold).length]);
  assert.equal(c.reasoned_items, 3);
  assert.ok(c.gate_embed_calls > 0);
  const none = await run({ think: 'gate', thinkGate: { policy: 'margin', margin: 0 } }, join(dir, 'm0'), join(dir, 'mcache'));
  assert.ok(Object.values(none).every((x) => x.think?.reasoned_items === 0 && x.reason_calls === 0));
});
