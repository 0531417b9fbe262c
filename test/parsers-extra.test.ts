/**
 * Parser families the shared format fixtures do not cover, built here in the real formats (parquet
 * written like the Hub's, frame folders on disk) and checked against the exact strings and ids of
 * VLM2Vec's construction rules (mmeb-v2.md §8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { validateTasks } from '../src/datasets/validate.js';
import { flattenMedia } from '../src/items/types.js';
import { DataError } from '../src/errors.js';
import { MMEB_IMAGE_COLUMNS, NEXTQA_COLUMNS, writeHfParquet } from '../scripts/lib/hf-parquet.js';
import { tempDir } from './helpers.js';

function root(): string {
  return tempDir('tte-parsers-');
}
function touch(dir: string, rel: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), 'x');
}
function frames(dir: string, rel: string, n: number): void {
  for (let i = 0; i < n; i++) touch(dir, `${rel}/${String(i).padStart(4, '0')}.jpeg`);
}
function imageRows(dir: string, config: string, rows: Record<string, unknown>[]): void {
  writeHfParquet(join(dir, 'hf/ziyjiang/MMEB_Test_Instruct', config, 'test-00000-of-00001.parquet'), MMEB_IMAGE_COLUMNS, rows);
  for (const r of rows) {
    if (r.qry_img_path) touch(dir, `image-tasks/${r.qry_img_path}`);
    for (const p of r.tgt_img_path as string[]) if (p) touch(dir, `image-tasks/${p}`);
  }
}

test('image_qa: "\\n" + inst.strip(), trailing space of the question kept, inner " \\n" collapsed', async () => {
  const dir = root();
  imageRows(dir, 'OK-VQA', [
    {
      qry_inst: '<|image_1|> Represent the given image with the following question: ',
      qry_text: 'What is this? ',
      qry_img_path: 'OK-VQA/a.jpg',
      tgt_inst: '',
      tgt_text: ['cat', 'dog', 'cat'],
      tgt_img_path: ['', '', ''],
    },
    {
      qry_inst: '<|image_1|>\nRepresent the given image with the following question:',
      qry_text: 'Line one \nline two',
      qry_img_path: 'OK-VQA/b.jpg',
      tgt_inst: '',
      tgt_text: ['x'],
      tgt_img_path: [''],
    },
  ]);
  const { evalSet } = await loadEvalSet(getTask('OK-VQA'), { dataRoot: dir });
  assert.equal(evalSet.queries[0].text, '<|image_pad|>\nRepresent the given image with the following question: What is this? \n');
  assert.equal(evalSet.queries[1].text, '<|image_pad|>\nRepresent the given image with the following question: Line one\nline two\n');
  assert.deepEqual(evalSet.queries[0].candidateIds, ['cat', 'dog', 'cat'], 'local lists keep duplicates');
  assert.deepEqual(evalSet.queries[0].gold, ['cat']);
  assert.deepEqual(flattenMedia(evalSet.queries[0].media), ['image-tasks/OK-VQA/a.jpg']);
  assert.deepEqual(
    evalSet.candidates.map((c) => c.id),
    ['cat', 'dog', 'x'],
  );
});

test('image_i2t: image query, raw caption candidates', async () => {
  const dir = root();
  imageRows(dir, 'MSCOCO_i2t', [
    {
      qry_inst: '<|image_1|>\nFind an image caption describing the given everyday image.',
      qry_text: '',
      qry_img_path: 'MSCOCO_i2t/x.jpg',
      tgt_inst: '',
      tgt_text: ['a dog on a couch', 'two cats'],
      tgt_img_path: ['', ''],
    },
  ]);
  const { evalSet } = await loadEvalSet(getTask('MSCOCO_i2t'), { dataRoot: dir });
  assert.equal(evalSet.queries[0].text, '<|image_pad|>\nFind an image caption describing the given everyday image.\n');
  assert.deepEqual(
    evalSet.candidates.map((c) => c.text),
    ['a dog on a couch', 'two cats'],
  );
});

test('image_t2i with captions (WebQA-style): per-caption target text with trailing "\\n"', async () => {
  const dir = root();
  imageRows(dir, 'WebQA', [
    {
      qry_inst: 'Find a Wikipedia image that answers this question:',
      qry_text: 'What colour is the bridge?',
      qry_img_path: '',
      tgt_inst: '<|image_1|>\nRepresent the given Wikipedia image with related text information:',
      tgt_text: ['Golden Gate Bridge', 'Tower Bridge'],
      tgt_img_path: ['WebQA/1.jpg', 'WebQA/2.jpg'],
    },
  ]);
  const { evalSet } = await loadEvalSet(getTask('WebQA'), { dataRoot: dir });
  assert.equal(evalSet.queries[0].text, 'Find a Wikipedia image that answers this question: What colour is the bridge?\n');
  assert.deepEqual(evalSet.queries[0].media, []);
  assert.deepEqual(
    evalSet.candidates.map((c) => [c.id, c.text]),
    [
      ['WebQA/1.jpg', '<|image_pad|>\nRepresent the given Wikipedia image with related text information: Golden Gate Bridge\n'],
      ['WebQA/2.jpg', '<|image_pad|>\nRepresent the given Wikipedia image with related text information: Tower Bridge\n'],
    ],
  );
});

test('image_i2i_vg with captions (RefCOCO-Matching): ids "path:caption" with quotes stripped, texts keep them', async () => {
  const dir = root();
  imageRows(dir, 'RefCOCO-Matching', [
    {
      qry_inst: '<|image_1|>\nSelect the portion of the image that follows the language expressions:',
      qry_text: '"man in red"',
      qry_img_path: 'RefCOCO-Matching/q.jpg',
      tgt_inst: '<|image_1|>\nSelect the portion of the image that follows the language expressions:',
      tgt_text: ['"man in red"', '"woman on left"'],
      tgt_img_path: ['RefCOCO-Matching/same.jpg', 'RefCOCO-Matching/same.jpg'],
    },
  ]);
  const { evalSet } = await loadEvalSet(getTask('RefCOCO-Matching'), { dataRoot: dir });
  assert.deepEqual(evalSet.queries[0].candidateIds, ['RefCOCO-Matching/same.jpg:man in red', 'RefCOCO-Matching/same.jpg:woman on left']);
  assert.equal(
    evalSet.candidates[0].text,
    '<|image_pad|>\nSelect the portion of the image that follows the language expressions: "man in red"\n',
  );
  assert.equal(
    evalSet.queries[0].text,
    '<|image_pad|>\nSelect the portion of the image that follows the language expressions: "man in red"\n',
  );
});

test('ssv2: local over neg_text, first 1000 rows only, frames of <frame_root>/<video_id>', async () => {
  const dir = root();
  const rows = Array.from({ length: 1002 }, (_, i) => ({
    video_id: 100 + i,
    pos_text: 'Holding something',
    neg_text: ['Holding something', 'Opening something'],
  }));
  writeHfParquet(
    join(dir, 'hf/VLM2Vec/SmthSmthV2/data/test-00000-of-00001.parquet'),
    [
      { name: 'video_id', type: 'int64' },
      { name: 'pos_text', type: 'string' },
      { name: 'neg_text', type: 'string[]' },
    ],
    rows,
  );
  for (let i = 0; i < 1002; i++) frames(dir, `video-tasks/frames/video_cls/SSv2/${100 + i}`, 2);
  const { evalSet } = await loadEvalSet(getTask('SmthSmthV2'), { dataRoot: dir });
  assert.equal(evalSet.queries.length, 1000);
  assert.equal(
    evalSet.queries[0].text,
    '<|video_pad|> What actions or object interactions are being performed by the person in the video?',
  );
  assert.deepEqual(evalSet.queries[0].candidateIds, ['Holding something', 'Opening something']);
  assert.deepEqual(flattenMedia(evalSet.queries[0].media), [
    'video-tasks/frames/video_cls/SSv2/100/0000.jpeg',
    'video-tasks/frames/video_cls/SSv2/100/0001.jpeg',
  ]);
});

test('msrvtt: caption query, global pool of videos with 8 sampled frames', async () => {
  const dir = root();
  writeHfParquet(
    join(dir, 'hf/VLM2Vec/MSR-VTT/test_1k/test-00000-of-00001.parquet'),
    [
      { name: 'video_id', type: 'string' },
      { name: 'video', type: 'string' },
      { name: 'caption', type: 'string' },
    ],
    [
      { video_id: 'video7020', video: 'video7020.mp4', caption: 'a woman creating a fondant baby  ' },
      { video_id: 'video7021', video: 'video7021.mp4', caption: 'a man is singing' },
    ],
  );
  frames(dir, 'video-tasks/frames/video_ret/MSR-VTT/video7020', 20);
  frames(dir, 'video-tasks/frames/video_ret/MSR-VTT/video7021', 8);
  writeFileSync(
    join(dir, 'hf/VLM2Vec/MSR-VTT/README.md'),
    '---\nconfigs:\n- config_name: test_1k\n  data_files:\n  - split: test\n    path: test_1k/test-*\n---\n',
  );
  const { evalSet } = await loadEvalSet(getTask('MSR-VTT'), { dataRoot: dir });
  assert.equal(evalSet.queries[0].text, 'Find a video that contains the following visual content: a woman creating a fondant baby  ');
  assert.equal(evalSet.queries[0].candidateIds, null);
  assert.deepEqual(
    evalSet.candidates.map((c) => c.id),
    ['video7020', 'video7021'],
  );
  assert.equal(evalSet.candidates[0].text, '<|video_pad|> Understand the content of the provided video.');
  assert.deepEqual(
    flattenMedia(evalSet.candidates[0].media).map((p) => p.slice(-9)),
    ['0000.jpeg', '0002.jpeg', '0005.jpeg', '0008.jpeg', '0010.jpeg', '0013.jpeg', '0016.jpeg', '0019.jpeg'],
  );
});

test('videomme: options joined by "\\n", ids are full options, texts sliced after ". "', async () => {
  const dir = root();
  writeHfParquet(
    join(dir, 'hf/VLM2Vec/Video-MME/data/test-00000-of-00001.parquet'),
    [
      { name: 'question', type: 'string' },
      { name: 'videoID', type: 'string' },
      { name: 'options', type: 'string[]' },
      { name: 'answer', type: 'string' },
    ],
    [
      {
        question: 'How many people appear?',
        videoID: 'fFjv93ACGo8',
        options: ['A. One.', 'B. Two.', 'C. Three.', 'D. Four.'],
        answer: 'C',
      },
    ],
  );
  frames(dir, 'video-tasks/frames/video_qa/Video-MME/fFjv93ACGo8', 3);
  const { evalSet } = await loadEvalSet(getTask('Video-MME'), { dataRoot: dir });
  assert.equal(
    evalSet.queries[0].text,
    '<|video_pad|> Given a video and a question, select the most accurate answer from the provided candidates. Return only the exact text of your chosen answer. Question:  How many people appear?\nA. One.\nB. Two.\nC. Three.\nD. Four.',
  );
  assert.deepEqual(evalSet.queries[0].gold, ['C. Three.']);
  assert.deepEqual(
    evalSet.candidates.map((c) => c.text),
    ['One', 'Two', 'Three', 'Four'],
  );
});

test('nextqa: qa_template options in the query, raw option strings as candidates, int answer', async () => {
  const dir = root();
  writeHfParquet(join(dir, 'hf/VLM2Vec/NExTQA/MC/test-00000-of-00001.parquet'), NEXTQA_COLUMNS, [
    {
      video: 2925959064,
      question: 'where is this place',
      answer: 1,
      qid: 1,
      type: 'DL',
      a0: 'mall',
      a1: 'river ',
      a2: 'swimming pool',
      a3: 'living room',
      a4: 'mountain',
    },
  ]);
  frames(dir, 'video-tasks/frames/video_qa/NExTQA/2925959064', 9);
  const { evalSet } = await loadEvalSet(getTask('NExTQA'), { dataRoot: dir });
  assert.equal(
    evalSet.queries[0].text,
    '<|video_pad|> Given a video and a question, select the most accurate answer from the provided candidates. Return only the exact text of your chosen answer. Question:  where is this place\nOptions:\n(A) mall\n(B) river \n(C) swimming pool\n(D) living room\n(E) mountain',
  );
  assert.deepEqual(evalSet.queries[0].candidateIds, ['mall', 'river ', 'swimming pool', 'living room', 'mountain']);
  assert.deepEqual(evalSet.queries[0].gold, ['river ']);
});

test('English-only ViDoRe-V2 variant filters on language; the multilingual task does not', async () => {
  const dir = root();
  const repo = join(dir, 'hf/vidore/biomedical_lectures_v2');
  writeHfParquet(
    join(repo, 'queries/test-00000-of-00001.parquet'),
    [
      { name: 'query-id', type: 'int64' },
      { name: 'query', type: 'string' },
      { name: 'language', type: 'string' },
    ],
    [
      { 'query-id': 0, query: 'q en', language: 'english' },
      { 'query-id': 1, query: 'q fr', language: 'french' },
    ],
  );
  writeHfParquet(
    join(repo, 'corpus/test-00000-of-00001.parquet'),
    [
      { name: 'corpus-id', type: 'int64' },
      { name: 'image', type: 'image' },
    ],
    [{ 'corpus-id': 5, image: { bytes: new Uint8Array([1, 2]), path: null } }],
  );
  writeHfParquet(
    join(repo, 'qrels/test-00000-of-00001.parquet'),
    [
      { name: 'query-id', type: 'int64' },
      { name: 'corpus-id', type: 'int64' },
      { name: 'score', type: 'int64' },
    ],
    [
      { 'query-id': 0, 'corpus-id': 5, score: 1 },
      { 'query-id': 1, 'corpus-id': 5, score: 1 },
    ],
  );
  const en = await loadEvalSet(getTask('ViDoRe_biomedical_lectures_v2'), { dataRoot: dir });
  const all = await loadEvalSet(getTask('ViDoRe_biomedical_lectures_v2_multilingual'), { dataRoot: dir });
  assert.deepEqual(
    en.evalSet.queries.map((q) => q.id),
    ['0'],
  );
  assert.deepEqual(
    all.evalSet.queries.map((q) => q.id),
    ['0', '1'],
  );
  // the page exists only in the corpus parquet: it counts as present, with its bytes kept
  assert.ok(en.evalSet.inlineMedia.has('visdoc-tasks/biomedical_lectures_v2/5.png'));
});

test('a malformed row names task, file, row and field', async () => {
  const dir = root();
  imageRows(dir, 'N24News', [
    { qry_inst: '<|image_1|>\nRepresent', qry_text: 'x', qry_img_path: 'N24News/a.jpg', tgt_inst: '', tgt_text: [], tgt_img_path: [] },
  ]);
  await assert.rejects(loadEvalSet(getTask('N24News'), { dataRoot: dir }), (e: unknown) => {
    const m = (e as Error).message;
    return (
      e instanceof DataError &&
      m.includes('task N24News') &&
      m.includes('test-00000-of-00001.parquet') &&
      m.includes('row 0') &&
      m.includes("field 'tgt_text'")
    );
  });
});

test('validate lists every missing image and empty frame folder at once', async () => {
  const dir = root();
  writeHfParquet(join(dir, 'hf/ziyjiang/MMEB_Test_Instruct/N24News/test-00000-of-00001.parquet'), MMEB_IMAGE_COLUMNS, [
    { qry_inst: 'i', qry_text: 'a', qry_img_path: 'N24News/missing1.jpg', tgt_inst: '', tgt_text: ['x'], tgt_img_path: [''] },
    { qry_inst: 'i', qry_text: 'b', qry_img_path: 'N24News/missing2.jpg', tgt_inst: '', tgt_text: ['y'], tgt_img_path: [''] },
  ]);
  writeHfParquet(
    join(dir, 'hf/VLM2Vec/HMDB51/data/test-00000-of-00001.parquet'),
    [
      { name: 'video_id', type: 'string' },
      { name: 'pos_text', type: 'string' },
    ],
    [{ video_id: 'v1', pos_text: 'run' }],
  );
  mkdirSync(join(dir, 'video-tasks/frames/video_cls/HMDB51/v1'), { recursive: true });
  const report = await validateTasks([getTask('N24News'), getTask('HMDB51')], { dataRoot: dir, version: 'v2.1' });
  assert.deepEqual(
    report.map((r) => r.ok),
    [false, false],
  );
  assert.equal(report[0].problems.length, 2);
  assert.match(report[0].problems[1].message, /missing image image-tasks\/N24News\/missing2\.jpg/);
  assert.equal(report[0].problems[1].location.row, 1);
  assert.match(report[1].problems[0].message, /has no \.jpg\/\.jpeg\/\.png frames/);
});
