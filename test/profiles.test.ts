import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog, scoredTasks } from '../src/catalog/load.js';
import {
  EVAL_PROFILES,
  PROFILES_DIR,
  loadEvalProfile,
  parseEvalProfileName,
  readEvalProfileFile,
  taskProfile,
  type TaskProfile,
} from '../src/catalog/profiles.js';
import { ConfigError } from '../src/errors.js';
import { FIXTURES, tempDir } from './helpers.js';

const QWEN3_FILE = join(PROFILES_DIR, 'qwen3-vl-embedding.json');
const DEFAULT_INSTRUCTION = "Represent the user's input."; // arguments.py:16, qwen3_vl_embedding.py:170
const QA_PROMPT =
  'Given a video and a question, select the most accurate answer from the provided candidates. Return only the exact text of your chosen answer.';

const qwen3 = () => loadEvalProfile('qwen3-vl-embedding');
const tp = (task: string): TaskProfile => {
  const t = taskProfile(qwen3(), task);
  assert.ok(t, `${task} has a profile entry`);
  return t;
};

test('the qwen3-vl-embedding profile validates and every task key is a catalog task; all 78 scored tasks are covered', () => {
  const p = qwen3();
  assert.equal(p.name, 'qwen3-vl-embedding');
  assert.match(p.source, /QwenLM\/Qwen3-VL-Embedding at commit 8ce3aab/);
  const catalog = loadCatalog();
  for (const [name, t] of Object.entries(p.tasks)) {
    assert.ok(catalog.byName.has(name), `${name} is a catalog task`);
    assert.match(t.source, /\.(py|yaml):\d/, `${name} names a source file and line`);
  }
  // Every scored task differs at least in its candidates' instruction (the reference always has a system message).
  assert.deepEqual(
    scoredTasks()
      .filter((t) => !p.tasks[t.name])
      .map((t) => t.name),
    [],
  );
  for (const t of scoredTasks()) assert.equal(p.tasks[t.name].candidateInstruction, DEFAULT_INSTRUCTION, t.name);
});

test('profile-wide pixel and frame limits are the reference embedder constants', () => {
  // qwen3_vl_embedding.py:24-33: IMAGE_FACTOR = 16 * 2; MIN_PIXELS = 4·32·32; MAX_PIXELS = 1800·32·32; FPS = 1;
  // MAX_FRAMES = 64; FRAME_MAX_PIXELS = 768·32·32; MAX_TOTAL_PIXELS = 10 × that; MAX_LENGTH = 8192.
  const d = qwen3().defaults;
  assert.ok(d);
  assert.deepEqual(
    [d.imageFactor, d.minPixels, d.maxPixels, d.fps, d.maxFrames, d.frameMaxPixels, d.totalPixels, d.maxLength, d.defaultInstruction],
    [32, 4096, 1843200, 1, 64, 786432, 7864320, 8192, DEFAULT_INSTRUCTION],
  );
});

test('image tasks: the row instruction is kept (no override), candidates get the default, no frame counts', () => {
  // image_cls_dataset.py:21, image_qa_dataset.py:19, image_t2i_eval.py:21, image_i2i_vg_dataset.py:22 — the
  // instruction is the row's qry_inst without '<|image_1|>', stripped; candidates carry none (t2i :36, i2i_vg :39/:44).
  for (const [task, file] of [
    ['ImageNet-1K', 'image_cls_dataset.py:20'],
    ['OK-VQA', 'image_qa_dataset.py:19'],
    ['WebQA', 'image_t2i_eval.py:21'],
    ['RefCOCO-Matching', 'image_i2i_vg_dataset.py:22'],
  ] as const) {
    const t = tp(task);
    assert.equal(t.queryInstruction, undefined, task);
    assert.equal(t.numFrames, undefined, task);
    assert.ok(t.source.includes(file), `${task} cites ${file}`);
  }
});

test('video tasks: hand-checked instructions and frame counts with their source lines', () => {
  // video_classification_utils.py:20 and video.yaml:17 (num_frames: 64).
  assert.deepEqual(
    [tp('HMDB51').queryInstruction, tp('HMDB51').numFrames],
    ['What actions or objects interactions are the person in the video doing?', 64],
  );
  // video_classification_utils.py:21 — raw, trailing space included (the embedder strips it).
  assert.equal(tp('Breakfast').queryInstruction, 'Recognize the breakfast type that the person is cooking in the video. ');
  // msrvtt_dataset.py:14 and video.yaml:54; the candidate video has no instruction (:45 commented out).
  assert.deepEqual(
    [tp('MSR-VTT').queryInstruction, tp('MSR-VTT').candidateInstruction, tp('MSR-VTT').numFrames],
    ['Find a video that contains the following visual content.', DEFAULT_INSTRUCTION, 64],
  );
  // moment_retrieval_datasets.py:10; video.yaml:102-103 (num_video_frames: 64, num_clip_frames: 8).
  const qvh = tp('QVHighlight');
  assert.deepEqual(
    [qvh.queryInstruction, qvh.numFrames, qvh.candidateNumFrames],
    ['Find the clip that corresponds to the described scene in the given video.', 64, 8],
  );
  // momentseeker_dataset.py:10-12.
  assert.deepEqual(tp('MomentSeeker').queryInstructions, {
    textQuery: 'Find the clip that corresponds to the given text.',
    imageQuery: 'Select the video clip that aligns with the given text and image.',
    videoQuery: 'Find the clip that corresponds to the given sentence and video segment.',
  });
  // videomme_dataset.py:10 (no trailing ' Question: '); video.yaml:142.
  assert.deepEqual([tp('Video-MME').queryInstruction, tp('Video-MME').numFrames], [QA_PROMPT, 64]);
  for (const t of scoredTasks().filter((s) => s.modality === 'video')) assert.equal(tp(t.name).numFrames, 64, t.name);
});

test('visdoc tasks: the query instruction agrees with the reference export of real ViDoRe queries', () => {
  // vidore_dataset.py:14 and visrag_dataset.py:9.
  const doc = 'Find a document image that matches the given query.';
  assert.equal(tp('ViDoRe_arxivqa').queryInstruction, doc);
  assert.equal(tp('VisRAG_ArxivQA').queryInstruction, doc);
  assert.equal(tp('MMLongBench-doc').candidateInstruction, DEFAULT_INSTRUCTION);
  // The reference's own export of two arxivqa queries carries the instruction once per query.
  const arrow = readFileSync(join(FIXTURES, 'qwen3-vl-embedding', 'arxivqa-queries.arrow')).toString('utf8');
  assert.equal(arrow.split(tp('ViDoRe_arxivqa').queryInstruction!).length - 1, 2);
});

test("the profile's instructions relate to the catalog's (VLM2Vec) ones exactly as the two sources differ", () => {
  const catalog = loadCatalog();
  const p = qwen3();
  for (const t of scoredTasks()) {
    const q = p.tasks[t.name].queryInstruction;
    const vlm = t.instructions?.query;
    if (t.meta === 'V-CLS')
      assert.equal(q, vlm, t.name); // same strings, no ':' to rewrite
    else if (t.meta === 'V-QA')
      assert.equal(q + ' Question: ', vlm, t.name); // VLM2Vec appends ' Question: '
    else if (t.meta === 'V-RET' || t.modality === 'visdoc' || t.name === 'QVHighlight' || t.name === 'Charades-STA') {
      assert.equal(q, vlm!.replace(/:$/, '.'), t.name); // VLM2Vec's final ':' written as '.'
    }
  }
  const ms = catalog.byName.get('MomentSeeker')!.instructions!;
  for (const [k, v] of Object.entries(tp('MomentSeeker').queryInstructions!)) assert.equal(v, ms[k].replace(/:$/, '.'), k);
});

test('vlm2vec is the catalog itself: no overrides', () => {
  const v = loadEvalProfile('vlm2vec');
  assert.deepEqual(v.tasks, {});
  assert.equal(taskProfile(v, 'K700'), null);
  assert.deepEqual([...EVAL_PROFILES], ['vlm2vec', 'qwen3-vl-embedding']);
  assert.equal(parseEvalProfileName('qwen3-vl-embedding'), 'qwen3-vl-embedding');
  assert.throws(
    () => parseEvalProfileName('qwen3'),
    (e: unknown) => e instanceof ConfigError && /unknown eval profile 'qwen3'.*vlm2vec, qwen3-vl-embedding/.test((e as Error).message),
  );
});

test('bad profile files are ConfigErrors naming the file and the key', () => {
  const dir = tempDir('tte-bench-profile-');
  const good = JSON.parse(readFileSync(QWEN3_FILE, 'utf8'));
  const write = (name: string, doc: unknown): string => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const unknownTask = structuredClone(good);
  unknownTask.tasks['ImageNet-2K'] = { source: 'x.py:1' };
  const f1 = write('unknown-task.json', unknownTask);
  assert.throws(
    () => readEvalProfileFile(f1, 'qwen3-vl-embedding'),
    (e: unknown) =>
      e instanceof ConfigError &&
      (e as Error).message.includes(f1) &&
      /tasks\.ImageNet-2K.*unknown task 'ImageNet-2K'/.test((e as Error).message),
  );
  const extraField = structuredClone(good);
  extraField.tasks.K700.frames = 64;
  const f2 = write('extra-field.json', extraField);
  assert.throws(
    () => readEvalProfileFile(f2, 'qwen3-vl-embedding'),
    (e: unknown) =>
      e instanceof ConfigError &&
      (e as Error).message.includes(f2) &&
      /\/tasks\/K700 must NOT have additional properties/.test((e as Error).message),
  );
  const framesOnImage = structuredClone(good);
  framesOnImage.tasks['ImageNet-1K'].numFrames = 8;
  const f3 = write('frames-on-image.json', framesOnImage);
  assert.throws(
    () => readEvalProfileFile(f3, 'qwen3-vl-embedding'),
    (e: unknown) => e instanceof ConfigError && /tasks\.ImageNet-1K.*no videos/.test((e as Error).message),
  );
  const badKind = structuredClone(good);
  badKind.tasks['MSR-VTT'].queryInstructions = { textQuery: 'x' };
  const f4 = write('bad-kind.json', badKind);
  assert.throws(
    () => readEvalProfileFile(f4, 'qwen3-vl-embedding'),
    (e: unknown) => e instanceof ConfigError && /queryInstructions\.textQuery/.test((e as Error).message),
  );
  const zeroFrames = structuredClone(good);
  zeroFrames.tasks.K700.numFrames = 0;
  assert.throws(
    () => readEvalProfileFile(write('zero.json', zeroFrames), 'qwen3-vl-embedding'),
    (e: unknown) => e instanceof ConfigError && /numFrames must be >= 1/.test((e as Error).message),
  );
  assert.throws(
    () => readEvalProfileFile(write('name.json', good), 'vlm2vec'),
    (e: unknown) => e instanceof ConfigError && /field 'name'/.test((e as Error).message),
  );
});
