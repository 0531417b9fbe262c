/**
 * The four TTE pipelines end to end on the mini suite: through `serve` + the HTTP backends, and through
 * the local tiny models; plus the cache (no request twice, invalidation on config change) and secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig, type BackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { getTask } from '../src/catalog/load.js';
import { runTasks } from '../src/engine/run.js';
import { loadSuite } from '../src/engine/suites.js';
import { startServer } from '../src/serve/server.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { MediaLoader } from '../src/tte/media.js';
import { DataRoot } from '../src/items/data-root.js';
import { Cache } from '../src/tte/cache.js';
import type { EvalSet } from '../src/items/types.js';
import { FIXTURES, runCli, tempDir, tinyClipConfig } from './helpers.js';

const mini = loadSuite('mini');
const TEXT_TASKS = ['VisualNews_t2i', 'MSR-VTT', 'ViDoRe_arxivqa'].map((t) => getTask(t));

async function run(backend: BackendConfig, out: string, cacheDir: string | null, tasks = mini.tasks) {
  return runTasks({
    runId: backend.name,
    tasks,
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend,
    outDir: out,
    cacheDir,
    suite: 'mini',
  });
}

const mainScores = (s: Awaited<ReturnType<typeof run>>) => s.summary.tasks.map((t) => [t.name, t.main_score]);

test('no-think through serve + the HTTP embedder equals the builtin run; a re-run asks nothing', async () => {
  const server = await startServer(
    await createBackend(parseBackendConfig({ name: 'srv', pipeline: 'no-think', embedder: { type: 'builtin' } })),
  );
  try {
    const dir = tempDir();
    const direct = await run(
      parseBackendConfig({ name: 'builtin-floor', pipeline: 'no-think', embedder: { type: 'builtin' } }),
      join(dir, 'direct'),
      null,
    );
    const http = parseBackendConfig({
      name: 'http',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: `${server.url}/v1`, model: 'srv', requestFormat: 'messages', maxConcurrency: 4 },
    });
    const viaHttp = await run(http, join(dir, 'http'), join(dir, 'cache'));
    assert.deepEqual(mainScores(viaHttp), mainScores(direct));
    const unique = server.stats.embeddedItems;
    assert.equal(server.stats.requests, unique, 'one request per unique item');
    await run(http, join(dir, 'http2'), join(dir, 'cache'));
    assert.equal(server.stats.requests, unique, 'the re-run is served from the cache');
  } finally {
    await server.close();
  }
});

test('teacher: a served reasoner writes traces that reach the embedder; traces are cached and reused', async () => {
  const server = await startServer(
    await createBackend(
      parseBackendConfig({ name: 'teacher-srv', pipeline: 'teacher', embedder: { type: 'builtin' }, reasoner: { type: 'builtin' } }),
    ),
  );
  try {
    const dir = tempDir();
    const cfg = parseBackendConfig({
      name: 'teacher',
      pipeline: 'teacher',
      embedder: { type: 'builtin' },
      reasoner: { type: 'openai', baseURL: `${server.url}/v1`, model: 'teacher-srv' },
    });
    const r = await run(cfg, join(dir, 'out'), join(dir, 'cache'));
    const chats = server.stats.byRoute['POST /v1/chat/completions'];
    assert.ok(chats > 0);
    const traces = readFileSync(join(dir, 'out', 'ImageNet-1K_traces.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(traces.length, 10);
    assert.match(traces[0].trace, /^<think>.*<\/think>/);
    const noThink = await run(
      parseBackendConfig({ name: 'nt', pipeline: 'no-think', embedder: { type: 'builtin' } }),
      join(dir, 'nt'),
      null,
    );
    assert.notDeepEqual(mainScores(r), mainScores(noThink), 'the trace changes what is embedded');
    await run(cfg, join(dir, 'out2'), join(dir, 'cache'));
    assert.equal(server.stats.byRoute['POST /v1/chat/completions'], chats, 'no trace is generated twice');
    const changed = parseBackendConfig({ ...cfg, reasoner: { ...cfg.reasoner!, maxTokens: 64 } });
    await run(changed, join(dir, 'out3'), join(dir, 'cache'), [getTask('OK-VQA')]);
    assert.ok(server.stats.byRoute['POST /v1/chat/completions'] > chats, 'a changed reasoner config invalidates its traces');
  } finally {
    await server.close();
  }
});

test('distilled: a local causal LM (tiny Qwen2) reasons, the embedder embeds query + trace', async () => {
  const dir = tempDir();
  const cfg = parseBackendConfig({
    name: 'distilled-tiny',
    pipeline: 'distilled',
    embedder: { type: 'builtin' },
    reasoner: { type: 'transformers', architecture: 'causal-lm', model: join(FIXTURES, 'tiny-models', 'tiny-qwen2-lm'), maxNewTokens: 6 },
  });
  const r = await run(cfg, join(dir, 'out'), null, TEXT_TASKS);
  assert.equal(r.summary.tasks.length, 3);
  const traces = readFileSync(join(dir, 'out', 'MSR-VTT_traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(traces.every((t) => typeof t.trace === 'string'));
});

test('unified: the builtin floor runs the whole mini suite; a local causal LM reasons and embeds in one network', async () => {
  const dir = tempDir();
  const r = await run(
    parseBackendConfig({ name: 'unified-floor', pipeline: 'unified', embedder: { type: 'builtin' } }),
    join(dir, 'out'),
    null,
  );
  assert.equal(r.summary.tasks.length, mini.tasks.length);
  assert.ok(readdirSync(join(dir, 'out')).some((f) => f.endsWith('_traces.jsonl')));
  // a text-only EvalSet, since the tiny LM reads no images
  const backend = await createBackend(
    parseBackendConfig({
      name: 'u',
      pipeline: 'unified',
      embedder: { type: 'transformers', architecture: 'causal-lm', model: join(FIXTURES, 'tiny-models', 'tiny-qwen2-lm'), maxNewTokens: 4 },
    }),
  );
  const task = getTask('MSCOCO_i2t');
  const es: EvalSet = {
    task,
    version: 'v2.1',
    format: 'qwen2-vl',
    mode: 'local',
    queries: [{ id: '0', text: 'a red bus', media: [], candidateIds: ['a', 'b'], gold: ['a'], relScores: null }],
    candidates: [
      { id: 'a', text: 'a bus', media: [] },
      { id: 'b', text: 'a cat', media: [] },
    ],
    inlineMedia: new Map(),
    dataFiles: [],
  };
  const cache = new Cache(join(dir, 'cache'));
  const out = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v2.1', cache });
  assert.equal(out.queryVectors[0].length, 32);
  assert.ok(Math.abs(Math.hypot(...out.queryVectors[0]) - 1) < 1e-5);
  assert.ok(out.queryTraces[0] && out.queryTraces[0].usage?.completionTokens === 4);
  const again = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v2.1', cache });
  assert.equal(again.stats.reasonCalls, 0);
  assert.deepEqual(again.queryVectors, out.queryVectors);
  await backend.close();
});

test('embed command: {"text"} / {"image"} lines in, L2-normalised vectors out, in order', () => {
  const dir = tempDir();
  const input = join(dir, 'in.jsonl');
  writeFileSync(
    input,
    [
      JSON.stringify({ text: 'a red square' }),
      JSON.stringify({ image: join(FIXTURES, 'tiny-models', 'images', 'red32.png') }),
      JSON.stringify({ text: 'both', image: join(FIXTURES, 'tiny-models', 'images', 'bluesquare32.png') }),
    ].join('\n'),
  );
  const backend = join(dir, 'clip.json');
  writeFileSync(backend, JSON.stringify(tinyClipConfig()));
  const r = runCli(['embed', '--backend', backend, '--input', input]);
  assert.equal(r.status, 0, r.stderr);
  const vectors = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).vector as number[]);
  assert.equal(vectors.length, 3);
  for (const v of vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
  writeFileSync(input, '{"txt": 1}\n');
  const bad = runCli(['embed', '--input', input]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /in\.jsonl, line 1/);
});

test('secrets never reach result files', async () => {
  const server = await startServer(
    await createBackend(parseBackendConfig({ name: 'srv', pipeline: 'no-think', embedder: { type: 'builtin' } })),
  );
  process.env.TTE_SECRET_FOR_TEST = 'sk-planted-secret-123';
  try {
    const dir = tempDir();
    const cfg = parseBackendConfig({
      name: 'keyed',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: `${server.url}/v1`, model: 'srv', requestFormat: 'messages', apiKeyEnv: 'TTE_SECRET_FOR_TEST' },
    });
    await run(cfg, join(dir, 'out'), null, [getTask('ViDoRe_arxivqa')]);
    const files = readdirSync(join(dir, 'out'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.length >= 4);
    for (const f of files) assert.ok(!readFileSync(join(f.parentPath ?? f.path, f.name), 'utf8').includes('sk-planted-secret-123'), f.name);
    assert.ok(server.stats.authorized > 0);
  } finally {
    delete process.env.TTE_SECRET_FOR_TEST;
    await server.close();
  }
});

test('cache: a put resolves once the entry is on disk; damaged entries are misses; a failed write names the entry', async () => {
  const dir = tempDir();
  const cache = new Cache(join(dir, 'cache'));
  const v = Float32Array.from([0.5, -0.25, 0.125]);
  // a view into a larger buffer, changed right after the put: the entry must hold the values at put time
  const shared = new Float32Array([9, ...v, 9]);
  const stored = cache.putEmbedding('a1', shared.subarray(1, 4));
  shared.fill(7);
  await stored;
  await cache.putTrace('b1', { text: 'because', usage: { promptTokens: 3, completionTokens: 1 } });
  assert.deepEqual(Array.from(cache.getEmbedding('a1') ?? []), Array.from(v));
  assert.equal(cache.getTrace('b1')?.text, 'because');
  assert.equal(cache.getEmbedding('zz'), null);
  const entry = (kind: string, key: string, ext: string) => join(dir, 'cache', kind, key.slice(0, 2), `${key}${ext}`);
  for (const [key, bytes] of [
    ['c1', new Uint8Array(0)],
    ['c2', new Uint8Array(6)],
    ['c3', new Uint8Array(new Float32Array([1, NaN]).buffer)],
  ] as const) {
    await cache.putEmbedding(key, new Float32Array([1]));
    writeFileSync(entry('embeddings', key, '.f32'), bytes);
    assert.equal(cache.getEmbedding(key), null, `${key} is damaged`);
  }
  await cache.putTrace('d1', { text: 'x' });
  writeFileSync(entry('traces', 'd1', '.json'), '{"text": "trunc');
  assert.equal(cache.getTrace('d1'), null);
  writeFileSync(entry('traces', 'd1', '.json'), '{"no_text": 1}');
  assert.equal(cache.getTrace('d1'), null);
  // a cache folder that cannot be created: the error names the entry
  writeFileSync(join(dir, 'not-a-dir'), 'x');
  await assert.rejects(new Cache(join(dir, 'not-a-dir')).putEmbedding('e1', v), /cannot write cache entry .*e1\.f32/);
  // thousands of puts at once: written a few at a time, none runs out of file descriptors
  const many = new Cache(join(dir, 'many'));
  await Promise.all(Array.from({ length: 3000 }, (_, i) => many.putEmbedding(`k${i}`, Float32Array.from([i]))));
  for (const i of [0, 1499, 2999]) assert.deepEqual(Array.from(many.getEmbedding(`k${i}`) ?? []), [i]);
});
