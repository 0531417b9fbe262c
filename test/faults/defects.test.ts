/**
 * The defects a review found, one test each; every test fails when its fix is removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_BACKEND, loadBackendConfig, parseBackendConfig } from '../../src/backends/config.js';
import { createBackend, type Backend } from '../../src/backends/registry.js';
import { lastTokenPool } from '../../src/backends/transformers.js';
import { HttpClient } from '../../src/backends/http.js';
import { getTask, loadCatalog } from '../../src/catalog/load.js';
import { loadEvalSet } from '../../src/datasets/load.js';
import { DataRoot } from '../../src/items/data-root.js';
import { Cache, encodeVector } from '../../src/tte/cache.js';
import { MediaLoader } from '../../src/tte/media.js';
import { predict } from '../../src/engine/run.js';
import { BackendError, ConfigError, DataError } from '../../src/errors.js';
import { scorePredictions } from '../../src/metrics/ranking.js';
import { ScoringPool } from '../../src/scoring/pool.js';
import { rankIndices, stack } from '../../src/scoring/rank.js';
import { embedEvalSet } from '../../src/tte/pipeline.js';
import { forEachPool } from '../../src/util/pool.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { runCli, tempDir } from '../helpers.js';
import { copyFormatsRoot, copyMiniRoot, faultBackend, runCliAsync, startFaultServer, writeJsonlRows } from './support.js';
import { readParquetRows } from '../../src/datasets/readers/parquet.js';

const catalog = loadCatalog();

test('a cache entry cut at a 4-byte boundary is a miss, not a shorter vector', async () => {
  const dir = tempDir();
  const cache = new Cache(dir);
  const v = Float32Array.from({ length: 1536 }, (_, i) => Math.sin(i));
  await cache.putEmbedding('ab12', v);
  const file = join(dir, 'embeddings', 'ab', 'ab12.f32');
  assert.deepEqual(cache.getEmbedding('ab12'), v);
  // 1536 floats cut to 1024 of them plus the header: every size check on a multiple of 4 passes
  truncateSync(file, 12 + 4096);
  assert.equal(cache.getEmbedding('ab12'), null);
  truncateSync(file, 4096);
  assert.equal(cache.getEmbedding('ab12'), null);
  // a flipped bit in the payload fails the checksum
  const bytes = encodeVector(v);
  bytes[100] ^= 0x40;
  writeFileSync(file, bytes);
  assert.equal(cache.getEmbedding('ab12'), null);
});

test('one dimension per cache namespace: a model that changes its dimension is refused, naming model, item and both dimensions (exit 2)', async () => {
  const server = await startFaultServer({ dim: () => 8 });
  try {
    const dir = tempDir();
    const backend = faultBackend(dir, server.url);
    const common = ['--backend', backend, '--cache-dir', join(dir, 'cache'), '--report-dir', join(dir, 'rep')];
    const first = await runCliAsync(['run', '--suite', 'mini', '--tasks', 'ImageNet-1K', '--out', join(dir, 'a'), ...common]);
    assert.equal(first.status, 0, first.stderr);
    server.plan.dim = () => 4; // the same name and config, now serving another model
    const second = await runCliAsync(['run', '--suite', 'mini', '--tasks', 'OK-VQA', '--out', join(dir, 'b'), ...common]);
    assert.equal(second.status, 2, second.stderr);
    assert.match(
      second.stderr,
      /model openai:fault-model:messages: item (query|target) .+ has a 4-dimensional vector, but this model's cache namespace holds 8-dimensional vectors/,
    );
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await server.close();
  }
});

test('one dimension per task: a vector of another length from the same server stops the task (exit 2)', async () => {
  const server = await startFaultServer({ dim: (t) => (t.length % 3 === 0 ? 5 : 8) });
  try {
    const dir = tempDir();
    const r = await runCliAsync([
      'run',
      '--suite',
      'mini',
      '--tasks',
      'ImageNet-1K',
      '--backend',
      faultBackend(dir, server.url),
      '--no-cache',
      '--out',
      join(dir, 'o'),
      '--report-dir',
      join(dir, 'r'),
    ]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /task ImageNet-1K: model openai:fault-model:messages: item (query|target) .+ has a (5|8)-dimensional vector, but item .+ has (8|5) dimensions/,
    );
    assert.equal(existsSync(join(dir, 'o', 'ImageNet-1K_score.json')), false, 'no score written');
  } finally {
    await server.close();
  }
});

test('the global scoring pool refuses vectors of another dimension instead of zero-padding them', async () => {
  const pool = new ScoringPool({ threads: 1 });
  try {
    const c = [Float32Array.of(1, 0, 0, 0), Float32Array.of(0, 1), Float32Array.of(0, 0, 1, 0)];
    await assert.rejects(
      pool.topk([Float32Array.of(0, 1, 0, 0)], c, 2, [[0]]),
      (e: unknown) => e instanceof DataError && /candidate 1 has dimension 2, expected 4/.test((e as Error).message),
    );
    await assert.rejects(
      pool.topk([Float32Array.of(0, 1)], [Float32Array.of(1, 0, 0, 0)], 1, [[0]]),
      /query 0 has dimension 2, expected 4/,
    );
  } finally {
    await pool.close();
  }
});

test('forEachPool takes no new item after a failure', async () => {
  let started = 0;
  const items = Array.from({ length: 300 }, (_, i) => i);
  await assert.rejects(
    forEachPool(items, 8, async (i) => {
      started++;
      await new Promise((r) => setTimeout(r, 2));
      if (i === 3) throw new Error('endpoint down');
    }),
    /endpoint down/,
  );
  // the 8 first calls, plus at most one more per loop that finished its call before the failure landed
  assert.ok(started <= 16, `started ${started} calls`);
  // and nothing keeps running behind the rejection (the old pool rejected at once and went on taking items)
  const atReject = started;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(started, atReject, 'no call started after the pool rejected');
});

/** The builtin floor, counting every embed call. */
async function countingBackend(): Promise<{ backend: Backend; calls: () => number }> {
  const inner = await createBackend(BUILTIN_BACKEND);
  let calls = 0;
  const embedder = {
    id: inner.embedder.id,
    embed: (items: Parameters<Backend['embedder']['embed']>[0]) => (calls++, inner.embedder.embed(items)),
  };
  return { backend: { ...inner, embedder }, calls: () => calls };
}

test('an unreadable query image is reported before any candidate is embedded', async () => {
  const root = copyFormatsRoot();
  const task = getTask('N24News', catalog);
  const { evalSet } = await loadEvalSet(task, { dataRoot: root, catalog });
  // the file exists (so loading passes) but cannot be read: a folder where the image should be
  const first = evalSet.queries[0].media[0];
  assert.equal(first.kind, 'image');
  const abs = join(root, ...(first.kind === 'image' ? first.path : '').split('/'));
  rmSync(abs);
  mkdirSync(abs);
  const { backend, calls } = await countingBackend();
  await assert.rejects(
    embedEvalSet(evalSet, backend, new MediaLoader(new DataRoot(root), evalSet), { version: 'v2.1', cache: null }),
    (e: unknown) => e instanceof DataError && /cannot read media/.test((e as Error).message),
  );
  assert.equal(calls(), 0, 'no candidate was embedded');
});

test('retry backoff ends at once when the run is aborted (a 2-minute Retry-After is not sat out)', { timeout: 30_000 }, async () => {
  const server = await startFaultServer({ status: { code: 503, times: 1000, retryAfter: '120' } });
  try {
    const client = new HttpClient({ baseURL: `${server.url}/v1`, maxRetries: 5 });
    const controller = new AbortController();
    const call = client.post('/embeddings', { input: ['x'] }, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new ConfigError('interrupted'));
    await assert.rejects(call, /interrupted/);
    assert.equal(server.requests.length, 1, 'no retry after the abort');
  } finally {
    await server.close();
  }
});

test('--keep-going: summary.json, report.md and report.html say the run is partial and list the failed tasks', () => {
  const root = copyMiniRoot();
  rmSync(join(root, 'hf', 'VLM2Vec', 'HMDB51'), { recursive: true });
  rmSync(join(root, 'hf', 'VLM2Vec', 'NExTQA'), { recursive: true });
  const dir = tempDir();
  const r = runCli([
    'run',
    '--suite',
    'mini',
    '--data-root',
    root,
    '--keep-going',
    '--no-cache',
    '--out',
    join(dir, 'o'),
    '--report-dir',
    join(dir, 'r'),
  ]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^11 of 13 \(PARTIAL: 2 failed\) task\(s\), overall/);
  const summary = JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8'));
  assert.equal(summary.partial.tasks_requested, 13);
  assert.equal(summary.partial.tasks_scored, 11);
  assert.deepEqual(
    summary.partial.failed.map((f: { name: string }) => f.name),
    ['HMDB51', 'NExTQA'],
  );
  const md = readFileSync(join(dir, 'r', 'report.md'), 'utf8');
  assert.match(md, /Partial run: 11 of 13 tasks scored/);
  assert.match(md, /> - HMDB51: /);
  assert.match(md, /\(this run, over 11 of 13 tasks\)/);
  const html = readFileSync(join(dir, 'r', 'report.html'), 'utf8');
  assert.match(html, /Partial run: 11 of 13 tasks scored/);
  assert.match(html, /<li><code>NExTQA<\/code>: /);
  // a complete run carries no such mark
  const full = runCli([
    'run',
    '--suite',
    'mini',
    '--tasks',
    'ImageNet-1K',
    '--no-cache',
    '--out',
    join(dir, 'f'),
    '--report-dir',
    join(dir, 'fr'),
  ]);
  assert.equal(full.status, 0, full.stderr);
  assert.equal('partial' in JSON.parse(readFileSync(join(dir, 'f', 'summary.json'), 'utf8')), false);
});

test('bad numbers and repeated tasks on the command line are refused before any work (exit 2, one line)', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '{"text": "a"}\n');
  const cases: [string[], RegExp][] = [
    [['embed', '--input', input, '--batch-size', '0'], /--batch-size must be an integer from 1 to 4096 \(got 0\)/],
    [['embed', '--input', input, '--batch-size', '2.5'], /--batch-size must be an integer/],
    [['run', '--suite', 'mini', '--pred-k', '1'], /--pred-k must be an integer from 10 to .*the metrics need the top 10/],
    [['run', '--suite', 'mini', '--pred-k', 'abc'], /--pred-k must be an integer/],
    [['run', '--suite', 'mini', '--tasks', 'HMDB51,HMDB51'], /task HMDB51 is named twice/],
    [['validate', '--data-root', dir, '--task', 'HMDB51', '--task', 'HMDB51'], /task HMDB51 is named twice/],
    [['rank', '--queries', 'q.npy', '--candidates', 'c.npy', '--k', '0'], /--k must be an integer from 1/],
    [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['serve', '--max-concurrency', '0'], /--max-concurrency must be an integer from 1/],
    [['serve', '--latency-ms', '-1'], /--latency-ms must be an integer from 0/],
    [['extract-frames', '--task', 'HMDB51', '--data-root', dir, '--max-frames', '0'], /--max-frames must be an integer from 1/],
    // a word where a number belongs is named as such, not as "NaN"
    [
      ['rank', '--queries', 'q.npy', '--candidates', 'c.npy', '--k', 'ten'],
      /--k must be an integer from 1 to 1000000 \(got a value that is not a number\)/,
    ],
    [['plan', '--suite', 'mini', '--shards', '0'], /--shards must be an integer from 1 to 100000 \(got 0\)/],
    [['plan', '--suite', 'mini', '--shards', 'two'], /--shards must be an integer from 1 to 100000 \(got a value that is not a number\)/],
    [['doctor', '--backend', 'b.json', '--samples', '101'], /--samples must be an integer from 1 to 100 \(got 101\)/],
    [['render', '--backend', 'b.json', '--task', 'HMDB51', '--data-root', dir, '--limit', '0'], /--limit must be an integer from 1/],
    [['rerank', dir, '--backend', 'b.json', '--out', dir, '--depth', '1.5'], /--depth must be an integer from 1 to 1000 \(got 1.5\)/],
    [['traces', 'export', dir, '--out', dir, '--max-per-task', '0'], /--max-per-task must be an integer from 1 to 10000000 \(got 0\)/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCliAsync(args)));
  for (const [i, [args, want]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('backend configs refuse unknown fields at every level, each violation with its JSON path and the file named', () => {
  const dir = tempDir();
  const file = join(dir, 'backend.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'x',
      pipeline: 'teacher',
      extra: true,
      embedder: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm', maxConcurency: 3, requestFromat: 'input' },
      reasoner: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm', token: 'sk-planted-0123456789', maxTokens: 0 },
    }),
  );
  assert.throws(
    () => loadBackendConfig(file),
    (e: unknown) => {
      const m = (e as Error).message;
      assert.ok(e instanceof ConfigError);
      assert.ok(m.startsWith(`${file}: invalid backend config`), m);
      for (const path of [
        '/extra: unknown field',
        '/embedder/maxConcurency: unknown field',
        '/embedder/requestFromat: unknown field',
        '/reasoner/token: unknown field',
        '/reasoner/maxTokens: must be >= 1',
      ]) {
        assert.ok(m.includes(path), `${path} in ${m}`);
      }
      assert.ok(!m.includes('sk-planted'), 'the value of a stray secret is not echoed');
      return true;
    },
  );
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, '{"text": "a"}\n');
  const r = runCli(['embed', '--backend', file, '--input', input]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\/embedder\/maxConcurency: unknown field/);
});

test("pipeline 'unified' with a reasoner and an embedder of different models is refused", () => {
  const model = (m: string) => ({ type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: m });
  assert.throws(
    () =>
      parseBackendConfig(
        { name: 'u', pipeline: 'unified', embedder: model('VLM2Vec/VLM2Vec-V2.0'), reasoner: model('Qwen/Qwen2.5-VL-72B-Instruct') },
        'u.json',
      ),
    (e: unknown) =>
      e instanceof ConfigError && /u\.json, field 'reasoner.model': pipeline 'unified' needs one model .*differ/.test((e as Error).message),
  );
  // one served model for both roles is what unified means over HTTP
  assert.equal(
    parseBackendConfig({ name: 'u', pipeline: 'unified', embedder: model('tte-u'), reasoner: model('tte-u') }).pipeline,
    'unified',
  );
});

test('last-token pooling refuses an all-padding row instead of reading position -1', () => {
  const hidden = { dims: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => i + 1) } as unknown as Parameters<
    typeof lastTokenPool
  >[0];
  assert.deepEqual(
    Array.from(
      lastTokenPool(
        hidden,
        [
          [1, 1, 0],
          [1, 0, 0],
        ],
        false,
      )[1],
    ),
    [7, 8],
  );
  assert.throws(
    () =>
      lastTokenPool(hidden, [
        [1, 1, 0],
        [0, 0, 0],
      ]),
    (e: unknown) => e instanceof BackendError && /row 1 of the batch is all padding/.test((e as Error).message),
  );
});

test('validate lists every problem of every task, grouped by task with counts, and exits 1', async () => {
  const root = copyFormatsRoot();
  const dir = join(root, 'hf', 'ziyjiang', 'MMEB_Test_Instruct', 'N24News');
  const parquet = join(dir, 'test-00000-of-00001.parquet');
  const rows = (await readParquetRows([parquet])).map((r) => r.row);
  rmSync(parquet);
  rows[0].qry_img_path = '/etc/passwd';
  rows[1].qry_img_path = '../../../outside.jpg';
  rows[2].qry_img_path = 'N24News/Test/not-there.jpg';
  rows[3].qry_text = 42;
  writeJsonlRows(join(dir, 'test-00000-of-00001.jsonl'), [
    ...rows,
    { ...rows[1], qry_img_path: 'N24News/Test/also-missing.jpg' },
    { ...rows[1], tgt_text: 'not a list' },
  ]);
  const r = runCli(['validate', '--data-root', root, '--task', 'N24News', '--task', 'HatefulMemes', '--task', 'CIRR']);
  assert.equal(r.status, 1, r.stderr);
  const out = r.stdout;
  assert.match(out, /^FAIL N24News: .*, 6 problem\(s\)$/m);
  for (const want of [
    /row 0, field 'qry_img_path': absolute media path '\/etc\/passwd' is not allowed/,
    /row 1, field 'qry_img_path': media path '.*outside\.jpg' leaves the data root/,
    /row 2, field 'qry_img_path': missing image image-tasks\/N24News\/Test\/not-there\.jpg/,
    /row 3, field 'qry_text': expected a string, got number/,
    /row 4, field 'qry_img_path': missing image .*also-missing\.jpg/,
    /row 5, field 'tgt_text': /,
  ]) {
    assert.match(out, want);
  }
  assert.match(out, /^FAIL HatefulMemes: .*, 1 problem\(s\)$/m);
  assert.match(out, /^ok {3}CIRR: /m);
  assert.match(out, /1 of 3 task\(s\) complete; 7 problem\(s\) in 2 task\(s\)/);
  // grouped: N24News's lines come before HatefulMemes's header
  assert.ok(out.indexOf('also-missing') < out.indexOf('FAIL HatefulMemes'));
});

test('npm test runs test files only (support modules are not counted as tests)', () => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: { test: string } };
  const args = pkg.scripts.test
    .split('node --test')[1]
    .trim()
    .split(/\s+/)
    .filter((a) => !a.startsWith('-'));
  assert.ok(args.length > 0);
  for (const a of args) {
    // a folder argument runs every .js under a folder named test: helpers.js and hub-server.js included
    assert.match(a, /\*\.test\.js$/, `${a} names test files only`);
  }
  assert.ok(
    args.some((a) => a.includes('faults/')),
    'the fault suite is part of npm test',
  );
});

test('ties are broken pessimistically on the local path: a constant model ranks every gold last and scores 0', () => {
  const same = Array.from({ length: 5 }, () => Float32Array.of(0.6, 0.8));
  const q = Float32Array.of(1, 0);
  assert.deepEqual(
    rankIndices(q, stack(same), 5, (i) => i === 0),
    [1, 2, 3, 4, 0],
  );
  assert.deepEqual(
    rankIndices(q, stack(same), 5, (i) => i === 2, 3),
    [0, 1, 3],
  );
  // a higher score still wins over the policy
  const mixed = [Float32Array.of(0, 1), Float32Array.of(1, 0), Float32Array.of(0, 1)];
  assert.deepEqual(
    rankIndices(q, stack(mixed), 3, (i) => i === 1),
    [1, 0, 2],
  );
});

test('ties are broken pessimistically on the global path, also when the tie group runs past the top-k window', async () => {
  const pool = new ScoringPool({ threads: 1 });
  try {
    const q = [Float32Array.of(1, 0), Float32Array.of(1, 0)];
    for (const n of [5, 60]) {
      const cands = Array.from({ length: n }, () => Float32Array.of(0.6, 0.8));
      const ranked = await pool.topk(q, cands, 10, [[0], [3, 4]]);
      const k = Math.min(10, n);
      assert.equal(ranked[0].length, k);
      if (n <= 10) {
        assert.deepEqual(ranked[0], [1, 2, 3, 4, 0]);
        assert.deepEqual(ranked[1], [0, 1, 2, 3, 4]);
      } else {
        assert.deepEqual(ranked[0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `n=${n}`);
        assert.ok(!ranked[1].includes(3) && !ranked[1].includes(4), `n=${n}: gold ranked behind every tied non-gold`);
      }
    }
  } finally {
    await pool.close();
  }
});

test('a degenerate (constant) model scores 0 Hit@1 through predict on local and global tasks', async () => {
  const pool = new ScoringPool({ threads: 1 });
  try {
    for (const name of ['N24News', 'ViDoRe_tatdqa']) {
      const { evalSet } = await loadEvalSet(getTask(name, catalog), {
        dataRoot: join(PACKAGE_ROOT, 'test', 'fixtures', 'mmeb-v2-formats', 'root'),
        catalog,
      });
      const constant = () => Float32Array.of(1, 0, 0);
      const preds = await predict(evalSet, evalSet.queries.map(constant), evalSet.candidates.map(constant), 100, pool);
      const multiGold = evalSet.queries.some((q) => q.gold.length >= evalSet.candidates.length);
      if (!multiGold) assert.equal(scorePredictions(preds)['hit@1'], 0, name);
    }
  } finally {
    await pool.close();
  }
});
