/** Fast paths that must not change a byte: .npy views, moved matrices, streamed lines, lazy CLI commands. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../src/cli/main.js';
import { commandName, commandsFor, type CommandEntry } from '../src/cli/commands.js';
import { ScoringPool } from '../src/scoring/pool.js';
import { buildModel, SCORES_MODEL_BASE64, TOPK_MODEL_BASE64 } from '../src/scoring/ort-kernel.js';
import { rankIndices } from '../src/scoring/rank.js';
import { emitLines, writeLinesAtomic } from '../src/util/lines.js';
import { npyBytes, readNpy } from '../src/util/npy.js';
import { runCli, tempDir } from './helpers.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

/** A finished mini run (builtin backend), for a real summary.json. */
function tempRun(): string {
  const dir = tempDir();
  const r = runCli([
    'run',
    '--suite',
    'mini',
    '--tasks',
    'OK-VQA',
    '--out',
    join(dir, 'out'),
    '--report-dir',
    join(dir, 'rep'),
    '--no-cache',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return join(dir, 'out');
}

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 1.37));

test('readNpy: a float32 file is a view of the file bytes (no copy), an unaligned one still reads exactly', () => {
  const dir = tempDir();
  const data = seeded(7 * 5, 3);
  const file = join(dir, 'm.npy');
  writeFileSync(file, npyBytes({ rows: 7, cols: 5, data }));
  const m = readNpy(file);
  assert.equal(m.data.buffer.byteLength, statSync(file).size, 'the array lives in the buffer the file was read into');
  assert.equal(m.data.byteOffset, statSync(file).size - data.byteLength, 'and starts right after the header');
  assert.deepEqual([m.rows, m.cols], [7, 5]);
  assert.deepEqual(Array.from(m.data), Array.from(data));
  // A hand-written header of odd length leaves the data unaligned for a Float32Array: copied once, same values.
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (7, 5), } \n";
  assert.notEqual((10 + header.length) % 4, 0);
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(join(dir, 'odd.npy'), Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
  assert.deepEqual(Array.from(readNpy(join(dir, 'odd.npy')).data), Array.from(data));
  writeFileSync(join(dir, 'short.npy'), npyBytes({ rows: 7, cols: 5, data }).subarray(0, 100));
  assert.throws(() => readNpy(join(dir, 'short.npy')), /short\.npy.*shorter than its shape/);
});

test('scoring kernel graphs: the stored bytes are exactly what the graph builder encodes', () => {
  assert.deepEqual(Buffer.from(TOPK_MODEL_BASE64, 'base64'), Buffer.from(buildModel(true)));
  assert.deepEqual(Buffer.from(SCORES_MODEL_BASE64, 'base64'), Buffer.from(buildModel(false)));
});

test('ScoringPool.topkMatrices: matrices are moved (not copied) to the worker; ranking = reference, ties and gold included', async () => {
  const d = 8;
  const [nq, nc, k] = [37, 300, 12];
  const q = seeded(nq * d, 1);
  const c = seeded(nc * d, 2);
  // exact ties: candidates 10..19 equal candidate 5, and query 0's gold is one of them
  for (let j = 10; j < 20; j++) c.set(c.subarray(5 * d, 6 * d), j * d);
  const gold = Array.from({ length: nq }, (_, i) => (i === 0 ? [12] : [i % nc]));
  const want = Array.from({ length: nq }, (_, i) => rankIndices(q.slice(i * d, (i + 1) * d), c, nc, (j) => gold[i].includes(j), k));
  const [qCopy, cCopy] = [q.slice(), c.slice()];
  const pool = new ScoringPool({ threads: 1 });
  try {
    pool.warm();
    const got = await pool.topkMatrices(qCopy, nq, cCopy, nc, d, k, gold);
    assert.equal(qCopy.buffer.byteLength, 0, 'queries were transferred');
    assert.equal(cCopy.buffer.byteLength, 0, 'candidates were transferred');
    assert.equal(got.length, nq * k);
    for (let i = 0; i < nq; i++) assert.deepEqual(Array.from(got.subarray(i * k, (i + 1) * k)), want[i], `query ${i}`);
    // the row-vector API gives the same answer
    const rows = (m: Float32Array, n: number) => Array.from({ length: n }, (_, i) => m.slice(i * d, (i + 1) * d));
    assert.deepEqual(await pool.topk(rows(q, nq), rows(c, nc), k, gold), want);
    assert.equal((await pool.topkMatrices(new Float32Array(0), 0, c.slice(), nc, d, k, null)).length, 0);
  } finally {
    await pool.close();
  }
});

test('writeLinesAtomic / emitLines: the file is byte for byte the joined lines, across chunk boundaries', () => {
  const dir = tempDir();
  const lines = Array.from(
    { length: 40_000 },
    (_, i) => JSON.stringify({ id: `q${i}`, text: i % 7 ? 'x'.repeat(i % 97) : 'é漢字😀' }) + '\n',
  );
  const file = join(dir, 'sub', 'out.jsonl');
  writeLinesAtomic(file, lines);
  assert.ok(statSync(file).size > 2 << 20, 'more than two chunks');
  assert.equal(readFileSync(file, 'utf8'), lines.join(''));
  emitLines(lines.slice(0, 3), join(dir, 'three.jsonl'));
  assert.equal(readFileSync(join(dir, 'three.jsonl'), 'utf8'), lines.slice(0, 3).join(''));
  writeLinesAtomic(join(dir, 'empty.jsonl'), []);
  assert.equal(readFileSync(join(dir, 'empty.jsonl'), 'utf8'), '');
  // a failing producer leaves no file and no temporary behind
  const boom = function* () {
    yield 'a\n';
    throw new Error('producer failed');
  };
  assert.throws(() => writeLinesAtomic(join(dir, 'broken.jsonl'), boom()), /producer failed/);
  assert.deepEqual(readdirSync(dir).sort(), ['empty.jsonl', 'sub', 'three.jsonl']);
});

test('CLI command table: each line names its module’s command and description; only the named command is imported', async () => {
  for (const entry of COMMANDS) {
    const mod = await entry[2]();
    assert.equal(mod.command, entry[0], `${commandName(entry)}: command string`);
    assert.equal(mod.describe, entry[1], `${commandName(entry)}: description`);
  }
  assert.equal(new Set(COMMANDS.map(commandName)).size, COMMANDS.length);
  // only the command named on the command line is loaded; the others are stubs with the same help line
  const loaded: string[] = [];
  const spy: CommandEntry[] = COMMANDS.map((e) => [e[0], e[1], async () => (loaded.push(commandName(e)), e[2]())]);
  const forRank = await commandsFor(spy, ['rank', '--queries', 'q.npy']);
  assert.deepEqual(loaded, ['rank']);
  assert.equal(typeof forRank.find((m) => m.command === 'rank')?.builder, 'function');
  loaded.length = 0;
  const forHelp = await commandsFor(spy, ['--help']);
  assert.deepEqual(loaded, []);
  assert.deepEqual(
    forHelp.map((m) => [m.command, m.describe]),
    COMMANDS.map((e) => [e[0], e[1]]),
  );
  const r = runCli(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const entry of COMMANDS) assert.ok(r.stdout.includes(`tte-bench ${entry[0]}`), `--help lists ${entry[0]}`);
});

test('rank with --gold and ids: labels and tie policy as before, streamed to --out', () => {
  const dir = tempDir();
  const d = 4;
  const q = seeded(3 * d, 5);
  const c = seeded(6 * d, 6);
  c.set(c.subarray(0, d), 1 * d); // candidates 0 and 1 tie for every query
  writeFileSync(join(dir, 'q.npy'), npyBytes({ rows: 3, cols: d, data: q }));
  writeFileSync(join(dir, 'c.npy'), npyBytes({ rows: 6, cols: d, data: c }));
  writeFileSync(join(dir, 'gold.jsonl'), '"1"\n["0","1"]\n{"label":"5","rel_scores":[2]}\n');
  const r = runCli([
    'rank',
    '--queries',
    join(dir, 'q.npy'),
    '--candidates',
    join(dir, 'c.npy'),
    '--gold',
    join(dir, 'gold.jsonl'),
    '--k',
    '6',
    '--out',
    join(dir, 'pred.jsonl'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const gold = [[1], [0, 1], [5]];
  const want = gold.map((g, i) => rankIndices(q.slice(i * d, (i + 1) * d), c, 6, (j) => g.includes(j), 6).map(String));
  const got = readFileSync(join(dir, 'pred.jsonl'), 'utf8');
  assert.equal(
    got,
    [
      JSON.stringify({ prediction: want[0], label: '1', rel_scores: null }),
      JSON.stringify({ prediction: want[1], label: ['0', '1'], rel_scores: null }),
      JSON.stringify({ prediction: want[2], label: ['5'], rel_scores: [2] }),
    ].join('\n') + '\n',
  );
});

test('openai embedder asks for base64 float32: the same vectors, bit for bit, as a server answering JSON lists', async () => {
  const { createServer } = await import('node:http');
  const { OpenAIEmbedder } = await import('../src/backends/openai.js');
  const raw = [Float32Array.from([0.1, -0.25, 3e-8, Math.SQRT1_2]), Float32Array.from([1, 2, 3, 4])];
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const format = (JSON.parse(body) as { encoding_format?: string }).encoding_format;
      seen.push(format);
      const useBase64 = format === 'base64' && req.url?.startsWith('/b64');
      const data = raw.map((v, index) => ({ index, embedding: useBase64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v) }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const items = ['a', 'b'].map((text) => ({ text, media: [], role: 'query' as const }));
    const viaBase64 = await new OpenAIEmbedder({ baseURL: `http://127.0.0.1:${port}/b64`, model: 'm' }).embed(items);
    const viaJson = await new OpenAIEmbedder({ baseURL: `http://127.0.0.1:${port}/json`, model: 'm' }).embed(items);
    assert.deepEqual(seen, ['base64', 'base64']);
    assert.deepEqual(
      viaBase64.map((v) => Buffer.from(v.buffer).toString('hex')),
      viaJson.map((v) => Buffer.from(v.buffer).toString('hex')),
    );
    const { l2normalize } = await import('../src/util/vector.js');
    assert.deepEqual(Array.from(viaBase64[1]), Array.from(l2normalize(raw[1].slice())));
  } finally {
    server.close();
  }
});

test('the precompiled schema validators are what Ajv compiles from the schema files, and judge alike', async () => {
  const { SCHEMA_VALIDATORS, validatorSource } = await import('../scripts/lib/schema-validators.js');
  const { validateCatalogFile } = await import('../src/catalog/load.js');
  const { validateSummary } = await import('../src/report/summary-schema.js');
  const { Ajv } = await import('ajv');
  for (const [schema, generated] of SCHEMA_VALIDATORS) {
    assert.equal(
      readFileSync(join(PACKAGE_ROOT, generated), 'utf8'),
      validatorSource(schema),
      `${generated} is stale: node dist/scripts/gen-schema-validators.js`,
    );
  }
  const summary = JSON.parse(readFileSync(join(tempRun(), 'summary.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(validateSummary(summary), summary);
  assert.throws(() => validateSummary({ ...summary, extra: 1 }, 'x/summary.json'), /x\/summary\.json.*run-summary schema/);
  const runtime = new Ajv({ allErrors: true }).compile(
    JSON.parse(readFileSync(join(PACKAGE_ROOT, 'tasks', 'schema', 'task.schema.json'), 'utf8')),
  );
  const good = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'tasks', 'mmeb-v2', 'image.json'), 'utf8')) as {
    tasks: Record<string, unknown>[];
  };
  assert.ok(runtime(good));
  assert.equal(validateCatalogFile(good, 'image.json').length, good.tasks.length);
  const bad = { ...good, tasks: [{ ...good.tasks[0], surprise: 1, metric: 42 }] };
  assert.equal(runtime(bad), false);
  const want = (runtime.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  assert.throws(
    () => validateCatalogFile(bad, 'bad.json'),
    (err: Error) => err.message.includes(want) && /bad\.json/.test(err.message),
  );
});

test('readNpy from a pipe (/dev/stdin): same matrix as from the file', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir();
  const data = seeded(3 * 4, 9);
  const file = join(dir, 'p.npy');
  writeFileSync(file, npyBytes({ rows: 3, cols: 4, data }));
  const script = join(dir, 'read.mjs');
  writeFileSync(
    script,
    `import('${new URL('../src/util/npy.js', import.meta.url).href}').then((m) => process.stdout.write(JSON.stringify(Array.from(m.readNpy('/dev/stdin').data))))`,
  );
  const r = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3"', 'sh', file, process.execPath, script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), Array.from(readNpy(file).data));
});
