import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../src/errors.js';
import { DataRoot } from '../src/items/data-root.js';
import { linspaceIndices, listFrameFiles, naturalCompare, sampleFrames } from '../src/items/frames.js';
import { pySliceFromFind, pySplitext, pyStrip } from '../src/util/pytext.js';
import { globToRegExp } from '../src/datasets/readers/hf-snapshot.js';
import { visragPageFile } from '../src/datasets/visrag.js';
import { optionText, qaTemplate } from '../src/datasets/video_qa.js';
import { tempDir } from './helpers.js';

test('frames: natural order with lower-cased text parts, image extensions only', () => {
  const dir = tempDir();
  for (const f of ['frame_10.jpg', 'frame_2.jpg', 'FRAME_5.JPG', 'Frame_3.png', 'frame_1.jpeg', 'Thumbs.db', 'notes.txt'])
    writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'sub.jpg'));
  assert.deepEqual(listFrameFiles(dir), ['frame_1.jpeg', 'frame_2.jpg', 'Frame_3.png', 'FRAME_5.JPG', 'frame_10.jpg']);
  assert.ok(naturalCompare('a9', 'a10') < 0);
  assert.deepEqual(listFrameFiles(join(dir, 'missing')), []);
});

test('frames: np.linspace(0, n-1, 8, dtype=int) sampling, all frames when fewer than 8', () => {
  assert.deepEqual(linspaceIndices(11, 8), [0, 1, 2, 4, 5, 7, 8, 10]);
  assert.deepEqual(linspaceIndices(8, 8), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(linspaceIndices(64, 8), [0, 9, 18, 27, 36, 45, 54, 63]);
  assert.deepEqual(sampleFrames(['a', 'b', 'c'], 8), ['a', 'b', 'c']);
});

test('Python string semantics used by the parsers', () => {
  assert.equal(pyStrip('\x1c hi \x85'), 'hi');
  assert.equal(pyStrip('"quoted"', '"'), 'quoted');
  assert.equal(pyStrip('. A. c is cooking. ', '. '), 'A. c is cooking');
  assert.equal(optionText('A. c is cooking.'), 'c is cooking');
  // str.find() returns -1 when absent, so o[-1:] keeps only the last character
  assert.equal(pySliceFromFind('no separator', '. '), 'r');
  assert.deepEqual(pySplitext('videos/a.b.avi.mp4'), ['videos/a.b.avi', '.mp4']);
  assert.deepEqual(pySplitext('.hidden'), ['.hidden', '']);
  assert.deepEqual(pySplitext('dir.x/file'), ['dir.x/file', '']);
});

test('qa_template: lettered options, right-stripped, gold from the last equal option', () => {
  const t = qaTemplate('Q?', ['x', 'y', 'x'], 'x');
  assert.equal(t.text, 'Q?\nOptions:\n(A) x\n(B) y\n(C) x');
  assert.deepEqual(t.options, ['(A) x', '(B) y', '(C) x']);
  assert.equal(t.label, '(C) x');
  assert.equal(qaTemplate('Q', ['a'], 'zzz').label, '(@) zzz');
});

test('VisRAG page names: base[:50] + "_" + md5(id)[:8] + ext, by code point', () => {
  assert.equal(
    visragPageFile('digital-marketing-trends-2016-160107193048_7.jpg'),
    'digital-marketing-trends-2016-160107193048_7_fb2d1dd9.jpg',
  );
  const long = 'x'.repeat(60) + '.png';
  assert.match(visragPageFile(long), /^x{50}_[0-9a-f]{8}\.png$/);
});

test('data_files globs match as the datasets library does', () => {
  assert.ok(globToRegExp('CIRR/test-*').test('CIRR/test-00000-of-00001.parquet'));
  assert.ok(!globToRegExp('CIRR/test-*').test('CIRR/sub/test-0.parquet'));
  assert.ok(globToRegExp('data/**/*.parquet').test('data/a/b/c.parquet'));
});

test('media paths may not leave the data root', () => {
  const dir = tempDir();
  const outside = tempDir();
  writeFileSync(join(outside, 'secret.jpg'), 'x');
  mkdirSync(join(dir, 'image-tasks'));
  symlinkSync(join(outside, 'secret.jpg'), join(dir, 'image-tasks', 'link.jpg'));
  const root = new DataRoot(dir);
  assert.throws(
    () => root.rel(['image-tasks', '../../etc/passwd'], { row: 3 }),
    (e: unknown) => e instanceof DataError && /leaves the data root/.test((e as Error).message) && /row 3/.test((e as Error).message),
  );
  assert.throws(() => root.rel(['image-tasks', '/etc/passwd']), /absolute media path/);
  assert.throws(() => root.exists('image-tasks/link.jpg'), /outside the data root/);
  assert.equal(root.rel(['image-tasks/', './a//b.jpg']), 'image-tasks/a/b.jpg');
});
