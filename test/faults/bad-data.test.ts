/**
 * Bad data, made by damaging copies of the real format fixtures: every fault stops a run with a DataError
 * naming task, file, row and field (exit 2, one line), and `validate` lists it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask, loadCatalog } from '../../src/catalog/load.js';
import { loadEvalSet } from '../../src/datasets/load.js';
import { readParquetRows } from '../../src/datasets/readers/parquet.js';
import { DataError } from '../../src/errors.js';
import { validateTasks } from '../../src/datasets/validate.js';
import { npyBytes } from '../../src/util/npy.js';
import { runCli, tempDir } from '../helpers.js';
import { copyFormatsRoot, writeJsonlRows } from './support.js';

const catalog = loadCatalog();
const N24 = ['hf', 'ziyjiang', 'MMEB_Test_Instruct', 'N24News'];
const TATDQA = ['hf', 'vidore', 'tatdqa_test_beir'];

/** Rows of a split's single parquet file, replaced by JSON Lines rows after `alter`. */
async function alterRows(
  root: string,
  dir: string[],
  alter: (rows: Record<string, unknown>[]) => Record<string, unknown>[],
): Promise<string> {
  const folder = join(root, ...dir);
  const parquet = join(folder, readdirSync(folder).find((f) => f.endsWith('.parquet')) as string);
  const rows = (await readParquetRows([parquet])).map((r) => r.row);
  rmSync(parquet);
  const file = parquet.replace(/\.parquet$/, '.jsonl');
  writeJsonlRows(file, alter(rows));
  return file;
}

async function strictError(root: string, task: string): Promise<DataError> {
  try {
    await loadEvalSet(getTask(task, catalog), { dataRoot: root, catalog });
  } catch (err) {
    assert.ok(err instanceof DataError, String(err));
    return err;
  }
  assert.fail(`${task} loaded without error`);
}

async function problemsOf(root: string, task: string): Promise<string[]> {
  const [v] = await validateTasks([getTask(task, catalog)], { dataRoot: root, version: 'v2.1', catalog });
  assert.equal(v.ok, false);
  return v.problems.map((p) => `${p.location.file ?? ''}#${p.location.row ?? ''}#${p.location.field ?? ''}: ${p.message}`);
}

test('a truncated parquet file names the file', async () => {
  const root = copyFormatsRoot();
  const file = join(root, ...N24, 'test-00000-of-00001.parquet');
  truncateSync(file, Math.floor(statSync(file).size / 2));
  const err = await strictError(root, 'N24News');
  assert.equal(err.location.file, file);
  assert.match(err.message, /cannot read parquet/);
  assert.match((await problemsOf(root, 'N24News'))[0], /cannot read parquet/);
  const r = runCli(['run', '--tasks', 'N24News', '--data-root', root, '--no-cache', '--out', join(tempDir(), 'o')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tte-bench: task N24News, .*N24News\/test-00000-of-00001\.parquet: cannot read parquet: parquet file invalid/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

test('a missing column and a wrong type name file, row and field', async () => {
  const root = copyFormatsRoot();
  const file = await alterRows(root, N24, (rows) => {
    delete rows[1].qry_text;
    rows[2].tgt_text = 'Sports';
    return rows;
  });
  const err = await strictError(root, 'N24News');
  assert.deepEqual([err.location.file, err.location.row, err.location.field], [file, 1, 'qry_text']);
  assert.match(err.message, /missing column/);
  const problems = await problemsOf(root, 'N24News');
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[1], /#2#tgt_text: /);
});

test('an empty candidate list is refused', async () => {
  const root = copyFormatsRoot();
  await alterRows(root, N24, (rows) => {
    rows[0].tgt_text = [];
    rows[0].tgt_img_path = [];
    return rows;
  });
  const err = await strictError(root, 'N24News');
  assert.equal(err.location.row, 0);
  assert.match(err.message, /tgt_text|candidate/);
});

test('duplicate query ids are refused where the format says ids are unique (BEIR queries)', async () => {
  const root = copyFormatsRoot();
  await alterRows(root, [...TATDQA, 'queries'], (rows) => [...rows, { ...rows[0], query: 'the same id again' }]);
  const err = await strictError(root, 'ViDoRe_tatdqa');
  assert.match(err.message, /query id '7' appears twice/);
});

test('qrels naming a document the corpus does not have are refused', async () => {
  const root = copyFormatsRoot();
  await alterRows(root, [...TATDQA, 'qrels'], (rows) => [...rows, { 'query-id': rows[0]['query-id'], 'corpus-id': 999999, score: 1 }]);
  const err = await strictError(root, 'ViDoRe_tatdqa');
  // the visdoc adapters turn a qrel into its page image: the unknown document is named as a missing page
  assert.match(err.message, /999999/);
  assert.ok((await problemsOf(root, 'ViDoRe_tatdqa')).some((p) => /999999/.test(p)));
});

test('an empty frame folder is named, in runs and in validate', async () => {
  const root = copyFormatsRoot();
  const frames = join(root, 'video-tasks', 'frames', 'video_cls', 'HMDB51');
  const folder = join(frames, readdirSync(frames).sort()[1]);
  for (const f of readdirSync(folder)) rmSync(join(folder, f));
  const err = await strictError(root, 'HMDB51');
  assert.match(err.message, /frame folder video-tasks\/frames\/video_cls\/HMDB51\/.+ has no \.jpg\/\.jpeg\/\.png frames/);
  assert.ok((await problemsOf(root, 'HMDB51')).some((p) => /has no \.jpg/.test(p)));
});

test('zero-byte and corrupt images stop the run before any model call, naming the file (exit 2)', () => {
  for (const [what, bytes, want] of [
    ['zero-byte', new Uint8Array(0), /image file is empty \(0 bytes\)/],
    ['corrupt', new TextEncoder().encode('this is not a JPEG at all'), /not an image .*corrupt/],
  ] as const) {
    const root = copyFormatsRoot();
    const images = join(root, 'image-tasks', 'N24News', 'Test');
    const victim = readdirSync(images).sort()[0];
    writeFileSync(join(images, victim), bytes);
    const out = join(tempDir(), 'o');
    const r = runCli(['run', '--tasks', 'N24News', '--data-root', root, '--no-cache', '--out', out]);
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`task N24News, image-tasks/N24News/Test/${victim}: `));
    assert.match(r.stderr, want);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('rank refuses non-finite values, empty matrices and repeated ids in its inputs', () => {
  const dir = tempDir();
  const npy = (name: string, rows: number, cols: number, values: number[]) => {
    const f = join(dir, name);
    writeFileSync(f, npyBytes({ rows, cols, data: Float32Array.from(values) }));
    return f;
  };
  const q = npy('q.npy', 2, 2, [1, 0, 0, 1]);
  const c = npy('c.npy', 3, 2, [1, 0, 0, 1, 0.5, 0.5]);
  const nan = npy('nan.npy', 3, 2, [1, 0, NaN, 1, 0.5, 0.5]);
  const empty = npy('empty.npy', 0, 2, []);
  const ids = join(dir, 'ids.txt');
  writeFileSync(ids, 'd1\nd2\nd1\n');
  const cases: [string[], RegExp][] = [
    [['--queries', q, '--candidates', nan], /nan\.npy: non-finite value NaN at row 1, column 0/],
    [['--queries', empty, '--candidates', c], /empty\.npy: empty matrix \(shape 0 x 2\)/],
    [['--queries', q, '--candidates', c, '--candidate-ids', ids], /ids\.txt, line 3: id 'd1' appears twice \(lines 1 and 3\)/],
  ];
  for (const [args, want] of cases) {
    const r = runCli(['rank', ...args, '--k', '2']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, want);
  }
  const ok = runCli(['rank', '--queries', q, '--candidates', c, '--k', '2']);
  assert.equal(ok.status, 0, ok.stderr);
});
