/**
 * The texts Qwen3-VL-Embedding's own evaluation builds where they differ from VLM2Vec's parsers, reproduced under
 * `--profile qwen3-vl-embedding` (the profile's `textRule`s) and rendered by the `qwen3-vl-embedding` protocol.
 * Every expected prompt is written out by hand from QwenLM/Qwen3-VL-Embedding at 8ce3aab:
 *  - src/evaluation/mmeb_v2/data/datasets/nextqa_dataset.py:63-83 and utils/vision_utils/vision_utils.py:34-46
 *    (qa_template): query text `question\nOptions:\n(A) a0\n…` right-stripped, candidates `{"text": "(A) a0"}` …,
 *    gold `formatted_cands[answer]`;
 *  - egoschema_dataset.py:31, 68: query text `query + ' ' + ' '.join(options)`, candidates the option text after
 *    its "X. " prefix;
 *  - image_t2i_eval.py:31-43: a candidate is its image, plus `tgt_text[i].strip()` as text when non-empty;
 *  - src/models/qwen3_vl_embedding.py:230-326 (format_model_input): system = instruction (or "Represent the
 *    user's input."), "." appended when the last character is not punctuation; user = videos, images, texts;
 *    "NULL" only when text is None and there are no media (:244-271).
 * The default (vlm2vec) profile keeps VLM2Vec's texts (test/parsers-extra.test.ts, test/formats.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { PROTOCOLS } from '../src/backends/protocols/index.js';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { renderEvalSet, type RenderLine } from '../src/engine/render.js';
import type { EvalSet } from '../src/items/types.js';
import { DataRoot } from '../src/items/data-root.js';
import { MediaLoader } from '../src/tte/media.js';
import { MMEB_IMAGE_COLUMNS, NEXTQA_COLUMNS, writeHfParquet } from '../scripts/lib/hf-parquet.js';
import { FORMATS_ROOT, tempDir } from './helpers.js';

const QWEN3 = { profile: 'qwen3-vl-embedding' as const };
const QA_INST =
  'Given a video and a question, select the most accurate answer from the provided candidates. Return only the exact text of your chosen answer.';
const DEFAULT_SYSTEM = "Represent the user's input.";
const VIDEO = '<|vision_start|><|video_pad|><|vision_end|>';
const IMAGE = '<|vision_start|><|image_pad|><|vision_end|>';
const prompt = (system: string, user: string) =>
  `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;

const backend = parseBackendConfig({
  name: 'q',
  pipeline: 'no-think',
  embedder: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'm', protocol: 'qwen3-vl-embedding' },
});

/** Every rendered line of an eval set (queries and candidates), keyed by side and id. */
async function render(es: EvalSet, dataRoot: string): Promise<Map<string, RenderLine>> {
  const out = new Map<string, RenderLine>();
  for await (const l of renderEvalSet(es, backend, new MediaLoader(new DataRoot(dataRoot), es))) out.set(`${l.side}:${l.id}`, l);
  return out;
}

/** Real JPEG frames (the qwen3 protocol decodes and resizes them) copied from the formats fixture. */
function frames(dir: string, rel: string, n: number): void {
  const src = join(FORMATS_ROOT, 'video-tasks/frames/video_ret/MSVD/zzit5b_-ukg_5_20');
  const files = readdirSync(src).sort();
  mkdirSync(join(dir, rel), { recursive: true });
  for (let i = 0; i < n; i++) copyFileSync(join(src, files[i % files.length]), join(dir, rel, `${String(i).padStart(4, '0')}.jpeg`));
}

test('NExTQA: lettered candidates "(A) a0" …, the gold by answer index, the lettered question in the user text', async () => {
  const dir = tempDir('tte-qwen3-nextqa-');
  writeHfParquet(join(dir, 'hf/VLM2Vec/NExTQA/MC/test-00000-of-00001.parquet'), NEXTQA_COLUMNS, [
    // a1 repeats a0: VLM2Vec's raw-string candidates cannot tell them apart, the lettered ones can
    { video: 11, question: 'is the boy happy', answer: 1, qid: 1, type: 'CW', a0: 'yes', a1: 'yes', a2: 'no', a3: 'river ', a4: 'maybe' },
    {
      video: 12,
      question: 'where is this place',
      answer: 3,
      qid: 2,
      type: 'DL',
      a0: 'mall',
      a1: 'park',
      a2: 'no',
      a3: 'river ',
      a4: 'sea',
    },
  ]);
  frames(dir, 'video-tasks/frames/video_qa/NExTQA/11', 4);
  frames(dir, 'video-tasks/frames/video_qa/NExTQA/12', 4);
  const q = (await loadEvalSet(getTask('NExTQA'), { dataRoot: dir, ...QWEN3 })).evalSet;
  assert.deepEqual(q.queries[0].candidateIds, ['(A) yes', '(B) yes', '(C) no', '(D) river ', '(E) maybe']);
  assert.deepEqual(q.queries[0].gold, ['(B) yes']);
  assert.deepEqual(q.queries[1].gold, ['(D) river ']);
  // "(C) no" and "(D) river " occur in both queries: one pooled candidate each, as generate_cand_dataset keeps them
  assert.equal(q.candidates.length, 8);
  const lines = await render(q, dir);
  assert.equal(
    lines.get('query:0')?.prompt,
    prompt(QA_INST, `${VIDEO}is the boy happy\nOptions:\n(A) yes\n(B) yes\n(C) no\n(D) river \n(E) maybe`),
  );
  // nextqa_dataset.py:76 `{"text": opt}`: no instruction, the option as written (qa_template keeps its trailing space)
  assert.equal(lines.get('candidate:(D) river ')?.prompt, prompt(DEFAULT_SYSTEM, '(D) river '));
  // the default profile keeps VLM2Vec's raw options and its gold
  const v = (await loadEvalSet(getTask('NExTQA'), { dataRoot: dir })).evalSet;
  assert.deepEqual(v.queries[1].candidateIds, ['mall', 'park', 'no', 'river ', 'sea']);
  assert.deepEqual(v.queries[1].gold, ['river ']);
});

test("EgoSchema: one space between the question and the first option (VLM2Vec's parser has none)", async () => {
  const q = (await loadEvalSet(getTask('EgoSchema'), { dataRoot: FORMATS_ROOT, ...QWEN3 })).evalSet;
  const lines = await render(q, FORMATS_ROOT);
  const user =
    'Taking into account all the actions performed by c, what is the primary objective of c in the video? ' +
    'A. c is preparing a salad for lunch. B. c is cleaning the kitchen counter. C. c is repairing a wooden chair. ' +
    'D. c is organizing tools in the garage. E. c is washing dishes after dinner.';
  assert.equal(lines.get('query:0')?.prompt, prompt(QA_INST, `${VIDEO}${user}`));
  // egoschema_dataset.py:68: the candidate text is o[o.find('. '):].strip('. '); its name (the id) the raw option
  assert.equal(
    lines.get('candidate:A. c is preparing a salad for lunch.')?.prompt,
    prompt(DEFAULT_SYSTEM, 'c is preparing a salad for lunch'),
  );
  const v = (await loadEvalSet(getTask('EgoSchema'), { dataRoot: FORMATS_ROOT })).evalSet;
  assert.ok(
    v.queries[0].parts?.text.startsWith(
      'in the video?A. c is preparing',
      'Taking into account all the actions performed by c, what is the primary objective of c '.length,
    ),
  );
});

test('image t2i (WebQA): each candidate carries its own caption, stripped, or no text when it is blank', async () => {
  const dir = tempDir('tte-qwen3-t2i-');
  const img = join(FORMATS_ROOT, 'image-tasks/VisDial/Test/VisualDialog_val2018_000000254080.jpg');
  writeHfParquet(join(dir, 'hf/ziyjiang/MMEB_Test_Instruct/WebQA/test-00000-of-00001.parquet'), MMEB_IMAGE_COLUMNS, [
    {
      qry_inst: 'Find a Wikipedia image that answers this question:',
      qry_text: 'What colour is the bridge?',
      qry_img_path: '',
      tgt_inst: '<|image_1|>\nRepresent the given Wikipedia image with related text information:',
      // the first caption is blank: VLM2Vec gives no candidate of this row a caption; Qwen3 decides per candidate
      tgt_text: ['  ', ' Golden Gate Bridge\n', 'Tower Bridge'],
      tgt_img_path: ['WebQA/1.jpg', 'WebQA/2.jpg', 'WebQA/3.jpg'],
    },
  ]);
  for (const n of [1, 2, 3]) {
    mkdirSync(join(dir, 'image-tasks/WebQA'), { recursive: true });
    copyFileSync(img, join(dir, `image-tasks/WebQA/${n}.jpg`));
  }
  const q = (await loadEvalSet(getTask('WebQA'), { dataRoot: dir, ...QWEN3 })).evalSet;
  const lines = await render(q, dir);
  // image_t2i_eval.py:21-26: the row's qry_inst (no image token to remove) as the system message, its final ':'
  // kept (punctuation); qry_text alone as the user text
  assert.equal(lines.get('query:0')?.prompt, prompt('Find a Wikipedia image that answers this question:', 'What colour is the bridge?'));
  assert.equal(lines.get('candidate:WebQA/1.jpg')?.prompt, prompt(DEFAULT_SYSTEM, IMAGE));
  assert.equal(lines.get('candidate:WebQA/2.jpg')?.prompt, prompt(DEFAULT_SYSTEM, `${IMAGE}Golden Gate Bridge`));
  assert.equal(lines.get('candidate:WebQA/3.jpg')?.prompt, prompt(DEFAULT_SYSTEM, `${IMAGE}Tower Bridge`));
  // the default profile: VLM2Vec's branch, chosen by the first caption, gives no candidate a caption
  const v = (await loadEvalSet(getTask('WebQA'), { dataRoot: dir })).evalSet;
  assert.deepEqual(
    v.candidates.map((c) => c.text),
    Array(3).fill('<|image_pad|>\nRepresent the given Wikipedia image with related text information:\n'),
  );
});

test('an empty text: an empty user message, not "NULL" (every MMEB-V2 module passes a text-only item its "text")', () => {
  const plan = (text: string, media: { kind: 'image'; path: string }[] = []) =>
    PROTOCOLS['qwen3-vl-embedding'].plan({ role: 'target', text, parts: { instruction: '', text, rule: { kind: 'raw' } }, media });
  // e.g. image_cls_dataset.py:30 `{"text": t}` with t = "": texts [""] → one empty text part (:246-247, 323-324)
  assert.equal(plan('').prompt, prompt(DEFAULT_SYSTEM, ''));
  assert.deepEqual(plan('').messages?.[1], { role: 'user', content: [{ type: 'text', text: '' }] });
  // with media an empty text adds nothing to the prompt (the part renders as nothing), so it is left out
  assert.equal(plan('', [{ kind: 'image', path: 'a.jpg' }]).prompt, prompt(DEFAULT_SYSTEM, IMAGE));
});

test('a text rule on a task of another parser family is refused', async () => {
  const { readEvalProfileFile } = await import('../src/catalog/profiles.js');
  const { writeFileSync } = await import('node:fs');
  const dir = tempDir('tte-qwen3-rule-');
  const file = join(dir, 'p.json');
  writeFileSync(
    file,
    JSON.stringify({ name: 'qwen3-vl-embedding', source: 's', tasks: { 'MSR-VTT': { textRule: 'lettered-options', source: 's' } } }),
  );
  assert.throws(
    () => readEvalProfileFile(file, 'qwen3-vl-embedding'),
    /text rule 'lettered-options' is written for nextqa tasks; MSR-VTT is/,
  );
  writeFileSync(
    file,
    JSON.stringify({ name: 'qwen3-vl-embedding', source: 's', tasks: { NExTQA: { textRule: 'lettered', source: 's' } } }),
  );
  assert.throws(() => readEvalProfileFile(file, 'qwen3-vl-embedding'), /invalid eval profile/);
});
