/**
 * Running MMEB-V3: the reasoning and rerank prompt families of the V3 kinds (a total mapping over the catalog),
 * runs over some groups with the rest named (summary coverage), a text-only embedding server over the text, tool
 * and memory tasks of the V3 format fixtures (test/fixtures/mmeb-v3-formats/root), and the builtin think pipelines
 * on a V3 text task and a tool task, offline.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BUILTIN_BACKEND, parseBackendConfig, THINK_GATE_FAMILIES } from '../src/backends/config.js';
import { catalogFor, getTask, scoredTasks } from '../src/catalog/load.js';
import type { TaskSpec } from '../src/catalog/types.js';
import { parseModalities, resolveRun } from '../src/engine/run-request.js';
import { runTasks } from '../src/engine/run.js';
import { DataError } from '../src/errors.js';
import type { EvalSet } from '../src/items/types.js';
import { formatCoverage, v3Coverage } from '../src/report/coverage.js';
import { RERANK_PROMPT_VERSION, rerankPrompt } from '../src/rerank/prompts.js';
import { checkBackendInputs } from '../src/tte/inputs.js';
import { PROMPT_FAMILIES, PROMPT_VERSION, PROMPTS, promptFamily, reasoningPrompt } from '../src/tte/prompts.js';
import { BIN, FIXTURES, tempDir } from './helpers.js';

const V3_ROOT = join(FIXTURES, 'mmeb-v3-formats', 'root');
const run = promisify(execFile);

// ---------------------------------------------------------------- prompt families

test('every MMEB-V3 task maps to a reasoning family; a V2 task keeps its V2 family; T-RET goes by collection', () => {
  const v3 = catalogFor('v3').tasks;
  assert.equal(v3.length >= 190, true);
  for (const t of v3) assert.ok(PROMPT_FAMILIES.includes(promptFamily(t)), t.name);
  // the 78 V2 tasks (and the unscored ViDoRe-V2 variants) under v3 map exactly as under v2
  const v2 = new Map(catalogFor('v2.1').tasks.map((t) => [t.name, t]));
  let shared = 0;
  for (const t of v3.filter((x) => v2.has(x.name))) {
    assert.equal(promptFamily(t), promptFamily(v2.get(t.name) as TaskSpec), t.name);
    shared++;
  }
  assert.equal(shared >= 78, true);
  const byName = (name: string) => promptFamily(getTask(name, catalogFor('v3')));
  const table: [string, string][] = [
    ['aops', 'reasoning-text'],
    ['leetcode', 'reasoning-text'],
    ['Biology', 'reasoning-text'], // R2MED
    ['biology', 'reasoning-text'], // BRIGHT
    ['core17-instructions', 'instruction-text'],
    ['Format-v1', 'instruction-text'],
    ['Legal Document', 'instruction-text'],
    ['passkey', 'long-document'],
    ['2wikimqa', 'long-document'],
    ['NanoArguAna', 'passage'],
    ['apibank', 'tool'],
    ['gorilla-pytorch', 'tool'],
    ['GAE-Mind2Web_t2s', 'gui'],
    ['REALTALK', 'memory'],
    ['MCMR', 'product'],
    ['NSynth', 'audio'],
    ['TUTSound(hard)', 'audio'],
    ['OmniSET_t2i', 'retrieval'],
    ['ImageNet-1K', 'classification'],
    ['MSCOCO_t2i', 'retrieval'],
    ['ViDoRe_arxivqa', 'visdoc'],
  ];
  for (const [name, family] of table) assert.equal(byName(name), family, name);
  // every new family is reached by some V3 task
  const reached = new Set(v3.map((t) => promptFamily(t)));
  for (const f of PROMPT_FAMILIES.filter((x) => x !== 'target')) assert.ok(reached.has(f), f);
});

test('a V3 text task of an unknown collection is refused, never given another family', () => {
  const leet = getTask('leetcode', catalogFor('v3'));
  const stray = { ...leet, name: 'x', v3: { ...leet.v3, key: 'text/NewBench/x' } } as TaskSpec;
  assert.throws(() => promptFamily(stray), /text collection "NewBench" \(key "text\/NewBench\/x"\) has no reasoning prompt family/);
  assert.throws(() => promptFamily({ ...leet, name: 'y', v3: undefined } as TaskSpec), /task y: text collection null/);
});

test('prompt versions are bumped; every family has its own reasoning and rerank prompt; the gate schema knows them all', () => {
  assert.equal(PROMPT_VERSION, 'ecr-prompts@2');
  assert.equal(RERANK_PROMPT_VERSION, 'rerank-prompts@2');
  assert.deepEqual([...THINK_GATE_FAMILIES], [...PROMPT_FAMILIES]);
  assert.equal(new Set(Object.values(PROMPTS)).size, PROMPT_FAMILIES.length);
  const rerank = PROMPT_FAMILIES.map((f) => rerankPrompt(f, 'yes-no', 'q', 'c'));
  assert.equal(new Set(rerank).size, PROMPT_FAMILIES.length);
  assert.match(
    reasoningPrompt('tool', 'Book a flight'),
    /^The request will be matched to a tool .*capability.*\n\nInput:\nBook a flight$/s,
  );
  assert.match(rerankPrompt('reasoning-text', 'score', 'q', 'd'), /principle, theorem, algorithm/);
  // a family gate may switch the new families
  const cfg = parseBackendConfig({
    name: 'g',
    pipeline: 'teacher',
    embedder: { type: 'builtin' },
    reasoner: { type: 'builtin' },
    think: 'gate',
    thinkGate: { policy: 'family', families: { tool: false, 'reasoning-text': true } },
  });
  assert.deepEqual(cfg.thinkGate?.families, { tool: false, 'reasoning-text': true });
});

// ---------------------------------------------------------------- groups, coverage, capability

test('--modality takes a list of groups; V3 groups need v3', () => {
  assert.deepEqual(parseModalities('text, tool,memory,text'), ['text', 'tool', 'memory']);
  assert.throws(
    () => parseModalities('text,speech'),
    /--modality: unknown speech \(choose from image, video, visdoc, audio, text, tool, gui, memory\)/,
  );
  const r = resolveRun({
    backend: BUILTIN_BACKEND,
    modality: ['text', 'tool', 'memory'],
    version: 'v3',
    dataRoot: V3_ROOT,
    claimTtlSeconds: 60,
  });
  const v3 = scoredTasks(catalogFor('v3'));
  assert.equal(r.tasks.length, v3.filter((t) => ['text', 'tool', 'memory'].includes(t.modality)).length);
  assert.equal(r.tasks.length, 53 + 35 + 4);
  assert.throws(
    () => resolveRun({ backend: BUILTIN_BACKEND, modality: ['text'], dataRoot: V3_ROOT, claimTtlSeconds: 60 }),
    /--modality text: not a group of v2.1 .*need --mmeb-version v3/,
  );
  const named = resolveRun({
    backend: BUILTIN_BACKEND,
    taskNames: ['leetcode', 'MCMR', 'REALTALK'],
    modality: ['text', 'memory'],
    version: 'v3',
    dataRoot: V3_ROOT,
    claimTtlSeconds: 60,
  });
  assert.deepEqual(
    named.tasks.map((t) => t.name),
    ['leetcode', 'REALTALK'],
  );
});

test('V3 coverage: group means over the tasks run, the rest named, no overall until all 190 ran (hand-computed)', () => {
  const c = v3Coverage(
    new Map([
      ['leetcode', 0.5],
      ['aops', 0.25],
      ['apibank', 1],
      ['REALTALK', 0.2],
      ['KnowMeBench', 0.4],
      ['PeerQA', 0.6],
      ['DeepPlanning', 0.8],
    ]),
  );
  assert.equal(c.benchmark_tasks, 190);
  assert.equal(c.tasks_scored, 7);
  assert.equal(c.overall, null);
  assert.deepEqual(c.groups.text, { tasks: 2, of: 53, score: 37.5, complete: false });
  assert.deepEqual(c.groups.tool, { tasks: 1, of: 35, score: 100, complete: false });
  assert.deepEqual(c.groups.memory, { tasks: 4, of: 4, score: 50, complete: true });
  assert.deepEqual(c.groups.gui, { tasks: 0, of: 8, score: null, complete: false });
  assert.deepEqual(c.not_run.groups, ['image', 'video', 'visdoc', 'audio', 'gui']);
  assert.equal(c.not_run.tasks.length, 51 + 34);
  assert.ok(c.not_run.tasks.includes('biology') && c.not_run.tasks.includes('toolace') && !c.not_run.tasks.includes('REALTALK'));
  const text = formatCoverage(c);
  assert.match(text, /^MMEB-V3: 7 of 190 scored tasks run; overall – \(not every task ran\)\n/);
  assert.match(text, /\n {2}text {4}37\.50 \(2 of 53 tasks, PARTIAL\)\n/);
  assert.match(text, /\n {2}memory {2}50\.00 \(4 of 4 tasks\)\n/);
  assert.match(text, /\nnot run: groups image, video, visdoc, audio, gui\n/);
});

test('a text-only model is refused a task whose items carry media, naming the item; no modalities = takes all', () => {
  const task = getTask('GAE-Mind2Web_t2s', catalogFor('v3'));
  const evalSet = {
    task,
    queries: [
      { id: 'q0', text: 'find', media: [], candidateIds: null, gold: ['c1'], relScores: null, source: { file: 'q.parquet', row: 0 } },
    ],
    candidates: [
      { id: 'c0', text: 'page', media: [] },
      { id: 'c1', text: 'shot', media: [{ kind: 'image', path: 'gui-tasks/s/1.png' }] },
    ],
  } as unknown as EvalSet;
  const textOnly = parseBackendConfig({
    name: 'text-srv',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm', modalities: ['text'] },
  });
  assert.throws(
    () => checkBackendInputs(evalSet, textOnly),
    (e: unknown) =>
      e instanceof DataError &&
      e.message ===
        'task GAE-Mind2Web_t2s, field \'media\': backend text-srv: its embedder takes text only (embedder.modalities), but candidate "c1" carries image (gui-tasks/s/1.png); this task needs a model that takes text, image',
  );
  checkBackendInputs(evalSet, { ...textOnly, embedder: { ...textOnly.embedder, modalities: ['text', 'image'] } });
  checkBackendInputs(evalSet, BUILTIN_BACKEND);
  assert.throws(
    () => parseBackendConfig({ name: 'x', pipeline: 'no-think', embedder: { type: 'builtin', modalities: ['image'] } }),
    /embedder\/modalities/,
  );
  assert.throws(
    () => parseBackendConfig({ name: 'x', pipeline: 'no-think', embedder: { type: 'builtin', modalities: ['speech'] } }),
    /must be one of/,
  );
});

/** A text-only OpenAI embeddings server: `input` strings only (a `messages` request is a 400), bag-of-words vectors. */
async function textOnlyServer(): Promise<{ url: string; texts: string[]; rejected: number; close: () => Promise<void> }> {
  const state = { texts: [] as string[], rejected: 0 };
  const vector = (text: string): number[] => {
    const v = new Array(64).fill(0);
    for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let h = 0;
      for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) % 64;
      v[h] += 1;
    }
    v[63] += 0.01; // never all zero
    return v;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const doc = JSON.parse(body || '{}') as { input?: unknown; messages?: unknown };
      const input = typeof doc.input === 'string' ? [doc.input] : doc.input;
      if (req.url !== '/v1/embeddings' || !Array.isArray(input) || !input.every((x) => typeof x === 'string')) {
        state.rejected++;
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'text input only' } }));
        return;
      }
      state.texts.push(...(input as string[]));
      const data = (input as string[]).map((t, index) => ({ object: 'embedding', index, embedding: vector(t) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: 'bow' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get texts() {
      return state.texts;
    },
    get rejected() {
      return state.rejected;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  } as never;
}

const FIXTURE_TASKS = [
  'leetcode',
  'news21-instructions',
  'passkey',
  'Legal Document',
  'NanoArguAna',
  'IIYi-Clinical',
  'gorilla-pytorch',
  'toolalpaca',
  'REALTALK',
  'DeepPlanning',
  'GAE-Mind2Web_t2s',
  'MCMR',
];

test('a text-only OpenAI server runs the text, tool and memory tasks; a GUI task with screenshots is refused before any request', async () => {
  const srv = await textOnlyServer();
  const dir = tempDir();
  try {
    const cfg = join(dir, 'text-server.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'text-server',
        pipeline: 'no-think',
        embedder: { type: 'openai', baseURL: srv.url, model: 'bow', protocol: 'plain', requestFormat: 'input', modalities: ['text'] },
        reasoner: null,
      }),
    );
    const out = join(dir, 'out');
    const args = [BIN, 'run', '--mmeb-version', 'v3', '--modality', 'text,tool,memory,gui', '--tasks', FIXTURE_TASKS.join(',')];
    args.push('--data-root', V3_ROOT, '--backend', cfg, '--out', out, '--report-dir', join(dir, 'rep'), '--no-cache', '--keep-going');
    const r = await run(process.execPath, args).then(
      () => assert.fail('a failed task makes the run exit 1'),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(r.code, 1, r.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const ran = summary.tasks.map((t: { name: string }) => t.name);
    assert.deepEqual(ran, FIXTURE_TASKS.slice(0, 10));
    // the GUI task failed with the item named, and the server never saw its texts
    assert.equal(summary.partial.failed.length, 1);
    assert.equal(summary.partial.failed[0].name, 'GAE-Mind2Web_t2s');
    assert.match(
      summary.partial.failed[0].error,
      /embedder takes text only \(embedder.modalities\), but candidate "[^"]+" carries image \(gui-tasks\//,
    );
    assert.equal(srv.rejected, 0);
    assert.ok(!srv.texts.some((t) => /webpage screenshot/.test(t)));
    // the texts of the ten tasks went out as strings, exactly as VLM2Vec's parsers build them (plain format);
    // a text repeated within a task goes out once
    const expected = FIXTURE_TASKS.slice(0, 10).flatMap((name) =>
      readFileSync(join(FIXTURES, 'mmeb-v3-formats', 'expected', `${name}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string }),
    );
    assert.deepEqual(new Set(srv.texts), new Set(expected.map((e) => e.text)));
    assert.ok(srv.texts.length <= expected.length);
    // coverage: text, tool, memory run (partly); image, video, visdoc, audio and gui named as not run
    assert.deepEqual(summary.coverage.not_run.groups, ['image', 'video', 'visdoc', 'audio', 'gui']);
    assert.equal(summary.coverage.groups.text.tasks, 6);
    assert.equal(summary.coverage.groups.tool.tasks, 2);
    assert.equal(summary.coverage.groups.memory.tasks, 2);
    assert.equal(summary.coverage.overall, null);
    const mean = (names: string[]) =>
      (100 *
        names.map((n) => summary.tasks.find((t: { name: string }) => t.name === n).main_score).reduce((a: number, b: number) => a + b, 0)) /
      names.length;
    assert.ok(Math.abs(summary.coverage.groups.memory.score - mean(['REALTALK', 'DeepPlanning'])) < 1e-9);
    for (const t of summary.tasks) assert.equal(t.metric, t.modality === 'text' ? 'ndcg_linear@5' : 'hit@1');
    assert.match(
      r.stdout,
      /^10 of 11 \(PARTIAL: 1 failed\) task\(s\)\nMMEB-V3: 10 of 190 scored tasks run; overall – \(not every task ran\)\n/,
    );
    assert.match(r.stdout, /\nnot run: groups image, video, visdoc, audio, gui\n/);
    assert.match(r.stderr, /GAE-Mind2Web_t2s: FAILED/);
  } finally {
    await srv.close();
  }
});

test('the builtin teacher, distilled and unified pipelines run a V3 text task and a tool task offline; the family and version land in the items file', async () => {
  const dir = tempDir();
  for (const pipeline of ['teacher', 'distilled', 'unified'] as const) {
    const backend = parseBackendConfig({
      name: `builtin-${pipeline}`,
      pipeline,
      embedder: { type: 'builtin' },
      reasoner: pipeline === 'unified' ? null : { type: 'builtin' },
    });
    const out = join(dir, pipeline);
    const result = await runTasks({
      runId: pipeline,
      tasks: ['leetcode', 'toolalpaca'].map((n) => getTask(n, catalogFor('v3'))),
      dataRoot: V3_ROOT,
      version: 'v3',
      outDir: out,
      suite: null,
      backend,
      predK: 100,
      cacheDir: join(dir, 'cache'),
      claimTtlSeconds: 60,
    });
    assert.equal(result.failures.length, 0);
    assert.deepEqual(
      result.summary.tasks.map((t) => t.name),
      ['leetcode', 'toolalpaca'],
    );
    for (const [task, family] of [
      ['leetcode', 'reasoning-text'],
      ['toolalpaca', 'tool'],
    ]) {
      const items = JSON.parse(readFileSync(join(out, `${task}_items.json`), 'utf8'));
      assert.equal(items.prompt_version, 'ecr-prompts@2', `${pipeline} ${task}`);
      assert.equal(items.prompt_family, family, `${pipeline} ${task}`);
      // the pipeline reasoned about every query (traces written, one line per query)
      const traces = readFileSync(join(out, `${task}_traces.jsonl`), 'utf8')
        .trim()
        .split('\n');
      assert.equal(traces.length, items.queries.length, `${pipeline} ${task}`);
      assert.match(traces[0], /<think>/);
    }
    assert.ok(existsSync(join(out, 'summary.json')));
    assert.equal(result.summary.coverage?.tasks_scored, 2);
  }
});
