import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseBackendConfig, type BackendConfig } from '../src/backends/config.js';
import { loadSuite } from '../src/engine/suites.js';
import { runTasks, taskCost, type TaskCost } from '../src/engine/run.js';
import { price } from '../src/report/costs.js';
import { rerankRun } from '../src/engine/rerank-run.js';
import { applyRerank, rerankPredictions } from '../src/rerank/stage.js';
import { ChatReranker } from '../src/rerank/chat.js';
import { RerankCache } from '../src/rerank/cache.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { DataRoot } from '../src/items/data-root.js';
import { MediaLoader } from '../src/tte/media.js';
import { QWEN3_VL_RERANKER_SYSTEM, qwen3RerankerPlan, sampleFrames, yesNoScore } from '../src/rerank/qwen3-vl-reranker.js';
import { parseJudgement } from '../src/rerank/prompts.js';
import { readPredictionFile } from '../src/metrics/pred-file.js';
import { ConfigError } from '../src/errors.js';
import { BIN, FORMATS_EXPECTED, FORMATS_ROOT, runCli, tempDir } from './helpers.js';
import { chatReply, chatText, startScoreServer } from './score-server.js';

const mini = loadSuite('mini');
const FLOOR = { name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' }, reasoner: null };
const cfg = (extra: Record<string, unknown>): BackendConfig => parseBackendConfig({ ...FLOOR, ...extra });
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const hit1 = (dir: string, task: string): number => readJson(join(dir, `${task}_score.json`))['hit@1'];

/** Position of the first gold id in each query's prediction list. */
function goldRanks(file: string): number[] {
  return readPredictionFile(file).map((p) => {
    const gold = Array.isArray(p.label) ? p.label : [p.label];
    const r = p.prediction.findIndex((id) => gold.includes(id));
    return r < 0 ? Infinity : r;
  });
}

/** The CLI in a child process without blocking this one (whose test server must keep answering). */
function runCliAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (status) => resolve({ status, stderr }));
  });
}

let baseDir: string | null = null;
async function baseRun(): Promise<string> {
  if (baseDir) return baseDir;
  const dir = tempDir();
  await runTasks({
    runId: 'base',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend: cfg({}),
    outDir: join(dir, 'base'),
    cacheDir: null,
  });
  baseDir = join(dir, 'base');
  return baseDir;
}

test('backend config: reranker and think fields are validated and bounded', () => {
  assert.equal(cfg({ reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: 5 }).rerankDepth, 5);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ reranker: { type: 'builtin' } }, /rerankDepth/],
    [{ rerankDepth: 5 }, /without a reranker/],
    [{ reranker: { type: 'builtin' }, rerankDepth: 0 }, /rerankDepth/],
    [{ reranker: { type: 'builtin' }, rerankDepth: 1001 }, /rerankDepth/],
    [{ reranker: { type: 'builtin', colour: 'red' }, rerankDepth: 3 }, /reranker/],
    [{ reranker: { type: 'builtin', model: 'x' }, rerankDepth: 3 }, /reranker\.model/],
    [{ reranker: { type: 'openai', model: 'x' }, rerankDepth: 3 }, /baseURL/],
    [{ reranker: { type: 'openai', model: 'x', baseURL: 'http://h/v1', protocol: 'reasoning' }, rerankDepth: 3 }, /protocol/],
    [{ reranker: { type: 'chat', model: 'x', baseURL: 'http://h/v1', apiKey: 'sk' }, rerankDepth: 3 }, /reranker/],
    [{ think: 'gate' }, /teacher or distilled/],
    [{ pipeline: 'teacher', reasoner: { type: 'builtin' }, think: 'gate' }, /thinkGate/],
    [{ pipeline: 'teacher', reasoner: { type: 'builtin' }, think: 'always', thinkGate: { policy: 'family', families: {} } }, /only read/],
    [{ pipeline: 'teacher', reasoner: { type: 'builtin' }, think: 'gate', thinkGate: { policy: 'margin' } }, /margin/],
    [{ pipeline: 'teacher', reasoner: { type: 'builtin' }, think: 'gate', thinkGate: { policy: 'margin', margin: 3 } }, /margin/],
    [
      { pipeline: 'teacher', reasoner: { type: 'builtin' }, think: 'gate', thinkGate: { policy: 'family', families: { poetry: true } } },
      /families/,
    ],
  ];
  for (const [extra, re] of bad)
    assert.throws(
      () => cfg(extra),
      (e: unknown) => e instanceof ConfigError && re.test((e as Error).message),
      JSON.stringify(extra),
    );
});

test('applyRerank re-sorts the top K by score, ties in retrieval order, and keeps the rest in place', () => {
  const s: Record<string, number> = { a: 0.1, b: 0.9, c: 0.5, d: 0.5, e: 99 };
  assert.deepEqual(
    applyRerank(['a', 'b', 'c', 'd', 'e'], 4, (id) => s[id]),
    ['b', 'c', 'd', 'a', 'e'],
  );
  assert.deepEqual(
    applyRerank(['a', 'b'], 10, (id) => s[id]),
    ['b', 'a'],
  );
});

test('mini suite: an oracle reranker lifts Hit@1 to exactly the share of queries with gold within depth; a reversing one lowers it', async () => {
  const base = await baseRun();
  const dir = tempDir();
  const depth = 3;
  await runTasks({
    runId: 'oracle',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend: cfg({ reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: depth }),
    outDir: join(dir, 'oracle'),
    cacheDir: null,
  });
  await runTasks({
    runId: 'reverse',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend: cfg({ reranker: { type: 'builtin', mode: 'reverse' }, rerankDepth: depth }),
    outDir: join(dir, 'reverse'),
    cacheDir: null,
  });
  // Hand-computed from the floor's predictions (gold positions per query):
  //   NExTQA  gold at 0,3,3,1,0,4 → base Hit@1 2/6; gold within top 3 for 3 queries → oracle 3/6; reversed top 3 puts
  //           position 2 first, where no gold is → 0.
  //   MSR-VTT gold at 3,3,1,2,3,5 → base 0; oracle 2/6; reversed: the query with gold at 2 now hits → 1/6.
  //   OK-VQA  gold first for all 8 → base 1; reversed → 0.
  assert.deepEqual(goldRanks(join(base, 'NExTQA_pred.jsonl')), [0, 3, 3, 1, 0, 4]);
  assert.deepEqual(goldRanks(join(base, 'MSR-VTT_pred.jsonl')), [3, 3, 1, 2, 3, 5]);
  assert.equal(hit1(base, 'NExTQA'), 2 / 6);
  assert.equal(hit1(join(dir, 'oracle'), 'NExTQA'), 3 / 6);
  assert.equal(hit1(join(dir, 'oracle'), 'MSR-VTT'), 2 / 6);
  assert.equal(hit1(join(dir, 'reverse'), 'NExTQA'), 0);
  assert.equal(hit1(join(dir, 'reverse'), 'MSR-VTT'), 1 / 6);
  assert.equal(hit1(base, 'OK-VQA'), 1);
  assert.equal(hit1(join(dir, 'reverse'), 'OK-VQA'), 0);
  for (const t of mini.tasks) {
    if (t.metric !== 'hit@1') continue;
    const ranks = goldRanks(join(base, `${t.name}_pred.jsonl`));
    // oracle: exactly the queries with a gold id in the top K
    assert.equal(hit1(join(dir, 'oracle'), t.name), ranks.filter((r) => r < depth).length / ranks.length, t.name);
    assert.ok(hit1(join(dir, 'oracle'), t.name) >= hit1(base, t.name), t.name);
    // every list: the top K permuted, everything below K untouched
    const b = readPredictionFile(join(base, `${t.name}_pred.jsonl`));
    const o = readPredictionFile(join(dir, 'reverse', `${t.name}_pred.jsonl`));
    b.forEach((p, i) => {
      assert.deepEqual(o[i].prediction.slice(0, depth), p.prediction.slice(0, depth).reverse());
      assert.deepEqual(o[i].prediction.slice(depth), p.prediction.slice(depth));
    });
  }
  const sum = (d: string) => readJson(join(d, 'summary.json')).rollup.overall as number;
  assert.ok(sum(join(dir, 'reverse')) < sum(base) && sum(base) < sum(join(dir, 'oracle')));
  const summary = readJson(join(dir, 'oracle', 'summary.json'));
  assert.deepEqual([summary.backend.reranker, summary.backend.rerank_depth], [{ type: 'builtin', mode: 'oracle' }, 3]);
  const costs = readJson(join(dir, 'oracle', 'costs.json')).tasks.NExTQA.rerank;
  assert.deepEqual([costs.calls, costs.pairs, costs.depth], [6, 18, 3]);
  // the same rerank of the saved predictions, without re-embedding, gives identical predictions
  const again = join(dir, 'again');
  await rerankRun({
    runDir: base,
    backend: cfg({ reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: depth }),
    outDir: again,
    cacheDir: null,
  });
  for (const t of mini.tasks)
    assert.equal(
      readFileSync(join(again, `${t.name}_pred.jsonl`), 'utf8'),
      readFileSync(join(dir, 'oracle', `${t.name}_pred.jsonl`), 'utf8'),
    );
});

test('openai reranker against a vLLM-shaped /score server: one request per query, media as image_url parts, cached per pair', async () => {
  const base = await baseRun();
  const server = await startScoreServer();
  const dir = tempDir();
  try {
    const backend = cfg({
      reranker: { type: 'openai', baseURL: server.url, model: 'Qwen/Qwen3-VL-Reranker-2B', maxConcurrency: 2 },
      rerankDepth: 4,
    });
    const tasks = ['VisualNews_t2i', 'MSCOCO_i2t', 'NExTQA'];
    const r = await rerankRun({ runDir: base, backend, outDir: join(dir, 'out'), cacheDir: join(dir, 'cache'), tasks });
    assert.equal(r.summary.tasks.length, 3);
    const queries = r.summary.tasks.reduce((a, t) => a + t.num_queries, 0);
    assert.equal(server.requests.length, queries);
    const first = server.requests.find((q) => q.path === '/v1/score') as { body: Record<string, unknown> };
    assert.equal(first.body.model, 'Qwen/Qwen3-VL-Reranker-2B');
    assert.equal((first.body.documents as unknown[]).length, 4);
    // VisualNews_t2i: text queries, image candidates → documents are {content: [image_url]} data URLs
    const t2i = server.requests[0].body;
    assert.equal(typeof t2i.queries, 'string');
    const doc = (t2i.documents as { content: { type: string; image_url?: { url: string } }[] }[])[0];
    assert.equal(doc.content[0].type, 'image_url');
    assert.match(doc.content[0].image_url?.url ?? '', /^data:image\/(png|jpeg);base64,/);
    assert.ok(!JSON.stringify(server.requests).includes('<|image_pad|>'), 'placeholder tokens are not sent to a reranker');
    // scores = index in the request → the top 4 reversed
    for (const t of tasks) {
      const b = readPredictionFile(join(base, `${t}_pred.jsonl`));
      const o = readPredictionFile(join(dir, 'out', `${t}_pred.jsonl`));
      b.forEach((p, i) => assert.deepEqual(o[i].prediction, [...p.prediction.slice(0, 4).reverse(), ...p.prediction.slice(4)]));
    }
    const cost = readJson(join(dir, 'out', 'costs.json')).tasks.NExTQA.rerank;
    assert.deepEqual([cost.calls, cost.pairs, cost.cache_hits, cost.prompt_tokens], [6, 24, 0, 240]);
    assert.ok([...server.answered.values()].every((n) => n === 1));
    // a new output folder with the same cache: every pair from the cache, no request
    const before = server.requests.length;
    await rerankRun({ runDir: base, backend, outDir: join(dir, 'out2'), cacheDir: join(dir, 'cache'), tasks });
    assert.equal(server.requests.length, before);
    assert.equal(readJson(join(dir, 'out2', 'costs.json')).tasks.NExTQA.rerank.cache_hits, 24);
    // the /rerank endpoint (results sorted by relevance) gives the same order
    const viaRerank = cfg({ reranker: { type: 'openai', endpoint: 'rerank', baseURL: server.url, model: 'm' }, rerankDepth: 4 });
    await rerankRun({ runDir: base, backend: viaRerank, outDir: join(dir, 'out3'), cacheDir: null, tasks: ['NExTQA'] });
    assert.equal(readFileSync(join(dir, 'out3', 'NExTQA_pred.jsonl'), 'utf8'), readFileSync(join(dir, 'out', 'NExTQA_pred.jsonl'), 'utf8'));
    assert.equal(server.requests.at(-1)?.path, '/v1/rerank');
    // the qwen3-vl-reranker protocol: the query's task instruction as a chat-template variable (the configured
    // one is the default for queries without one), the document's raw parts
    const qwen = cfg({
      reranker: { type: 'openai', protocol: 'qwen3-vl-reranker', instruction: 'Find the answer.', baseURL: server.url, model: 'm' },
      rerankDepth: 2,
    });
    await rerankRun({ runDir: base, backend: qwen, outDir: join(dir, 'out4'), cacheDir: null, tasks: ['VisualNews_t2i'] });
    const q = server.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(q.chat_template_kwargs, { instruction: 'Retrieve an image of this news caption.' });
    // VisualNews_t2i's candidates are the image alone (Qwen's image_t2i_eval.py:31-40: no caption), without the
    // "<Document>:" prefix, which the server template writes
    const parts = (q.documents as { content: { type: string; text?: string }[] }[])[0].content;
    assert.deepEqual(
      parts.map((p) => p.type),
      ['image_url'],
    );
    assert.equal(typeof q.queries, 'string');
    assert.ok(!(q.queries as string).startsWith('<Query>'), 'the server template writes the prefixes');
  } finally {
    await server.close();
  }
});

test('Qwen3-VL-Reranker protocol: the prompt its evaluation builds, and P(yes) from log-probabilities', () => {
  const img = { kind: 'image' as const, path: 'a.png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1]) };
  const m = qwen3RerankerPlan({ id: 'q', text: 'a red bus', media: [] }, { id: 'd', text: 'caption', media: [img] });
  assert.equal(
    m.prompt,
    `<|im_start|>system\n${QWEN3_VL_RERANKER_SYSTEM}<|im_end|>\n<|im_start|>user\n<Instruct>: Given a search query, retrieve relevant candidates that answer the query.` +
      '<Query>:a red bus\n<Document>:<|vision_start|><|image_pad|><|vision_end|>caption<|im_end|>\n<|im_start|>assistant\n',
  );
  const empty = qwen3RerankerPlan({ id: 'q', text: '', media: [] }, { id: 'd', text: 'x', media: [] }, 'Custom.');
  assert.ok(empty.prompt.includes('<Instruct>: Custom.<Query>:NULL\n<Document>:x<|im_end|>'));
  // sigmoid(logprob(yes) − logprob(no)); by token id (vLLM return_tokens_as_token_ids) or the exact texts
  const both = yesNoScore([
    { token: 'token_id:9693', logprob: Math.log(0.6) },
    { token: 'token_id:2152', logprob: Math.log(0.2) },
  ]);
  assert.ok(both?.exact && Math.abs(both.score - 0.75) < 1e-12);
  assert.ok(
    Math.abs(
      (yesNoScore([
        { token: 'yes', logprob: Math.log(0.6) },
        { token: 'no', logprob: Math.log(0.2) },
      ])?.score ?? 0) - 0.75,
    ) < 1e-12,
  );
  // " yes" and "Yes" are other vocabulary entries, not the reference's 9693
  assert.equal(
    yesNoScore([
      { token: ' yes', logprob: -0.1 },
      { token: 'Yes', logprob: -0.2 },
    ]),
    null,
  );
  // one of the two outside the top list: its log-probability is at most the smallest listed one (a bound)
  const bound = yesNoScore([
    { token: 'token_id:2152', logprob: -0.1 },
    { token: 'token_id:13', logprob: -5 },
  ]);
  assert.ok(bound && !bound.exact && Math.abs(bound.score - 1 / (1 + Math.exp(-0.1 + 5))) < 1e-12);
  assert.equal(yesNoScore([{ token: 'maybe', logprob: -0.1 }]), null);
  assert.equal(parseJudgement('<think>Answer: no, wait</think>\nAnswer: yes', 'yes-no'), 1);
  assert.equal(parseJudgement('<think>…</think> Score: 7', 'score'), 0.7);
  assert.equal(parseJudgement('no judgement here', 'score'), null);
  // sample_frames: np.linspace(0, n - 1, 64, dtype=int) — the reference indices for 100 frames, printed by numpy
  assert.deepEqual(
    sampleFrames([...Array(100).keys()]),
    [
      0, 1, 3, 4, 6, 7, 9, 11, 12, 14, 15, 17, 18, 20, 22, 23, 25, 26, 28, 29, 31, 33, 34, 36, 37, 39, 40, 42, 44, 45, 47, 48, 50, 51, 53,
      55, 56, 58, 59, 61, 62, 64, 66, 67, 69, 70, 72, 73, 75, 77, 78, 80, 81, 83, 84, 86, 88, 89, 91, 92, 94, 95, 97, 99,
    ],
  );
  assert.deepEqual(sampleFrames([1, 2, 3]), [1, 2, 3]);
});

test('chat rerankers: a reasoning reranker keeps and caches its traces; the qwen3-vl-reranker protocol scores by logprobs', async () => {
  const base = await baseRun();
  // reasoning: "yes" when the candidate mentions "river", "no" otherwise; one reply without a judgement
  const server = await startScoreServer((body) => {
    const text = chatText(body);
    if (body.logprobs)
      return chatReply('yes', 50, 1, [
        { token: 'yes', logprob: /<Document>:\nriver$/.test(text) ? -0.1 : -3 },
        { token: 'no', logprob: -1 },
      ]);
    const cand = text.split('\nCandidate:\n')[1] ?? '';
    if (cand.startsWith('mall')) return chatReply('I am not sure.', 40, 4);
    return chatReply(`<think>The candidate is ${cand}.</think>\nAnswer: ${cand.includes('river') ? 'yes' : 'no'}`, 40, 12);
  });
  const dir = tempDir();
  try {
    const backend = cfg({ reranker: { type: 'chat', baseURL: server.url, model: 'judge', maxConcurrency: 3 }, rerankDepth: 5 });
    await rerankRun({ runDir: base, backend, outDir: join(dir, 'a'), cacheDir: join(dir, 'cache'), tasks: ['NExTQA'] });
    const preds = readPredictionFile(join(dir, 'a', 'NExTQA_pred.jsonl'));
    // query 2's gold "river" was 4th; the judge says yes only to it
    assert.equal(preds[1].prediction[0], 'river');
    const rows = readFileSync(join(dir, 'a', 'NExTQA_rerank.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 6);
    assert.match(rows[1].traces[rows[1].retrieved.indexOf('river')], /Answer: yes/);
    const cost = readJson(join(dir, 'a', 'costs.json')).tasks.NExTQA.rerank;
    assert.deepEqual([cost.pairs, cost.prompt_tokens, cost.completion_tokens, cost.unparsed], [30, 40 * 30, 12 * 29 + 4, 1]);
    const n = server.requests.length;
    await rerankRun({ runDir: base, backend, outDir: join(dir, 'b'), cacheDir: join(dir, 'cache'), tasks: ['NExTQA'] });
    assert.equal(server.requests.length, n, 'cached traces and scores are reused');
    assert.equal(readFileSync(join(dir, 'b', 'NExTQA_rerank.jsonl'), 'utf8'), readFileSync(join(dir, 'a', 'NExTQA_rerank.jsonl'), 'utf8'));
    // qwen3-vl-reranker over chat completions: system prompt, one token, logprobs
    const qwen = cfg({
      reranker: { type: 'chat', protocol: 'qwen3-vl-reranker', baseURL: server.url, model: 'Qwen/Qwen3-VL-Reranker-2B' },
      rerankDepth: 5,
    });
    await rerankRun({ runDir: base, backend: qwen, outDir: join(dir, 'c'), cacheDir: null, tasks: ['NExTQA'] });
    const last = server.requests.at(-1)?.body as {
      messages: { role: string; content: { text?: string }[] }[];
      max_tokens: number;
      logprobs: boolean;
    };
    assert.equal(last.messages[0].content[0].text, QWEN3_VL_RERANKER_SYSTEM);
    assert.deepEqual([last.max_tokens, last.logprobs], [1, true]);
    assert.equal(readPredictionFile(join(dir, 'c', 'NExTQA_pred.jsonl'))[1].prediction[0], 'river');
  } finally {
    await server.close();
  }
});

test('tte-bench rerank on VLM2Vec pred files: EvalSets rebuilt from --data-root, labels checked, a normal run folder out', async () => {
  const dir = tempDir();
  const src = join(dir, 'vlm2vec');
  mkdirSync(src);
  // VLM2Vec-style predictions for two format-fixture tasks: each query's gold moved to position (query index % 3)
  const expectedRanks: Record<string, number[]> = {};
  for (const task of ['N24News', 'CIRR']) {
    const lines = readFileSync(join(FORMATS_EXPECTED, `${task}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const queries = lines.filter((l) => l.role === 'query');
    const pool = lines.filter((l) => l.role !== 'query').map((l) => l.id as string);
    expectedRanks[task] = [];
    const out = queries.map((q, i) => {
      const list = (q.candidates ?? pool).filter((id: string) => id !== q.gold[0]);
      const at = i % 3;
      list.splice(at, 0, q.gold[0]);
      expectedRanks[task].push(at);
      // CIRR as Qwen3-VL-Embedding writes labels (always a list), N24News as VLM2Vec (a string)
      return JSON.stringify({ prediction: list, label: task === 'CIRR' ? [q.gold[0]] : q.gold[0], rel_scores: null }) + '\n';
    });
    writeFileSync(join(src, `${task}_pred.jsonl`), out.join(''));
  }
  const oracle = join(dir, 'oracle.json');
  writeFileSync(oracle, JSON.stringify({ ...FLOOR, name: 'oracle2', reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: 50 }));
  const r = runCli([
    'rerank',
    src,
    '--backend',
    oracle,
    '--depth',
    '2',
    '--data-root',
    FORMATS_ROOT,
    '--mmeb-version',
    'v2.0.0',
    '--out',
    join(dir, 'out'),
    '--report-dir',
    join(dir, 'rep'),
    '--no-cache',
  ]);
  assert.equal(r.status, 0, r.stderr);
  for (const task of ['N24News', 'CIRR']) {
    const ranks = expectedRanks[task];
    assert.equal(hit1(join(dir, 'out'), task), ranks.filter((x) => x < 2).length / ranks.length, task);
  }
  // N24News has 4 queries (gold at 0,1,2,0 → 3 within depth 2), CIRR 4 (same)
  assert.equal(hit1(join(dir, 'out'), 'N24News'), 0.75);
  const summary = readJson(join(dir, 'out', 'summary.json'));
  assert.deepEqual(
    [summary.backend.name, summary.backend.embedder.type, summary.mmeb_version, summary.backend.rerank_depth],
    ['oracle2', 'external', 'v2.0.0', 2],
  );
  assert.ok(existsSync(join(dir, 'rep', 'report.html')));
  assert.equal(runCli(['score', '--pred', join(dir, 'out', 'N24News_pred.jsonl')]).status, 0);
  // the gate and compare take the folder
  const gate = runCli(['compare', '--baseline', join(dir, 'out'), '--candidate', join(dir, 'out'), '--max-drop', '0']);
  assert.equal(gate.status, 0, gate.stderr);
  // a pred file from other data is refused with the file, line and field
  const lines = readFileSync(join(src, 'CIRR_pred.jsonl'), 'utf8').split('\n');
  lines[1] = JSON.stringify({ prediction: ['x'], label: 'not-a-gold-id', rel_scores: null });
  writeFileSync(join(src, 'CIRR_pred.jsonl'), lines.join('\n'));
  const bad = runCli([
    'rerank',
    src,
    '--backend',
    oracle,
    '--data-root',
    FORMATS_ROOT,
    '--mmeb-version',
    'v2.0.0',
    '--out',
    join(dir, 'bad'),
    '--no-cache',
  ]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /CIRR_pred\.jsonl, line 2, field 'label'/);
  const noRoot = runCli(['rerank', src, '--backend', oracle, '--out', join(dir, 'bad2')]);
  assert.equal(noRoot.status, 2);
  assert.match(noRoot.stderr, /--data-root/);
});

for (const kind of ['openai', 'chat'] as const)
  test(`a killed rerank run (${kind} reranker) resumes without asking for any pair twice`, async () => {
    const base = await baseRun();
    const server = await startScoreServer((body) => chatReply(`<think>…</think> Score: ${chatText(body).length % 11}`, 20, 5));
    const dir = tempDir();
    try {
      const backendFile = join(dir, 'b.json');
      const reranker =
        kind === 'openai'
          ? { type: 'openai', baseURL: server.url, model: 'm', maxConcurrency: 1 }
          : { type: 'chat', answer: 'score', baseURL: server.url, model: 'm', maxConcurrency: 2 };
      writeFileSync(backendFile, JSON.stringify({ ...FLOOR, name: 'served-rerank', reranker, rerankDepth: 3 }));
      const args = [
        'rerank',
        base,
        '--backend',
        backendFile,
        '--out',
        join(dir, 'out'),
        '--report-dir',
        join(dir, 'rep'),
        '--cache-dir',
        join(dir, 'cache'),
      ];
      // the server answers the first 40 pairs, then holds every request: the run is killed with only that one in flight
      server.holdAfter(40);
      const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      const cached = () => {
        const d = join(dir, 'cache', 'rerank');
        return existsSync(d)
          ? readdirSync(d).reduce((a, sub) => a + readdirSync(join(d, sub)).filter((f) => f.endsWith('.json')).length, 0)
          : 0;
      };
      const answered = () => [...server.answered.values()].reduce((a, b) => a + b, 0);
      // kill only once the server holds a request (no answer can arrive after that) and every answer is cached;
      // checking the counts alone left a window for an answer to land between the check and the kill
      const settled = () => server.holding() > 0 && answered() > 30 && cached() === answered();
      for (let i = 0; i < 3000 && !settled(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(settled(), `${answered()} answered, ${cached()} cached, ${server.holding()} held`);
      child.kill('SIGKILL');
      await exited;
      server.release();
      const atKill = answered();
      const resumed = await runCliAsync(args);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.ok(answered() > atKill);
      assert.ok(
        [...server.answered.values()].every((n) => n === 1),
        'every (query, document) pair answered exactly once',
      );
      // identical to an uninterrupted rerank
      const ref = await runCliAsync([
        'rerank',
        base,
        '--backend',
        backendFile,
        '--out',
        join(dir, 'ref'),
        '--report-dir',
        join(dir, 'rep2'),
        '--cache-dir',
        join(dir, 'cache2'),
      ]);
      assert.equal(ref.status, 0, ref.stderr);
      for (const f of readdirSync(join(dir, 'ref')).filter(
        (f) => f.endsWith('.jsonl') || f.endsWith('_score.json') || f === 'summary.json',
      )) {
        assert.equal(readFileSync(join(dir, 'out', f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
      }
    } finally {
      await server.close();
    }
  });

test('prices: the rerank stage and the think gate are priced', () => {
  const cost: TaskCost = {
    ...taskCost(null, 0),
    reasoner_completion_tokens: 1000,
    rerank: {
      reranker: 'r',
      depth: 5,
      calls: 2,
      pairs: 10,
      cache_hits: 0,
      prompt_tokens: 2000,
      completion_tokens: 500,
      work_prompt_tokens: 2000,
      work_completion_tokens: 500,
      unparsed: 0,
      busy_seconds: 0,
    },
    think: {
      policy: 'reasoner',
      items: 4,
      reasoned_items: 2,
      share_reasoned: 0.5,
      reasoning_tokens: 1000,
      gate_calls: 4,
      gate_prompt_tokens: 400,
      gate_completion_tokens: 4,
      gate_embed_calls: 0,
      est_tokens_saved: 1000,
    },
  };
  const p = {
    reasoner: { promptPer1k: 1, completionPer1k: 10, perCall: 0.5 },
    reranker: { promptPer1k: 2, completionPer1k: 20, perPair: 0.25 },
  };
  // reasoner 1000 × 10/1k = 10; gate 0.4 + 0.04 + 2; rerank 4 + 10 + 2.5
  assert.ok(Math.abs(price(cost, p) - (10 + 0.4 + 0.04 + 2 + 4 + 10 + 2.5)) < 1e-9);
});

test('a reranked run sharded and merged equals the unsharded run', () => {
  const dir = tempDir();
  const backend = join(dir, 'b.json');
  writeFileSync(
    backend,
    JSON.stringify({ ...FLOOR, name: 'oracle-shards', reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: 2 }),
  );
  // an uncached run of the mini suite with this backend file
  const runMini = (out: string, report: string, ...extra: string[]) =>
    runCli([
      'run',
      '--suite',
      'mini',
      '--backend',
      backend,
      ...extra,
      '--out',
      join(dir, out),
      '--report-dir',
      join(dir, report),
      '--no-cache',
    ]);
  const full = runMini('full', 'r');
  assert.equal(full.status, 0, full.stderr);
  for (const i of [0, 1]) {
    const r = runMini(`s${i}`, `r${i}`, '--shard', `${i}/2`);
    assert.equal(r.status, 0, r.stderr);
  }
  const m = runCli(['merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'merged')]);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(readFileSync(join(dir, 'merged', 'summary.json'), 'utf8'), readFileSync(join(dir, 'full', 'summary.json'), 'utf8'));
  for (const t of mini.tasks) {
    for (const suffix of ['_pred.jsonl', '_rerank.jsonl']) {
      assert.equal(
        readFileSync(join(dir, 'merged', `${t.name}${suffix}`), 'utf8'),
        readFileSync(join(dir, 'full', `${t.name}${suffix}`), 'utf8'),
        t.name + suffix,
      );
    }
  }
  assert.deepEqual(
    readJson(join(dir, 'merged', 'costs.json')).tasks.NExTQA.rerank.pairs,
    readJson(join(dir, 'full', 'costs.json')).tasks.NExTQA.rerank.pairs,
  );
  // a resumed run reuses every task (the reranker is part of each task's fingerprint) ...
  const again = runMini('full', 'r');
  assert.equal((again.stderr.match(/\(reused\)/g) ?? []).length, mini.tasks.length);
  // ... and another depth recomputes them
  writeFileSync(
    backend,
    JSON.stringify({ ...FLOOR, name: 'oracle-shards', reranker: { type: 'builtin', mode: 'oracle' }, rerankDepth: 3 }),
  );
  const deeper = runMini('full', 'r');
  assert.equal((deeper.stderr.match(/\(reused\)/g) ?? []).length, 0);
});

test('identical pairs of different queries are asked once per run', async () => {
  const server = await startScoreServer((body) => chatReply(`Answer: ${chatText(body).includes('Candidate:\nb') ? 'yes' : 'no'}`, 10, 2));
  const dir = tempDir();
  try {
    const task = mini.tasks.find((t) => t.name === 'NExTQA');
    assert.ok(task);
    const { evalSet } = await loadEvalSet(task, { dataRoot: mini.dataRoot as string, version: 'v2.1' });
    // four text-only queries, two pairs of identical ones, over the same three candidates
    const cands = ['a', 'b', 'c'].map((id) => ({ id, text: id, media: [] }));
    const set = {
      ...evalSet,
      candidates: cands,
      queries: ['same', 'same', 'other', 'other'].map((text, i) => ({
        id: `q${i}`,
        text,
        media: [],
        candidateIds: ['a', 'b', 'c'],
        gold: ['b'],
        relScores: null,
      })),
    };
    const preds = set.queries.map(() => ({ prediction: ['a', 'b', 'c'], label: 'b', rel_scores: null }));
    const reranker = new ChatReranker({ baseURL: server.url, model: 'judge', maxConcurrency: 4 });
    const r = await rerankPredictions(set, preds, reranker, {
      depth: 3,
      version: 'v2.1',
      media: new MediaLoader(new DataRoot(mini.dataRoot as string), set),
      cache: new RerankCache(dir),
      identity: { model: 'judge' },
    });
    assert.equal(server.requests.length, 6);
    assert.deepEqual([r.stats.pairs, r.stats.cacheHits, r.stats.calls], [6, 6, 6]);
    assert.ok(r.preds.every((p) => p.prediction[0] === 'b'));
  } finally {
    await server.close();
  }
});
