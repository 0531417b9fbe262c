/**
 * Rows in the real formats that the shared format fixtures do not contain, each checked against what
 * VLM2Vec's own parser code (src/data/eval_dataset/*.py at 6e1e1d4) builds from it — or, where VLM2Vec
 * cannot build the row at all, against a clear DataError naming file, row and field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { extractionRule, opencvFrameIndices } from '../src/datasets/extract.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { listFrameFiles, naturalCompare } from '../src/items/frames.js';
import { MVBENCH_SUBSETS } from '../src/datasets/video_qa.js';
import { extractTaskFrames } from '../src/engine/extract-frames.js';
import { flattenMedia } from '../src/items/types.js';
import { DataError } from '../src/errors.js';
import { type ColumnSpec, MMEB_IMAGE_COLUMNS, writeHfParquet } from '../scripts/lib/hf-parquet.js';
import { FIXTURES, tempDir } from './helpers.js';

/** The columns of DiDeMo's Hub split: a video path and its caption. */
const DIDEMO_COLUMNS: ColumnSpec[] = [
  { name: 'video', type: 'string' },
  { name: 'caption', type: 'string' },
];

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

function touch(dir: string, rel: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), 'x');
}
export function frames(dir: string, rel: string, n: number): void {
  for (let i = 0; i < n; i++) touch(dir, `${rel}/${String(i).padStart(4, '0')}.jpeg`);
}
function imageRows(dir: string, config: string, rows: Record<string, unknown>[]): void {
  writeHfParquet(join(dir, 'hf/ziyjiang/MMEB_Test_Instruct', config, 'test-00000-of-00001.parquet'), MMEB_IMAGE_COLUMNS, rows);
  for (const r of rows) {
    if (r.qry_img_path) touch(dir, `image-tasks/${r.qry_img_path}`);
    for (const p of (r.tgt_img_path as string[] | null) ?? []) if (p) touch(dir, `image-tasks/${p}`);
  }
}
/** A DataError naming the task, the parquet file, the row and the field. */
function namesRowAndField(task: string, row: number, field: string, message?: RegExp) {
  return (e: unknown): boolean => {
    const m = (e as Error).message;
    return (
      e instanceof DataError &&
      m.includes(`task ${task}`) &&
      m.includes('.parquet') &&
      m.includes(`row ${row}`) &&
      m.includes(`field '${field}'`) &&
      (message === undefined || message.test(m))
    );
  };
}

test('image_cls / image_qa / image_i2i_vg: an empty qry_img_path is an error, not a query with an image token and no image', async () => {
  // VLM2Vec joins image_root with "" and fails when it opens the folder as an image; tte-bench built a
  // query whose text says <|image_pad|> but which carried no image at all.
  for (const [task, tgt] of [
    ['N24News', ['Sports', 'Arts']],
    ['OK-VQA', ['cat', 'dog']],
    ['CIRR', ['', '']],
  ] as const) {
    const dir = tempDir('tte-audit-');
    imageRows(dir, task, [
      {
        qry_inst: '<|image_1|>\nRepresent the given image',
        qry_text: 'x',
        qry_img_path: `${task}/ok.jpg`,
        tgt_inst: '<|image_1|>\nRepresent the given image.',
        tgt_text: [...tgt],
        tgt_img_path: task === 'CIRR' ? ['CIRR/a.png', 'CIRR/b.png'] : ['', ''],
      },
      {
        qry_inst: '<|image_1|>\nRepresent the given image',
        qry_text: 'y',
        qry_img_path: '',
        tgt_inst: '<|image_1|>\nRepresent the given image.',
        tgt_text: [...tgt],
        tgt_img_path: task === 'CIRR' ? ['CIRR/a.png', 'CIRR/b.png'] : ['', ''],
      },
    ]);
    await assert.rejects(loadEvalSet(getTask(task), { dataRoot: dir }), namesRowAndField(task, 1, 'qry_img_path', /empty image path/));
  }
});

test('an image path naming a folder is not an image (t2i candidate with an empty tgt_img_path, query path of a folder)', async () => {
  const dir = tempDir('tte-audit-');
  imageRows(dir, 'MSCOCO_t2i', [
    {
      qry_inst: 'Find me an everyday image that matches the given caption:',
      qry_text: 'a dog',
      qry_img_path: '',
      tgt_inst: '<|image_1|>\nRepresent the given image.',
      tgt_text: ['', ''],
      tgt_img_path: ['MSCOCO_t2i/a.jpg', ''],
    },
  ]);
  await assert.rejects(loadEvalSet(getTask('MSCOCO_t2i'), { dataRoot: dir }), namesRowAndField('MSCOCO_t2i', 0, 'tgt_img_path', /folder/));

  const dir2 = tempDir('tte-audit-');
  imageRows(dir2, 'N24News', [
    { qry_inst: '<|image_1|>\nRepresent', qry_text: 'x', qry_img_path: 'N24News/sub', tgt_inst: '', tgt_text: ['a'], tgt_img_path: [''] },
  ]);
  rmSync(join(dir2, 'image-tasks/N24News/sub'));
  mkdirSync(join(dir2, 'image-tasks/N24News/sub/deeper'), { recursive: true });
  await assert.rejects(loadEvalSet(getTask('N24News'), { dataRoot: dir2 }), namesRowAndField('N24News', 0, 'qry_img_path', /folder/));
});

test('a null qry_text is no text for the process_input_text parsers (Python: `if text:`), and an error for image_t2i', async () => {
  const dir = tempDir('tte-audit-');
  imageRows(dir, 'ImageNet-1K', [
    {
      qry_inst: '<|image_1|>\nRepresent the given image for classification',
      qry_text: null,
      qry_img_path: 'ImageNet-1K/a.jpg',
      tgt_inst: null,
      tgt_text: ['tench', 'goldfish'],
      tgt_img_path: null,
    },
  ]);
  const { evalSet } = await loadEvalSet(getTask('ImageNet-1K'), { dataRoot: dir });
  // the same string as qry_text "" (doc §4: "<|image_pad|>\nRepresent the given image for classification\n")
  assert.equal(evalSet.queries[0].text, '<|image_pad|>\nRepresent the given image for classification\n');
  assert.deepEqual(flattenMedia(evalSet.queries[0].media), ['image-tasks/ImageNet-1K/a.jpg']);
  assert.deepEqual(evalSet.queries[0].candidateIds, ['tench', 'goldfish']);

  const qa = tempDir('tte-audit-');
  imageRows(qa, 'RefCOCO', [
    {
      qry_inst: '<|image_1|>\nSelect the portion of the image that isolates the object of the given label: ',
      qry_text: null,
      qry_img_path: 'RefCOCO/q.jpg',
      tgt_inst: '<|image_1|>\nRepresent the given cropped image of the object',
      tgt_text: ['', ''],
      tgt_img_path: ['RefCOCO/a.jpg', 'RefCOCO/b.jpg'],
    },
  ]);
  const refcoco = await loadEvalSet(getTask('RefCOCO'), { dataRoot: qa });
  assert.equal(
    refcoco.evalSet.queries[0].text,
    '<|image_pad|>\nSelect the portion of the image that isolates the object of the given label:\n',
  );

  // image_t2i concatenates qry_inst + ' ' + qry_text itself: None there is a TypeError in VLM2Vec
  const t2i = tempDir('tte-audit-');
  imageRows(t2i, 'VisualNews_t2i', [
    {
      qry_inst: 'Retrieve an image of this news caption.',
      qry_text: null,
      qry_img_path: '',
      tgt_inst: '<|image_1|>\nRepresent the given image.',
      tgt_text: [''],
      tgt_img_path: ['VisualNews_t2i/a.jpg'],
    },
  ]);
  await assert.rejects(loadEvalSet(getTask('VisualNews_t2i'), { dataRoot: t2i }), namesRowAndField('VisualNews_t2i', 0, 'qry_text'));
});

test("text→video retrieval: a candidate video with fewer than 8 frames is an error under VLM2Vec's rules", async () => {
  // msrvtt/msvd/didemo/youcook2/vatex build ImageVideoInstance(bytes=[None] * num_frames, paths=...) and
  // assert the lengths agree, so VLM2Vec cannot build such a candidate; tte-bench used the 5 frames it found.
  const dir = tempDir('tte-audit-');
  writeHfParquet(join(dir, 'hf/VLM2Vec/DiDeMo/data/test-00000-of-00001.parquet'), DIDEMO_COLUMNS, [
    { video: 'videos/a.mp4', caption: 'one' },
    { video: 'videos/b.mp4', caption: 'two' },
  ]);
  frames(dir, 'video-tasks/frames/video_ret/DiDeMo/a', 8);
  frames(dir, 'video-tasks/frames/video_ret/DiDeMo/b', 5);
  await assert.rejects(
    loadEvalSet(getTask('DiDeMo'), { dataRoot: dir }),
    namesRowAndField('DiDeMo', 1, 'video', /video-tasks\/frames\/video_ret\/DiDeMo\/b has 5 frames/),
  );
  // an eval profile that samples its own frame count keeps every frame it finds
  const { evalSet } = await loadEvalSet(getTask('DiDeMo'), { dataRoot: dir, profile: 'qwen3-vl-embedding' });
  assert.deepEqual(
    evalSet.candidates.map((c) => flattenMedia(c.media).length),
    [8, 5],
  );
});

test('frame extraction: the video QA parsers take every step-th frame from 0 (their own OpenCV loop), the others save_frames', () => {
  // videomme/nextqa/egoschema/mvbench/activitynetqa: step = max(1, total // 64); frames 0, step, 2·step, …
  assert.deepEqual(opencvFrameIndices(40, 16), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
  assert.deepEqual(opencvFrameIndices(200).slice(0, 4), [0, 3, 6, 9]);
  assert.equal(opencvFrameIndices(200).length, 64);
  assert.deepEqual(opencvFrameIndices(5), [0, 1, 2, 3, 4]);
  assert.equal(extractionRule('nextqa'), 'opencv');
  assert.equal(extractionRule('mvbench'), 'opencv');
  assert.equal(extractionRule('msrvtt'), 'save_frames');
  assert.equal(extractionRule('video_classification'), 'save_frames');
});

test('MVBench: a missing frame folder is extracted from video_root/<subset_meta video_path>/<video>, as VLM2Vec reads it', async () => {
  const dir = tempDir('tte-audit-');
  const cols = [
    { name: 'video', type: 'string' as const },
    { name: 'question', type: 'string' as const },
    { name: 'candidates', type: 'string[]' as const },
    { name: 'answer', type: 'string' as const },
  ];
  for (const subset of MVBENCH_SUBSETS) {
    const video = subset === 'episodic_reasoning' ? 's01e02_seg' : `${subset}.mp4`;
    writeHfParquet(join(dir, 'hf/VLM2Vec/MVBench', subset, 'train-00000-of-00001.parquet'), cols, [
      { video, question: 'What happens?', candidates: ['a', 'b'], answer: 'a' },
    ]);
  }
  const { extractable } = await loadEvalSet(getTask('MVBench'), { dataRoot: dir, collectProblems: true });
  const byDir = new Map(extractable.map((e) => [e.frameDir, e.video]));
  assert.equal(
    byDir.get('video-tasks/frames/video_qa/MVBench/action_antonym/action_antonym.mp4'),
    'video-tasks/videos/video_qa/MVBench/ssv2_video/action_antonym.mp4',
  );
  assert.equal(
    byDir.get('video-tasks/frames/video_qa/MVBench/action_sequence/action_sequence.mp4'),
    'video-tasks/videos/video_qa/MVBench/star/Charades_v1_480/action_sequence.mp4',
  );
  // episodic_reasoning's frames are copied from a folder of frames by VLM2Vec, never extracted from a video
  assert.equal(byDir.has('video-tasks/frames/video_qa/MVBench/episodic_reasoning/s01e02_seg'), false);
  assert.equal(extractable.length, 19);
});

test("extract-frames names and picks a QA task's frames as its OpenCV loop does (0000.jpeg, every step-th frame)", {
  skip: hasFfmpeg ? false : 'ffmpeg/ffprobe not installed',
}, async () => {
  const dir = tempDir('tte-audit-');
  writeHfParquet(
    join(dir, 'hf/VLM2Vec/ActivityNetQA/data/test-00000-of-00001.parquet'),
    [
      { name: 'video_name', type: 'string' },
      { name: 'question', type: 'string' },
      { name: 'answer', type: 'string' },
    ],
    [{ video_name: 'abc', question: 'is it raining', answer: 'no' }],
  );
  mkdirSync(join(dir, 'video-tasks/videos/video_qa/ActivityNetQA'), { recursive: true });
  copyFileSync(join(FIXTURES, 'video', 'example_video.mp4'), join(dir, 'video-tasks/videos/video_qa/ActivityNetQA/v_abc.mp4'));
  const done = [];
  for await (const r of extractTaskFrames(['ActivityNetQA'], { dataRoot: dir, version: 'v2.1', maxFrames: 16 })) done.push(r);
  assert.deepEqual(done, [{ task: 'ActivityNetQA', folders: 1, frames: 16 }]);
  const names = readdirSync(join(dir, 'video-tasks/frames/video_qa/ActivityNetQA/v_abc')).sort();
  assert.deepEqual(names.slice(0, 3), ['0000.jpeg', '0001.jpeg', '0002.jpeg']);
  assert.equal(names.length, 16);
});

test('DiDeMo / YouCook2: the raw video for extraction is video_root/<basename of the path column>, as VLM2Vec joins it', async () => {
  const dir = tempDir('tte-audit-');
  writeHfParquet(join(dir, 'hf/VLM2Vec/DiDeMo/data/test-00000-of-00001.parquet'), DIDEMO_COLUMNS, [
    { video: 'videos/9196@N00_4.avi.mp4', caption: 'a dog runs' },
  ]);
  writeHfParquet(
    join(dir, 'hf/lmms-lab/YouCook2/data/val-00000-of-00001.parquet'),
    [
      { name: 'id', type: 'string' },
      { name: 'video_path', type: 'string' },
      { name: 'sentence', type: 'string' },
    ],
    [{ id: 'xHr8X2Wpmno_0', video_path: 'validation/201/xHr8X2Wpmno.mp4', sentence: 'chop the onion' }],
  );
  const didemo = await loadEvalSet(getTask('DiDeMo'), { dataRoot: dir, collectProblems: true });
  assert.deepEqual(didemo.extractable, [
    { frameDir: 'video-tasks/frames/video_ret/DiDeMo/9196@N00_4.avi', video: 'video-tasks/videos/video_ret/DiDeMo/9196@N00_4.avi.mp4' },
  ]);
  const youcook = await loadEvalSet(getTask('YouCook2'), { dataRoot: dir, collectProblems: true });
  assert.deepEqual(youcook.extractable, [
    { frameDir: 'video-tasks/frames/video_ret/YouCook2/xHr8X2Wpmno_0', video: 'video-tasks/videos/video_ret/YouCook2/xHr8X2Wpmno.mp4' },
  ]);
});

test('frame files: the extension is os.path.splitext\'s (a bare ".jpg" has none), digit runs compare as integers of any length', () => {
  const dir = tempDir('tte-audit-');
  for (const n of ['.jpg', '..png', 'a.JPEG', 'f_99999999999999999.jpg', 'f_100000000000000000.jpg', 'f_100000000000000001.jpg']) {
    touch(dir, n);
  }
  // Python: sorted(key=[int(t) if t.isdigit() else t.lower() ...]); 17- and 18-digit runs are not doubles
  assert.deepEqual(listFrameFiles(dir), ['a.JPEG', 'f_99999999999999999.jpg', 'f_100000000000000000.jpg', 'f_100000000000000001.jpg']);
  assert.ok(naturalCompare('f_100000000000000001', 'f_100000000000000000') > 0);
  assert.equal(naturalCompare('f_007', 'f_7'), 0);
});

test('an image found once is not checked again, but a missing one is reported for every row that names it', async () => {
  const dir = tempDir('tte-audit-');
  const row = (q: string, paths: string[]) => ({
    qry_inst: 'Find me an everyday image that matches the given caption:',
    qry_text: q,
    qry_img_path: '',
    tgt_inst: '<|image_1|>\nRepresent the given image.',
    tgt_text: paths.map(() => ''),
    tgt_img_path: paths,
  });
  imageRows(dir, 'MSCOCO_t2i', [row('a', ['MSCOCO_t2i/1.jpg', 'MSCOCO_t2i/2.jpg']), row('b', ['MSCOCO_t2i/2.jpg', 'MSCOCO_t2i/1.jpg'])]);
  rmSync(join(dir, 'image-tasks/MSCOCO_t2i/2.jpg'));
  const { problems } = await loadEvalSet(getTask('MSCOCO_t2i'), { dataRoot: dir, collectProblems: true });
  assert.deepEqual(
    problems.map((p) => [p.message, p.location.row]),
    [
      ['missing image image-tasks/MSCOCO_t2i/2.jpg', 0],
      ['missing image image-tasks/MSCOCO_t2i/2.jpg', 1],
    ],
  );
});
