/**
 * Model protocols: render's prompts against references on the 16 format fixtures (VLM2Vec's own strings;
 * hand-derived GME and Qwen3-VL-Embedding strings, each citing the source lines it follows), the shipped
 * templates against the prompts, and the wire body per protocol through a recording HTTP server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Template } from '@huggingface/jinja';
import sharp from 'sharp';
import { parseBackendConfig, type BackendConfig } from '../src/backends/config.js';
import { OpenAIEmbedder, readTemplate } from '../src/backends/openai.js';
import { PROTOCOLS } from '../src/backends/protocols/index.js';
import type { EmbedInput } from '../src/backends/types.js';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { DataRoot } from '../src/items/data-root.js';
import { flattenMedia, type EvalSet } from '../src/items/types.js';
import { MediaLoader } from '../src/tte/media.js';
import { renderEvalSet, type RenderLine } from '../src/engine/render.js';
import { FORMATS_EXPECTED, FORMATS_ROOT } from './helpers.js';

const TASKS = readdirSync(FORMATS_EXPECTED)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.replace(/\.jsonl$/, ''));

function backendFor(protocol: string): BackendConfig {
  return parseBackendConfig({
    name: 'p',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'm', protocol },
  });
}

async function load(task: string): Promise<EvalSet> {
  return (await loadEvalSet(getTask(task), { dataRoot: FORMATS_ROOT })).evalSet;
}

async function render(task: string, protocol: string): Promise<{ es: EvalSet; lines: RenderLine[] }> {
  const es = await load(task);
  const lines: RenderLine[] = [];
  for await (const l of renderEvalSet(es, backendFor(protocol), new MediaLoader(new DataRoot(FORMATS_ROOT), es))) lines.push(l);
  return { es, lines };
}

/** The messages as vLLM hands them to a chat template that walks message['content'] (media parts as {type}). */
function templateMessages(body: Record<string, unknown>): unknown[] {
  return (body.messages as { role: string; content: { type: string; text?: string }[] }[]).map((m) => ({
    role: m.role,
    content: m.content.map((p) => (p.type === 'image_url' ? { type: 'image' } : p.type === 'video_url' ? { type: 'video' } : p)),
  }));
}

function applyTemplate(body: Record<string, unknown>): string {
  return new Template(body.chat_template as string).render({
    messages: templateMessages(body),
    add_generation_prompt: body.add_generation_prompt === true,
  });
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;

for (const task of TASKS) {
  test(`vlm2vec-qwen2vl renders exactly dump --format qwen2-vl's text for ${task}`, async () => {
    const { es, lines } = await render(task, 'vlm2vec-qwen2vl');
    const items = [...es.queries, ...es.candidates];
    assert.equal(lines.length, items.length);
    lines.forEach((l, i) => {
      assert.equal(l.side, i < es.queries.length ? 'query' : 'candidate');
      assert.equal(l.id, items[i].id);
      assert.equal(l.prompt, items[i].text);
      assert.deepEqual(
        l.media.flatMap((m) => (m.type === 'video' ? m.frames : [m.path])),
        flattenMedia(items[i].media),
      );
    });
  });

  test(`every protocol's template renders its prompt from the request for ${task}`, async () => {
    for (const name of Object.keys(PROTOCOLS)) {
      const { lines } = await render(task, name);
      for (const l of lines) {
        if (l.request.input !== undefined) {
          assert.equal(l.request.input, l.prompt, `${name} ${l.side} ${l.id}: text-only input is the whole prompt`);
          continue;
        }
        if (name === 'plain') {
          assert.equal(l.request.chat_template, undefined);
          continue;
        }
        assert.equal(applyTemplate(l.request), l.prompt, `${name} ${l.side} ${l.id}`);
        // one placeholder per image / video sent, never two
        const images = l.media.filter((m) => m.type === 'image').length;
        const videos = l.media.filter((m) => m.type === 'video').length;
        // the omni protocols' template writes Qwen2.5-Omni's <|IMAGE|> / <|VIDEO|> (the item's pads are stripped)
        const pad = PROTOCOLS[name].audio ? { image: '<|IMAGE|>', video: '<|VIDEO|>' } : { image: '<|image_pad|>', video: '<|video_pad|>' };
        if (name !== 'gme-qwen2vl') assert.equal(count(l.prompt, pad.video), videos, `${name} ${l.id} video pads`);
        assert.equal(count(l.prompt, pad.image), images, `${name} ${l.id} image pads`);
        if (PROTOCOLS[name].audio) assert.equal(count(l.prompt, '<|image_pad|>') + count(l.prompt, '<|video_pad|>'), 0);
      }
    }
  });
}

// ---- GME-Qwen2-VL, derived by hand from VLM2Vec 6e1e1d4:
// src/model/processor.py process_input_text, lines 655-659 (gme: instruction + " " + text, or instruction + " ");
// src/model/model.py lines 75-83 (drop "<|image_pad|>\n"; a video's middle frame imgs[len(imgs) // 2]);
// src/model/baseline_backbone/gme/gme_inference.py embed, lines 115-131 (the wrapping, default instruction).
const gme = (user: string, image: boolean) =>
  `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${image ? '<|vision_start|><|image_pad|><|vision_end|>' : ''}${user}<|im_end|>\n<|im_start|>assistant\n<|endoftext|>`;

const GME_REFERENCES: { task: string; side: 'query' | 'candidate'; index: number; prompt: string; media?: string[] }[] = [
  // image_cls (image_cls.py: inst.replace("<|image_1|>", ""), process_input_text, .replace(" \n", "\n") + "\n")
  {
    task: 'N24News',
    side: 'query',
    index: 0,
    prompt: gme(
      "\nRepresent the given news image with the following caption for domain classification: Rafael Nadal celebrates after winning the men's final at Roland Garros on Sunday.\n",
      true,
    ),
  },
  { task: 'N24News', side: 'candidate', index: 0, prompt: gme('Sports', false) },
  // image_i2i_vg: QA-style "\n" + inst.strip(); caption-less targets: instruction + " ", no "\n"
  {
    task: 'CIRR',
    side: 'query',
    index: 0,
    prompt: gme(
      '\nGiven an image, find a similar everyday image with the described changes: show three bottles of soft drink instead of one\n',
      true,
    ),
  },
  { task: 'CIRR', side: 'candidate', index: 0, prompt: gme('\nRepresent the given image. ', true) },
  // image_t2i: the query string is built without process_input_text; targets get instruction + " " + "\n"
  {
    task: 'VisDial',
    side: 'query',
    index: 0,
    prompt: gme(
      'Represent the given dialogue about an image, which is used for image retrieval: Q: is this a kitchen A: yes Q: are there people A: no Q: is the fridge open A: no, it is closed\n\n',
      false,
    ),
  },
  { task: 'VisDial', side: 'candidate', index: 0, prompt: gme('\nRepresent the given image. \n', true) },
  // video_classification: instruction + " " and the middle of the 8 sampled frames (index 4)
  {
    task: 'HMDB51',
    side: 'query',
    index: 0,
    prompt: gme('What actions or objects interactions are the person in the video doing? ', true),
    media: ['video-tasks/frames/video_cls/HMDB51/April_09_brush_hair_u_nm_np1_ba_goo_0/frame_6.jpg'],
  },
  // msvd (video retrieval): text query instruction + " " + caption; video target instruction + " "
  {
    task: 'MSVD',
    side: 'query',
    index: 0,
    prompt: gme('Find the video snippet that corresponds to the given summary: a squirrel is eating a peanut in its shell', false),
  },
  { task: 'MSVD', side: 'candidate', index: 0, prompt: gme('Understand the content of the provided video. ', true) },
  // visdoc (vidore): instruction + " " + query; page targets instruction + " "
  {
    task: 'ViDoRe_tatdqa',
    side: 'query',
    index: 0,
    prompt: gme('Find a document image that matches the given query: What was the percentage change in revenue from 2018 to 2019?', false),
  },
  { task: 'ViDoRe_tatdqa', side: 'candidate', index: 0, prompt: gme('Understand the content of the provided document image. ', true) },
  // momentseeker text query
  {
    task: 'MomentSeeker',
    side: 'query',
    index: 0,
    prompt: gme('Find the clip that corresponds to the given text: the referee shows a yellow card to the defender', false),
  },
];

test('gme-qwen2vl renders the hand-derived references (one or two items per parser family)', async () => {
  for (const ref of GME_REFERENCES) {
    const { lines } = await render(ref.task, 'gme-qwen2vl');
    const l = lines.filter((x) => x.side === ref.side)[ref.index];
    assert.equal(l.prompt, ref.prompt, `${ref.task} ${ref.side} ${ref.index}`);
    assert.ok(l.media.length <= 1 && l.media.every((m) => m.type === 'image'), 'GME sends at most one image');
    if (ref.media)
      assert.deepEqual(
        l.media.map((m) => (m.type === 'image' ? m.path : '')),
        ref.media,
      );
  }
});

// ---- Qwen3-VL-Embedding, derived by hand from QwenLM/Qwen3-VL-Embedding 8ce3aab,
// src/models/qwen3_vl_embedding.py: format_model_input lines 230-300 (instruction strip + "." when it ends in
// no punctuation; default "Represent the user's input."; user content videos, images, then texts; "NULL"
// when empty) and _preprocess_inputs (apply_chat_template(add_generation_prompt=True)); the Qwen3-VL chat
// layout <|im_start|>role\n…<|im_end|>\n with <|vision_start|><|image_pad|>/<|video_pad|><|vision_end|>.
// The instructions here are the vlm2vec profile's (the catalog's); the qwen3-vl-embedding profile swaps them.
const q3 = (system: string, user: string) =>
  `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;
const IMG = '<|vision_start|><|image_pad|><|vision_end|>';
const VID = '<|vision_start|><|video_pad|><|vision_end|>';

const QWEN3_REFERENCES: { task: string; side: 'query' | 'candidate'; index: number; prompt: string; frames?: number }[] = [
  {
    task: 'N24News',
    side: 'query',
    index: 0,
    prompt: q3(
      'Represent the given news image with the following caption for domain classification:',
      `${IMG}Rafael Nadal celebrates after winning the men's final at Roland Garros on Sunday.`,
    ),
  },
  { task: 'N24News', side: 'candidate', index: 0, prompt: q3("Represent the user's input.", 'Sports') },
  {
    task: 'CIRR',
    side: 'query',
    index: 0,
    prompt: q3(
      'Given an image, find a similar everyday image with the described changes:',
      `${IMG}show three bottles of soft drink instead of one`,
    ),
  },
  { task: 'CIRR', side: 'candidate', index: 0, prompt: q3('Represent the given image.', IMG) },
  {
    task: 'VisDial',
    side: 'query',
    index: 0,
    prompt: q3(
      'Represent the given dialogue about an image, which is used for image retrieval:',
      'Q: is this a kitchen A: yes Q: are there people A: no Q: is the fridge open A: no, it is closed',
    ),
  },
  {
    task: 'HMDB51',
    side: 'query',
    index: 0,
    prompt: q3('What actions or objects interactions are the person in the video doing?', VID),
    frames: 8,
  },
  { task: 'HMDB51', side: 'candidate', index: 0, prompt: q3("Represent the user's input.", 'brush_hair') },
  { task: 'MSVD', side: 'candidate', index: 0, prompt: q3('Understand the content of the provided video.', VID), frames: 8 },
  {
    task: 'ViDoRe_tatdqa',
    side: 'query',
    index: 0,
    prompt: q3('Find a document image that matches the given query:', 'What was the percentage change in revenue from 2018 to 2019?'),
  },
  { task: 'ViDoRe_tatdqa', side: 'candidate', index: 0, prompt: q3('Understand the content of the provided document image.', IMG) },
];

test('qwen3-vl-embedding renders the hand-derived references (one or two items per parser family)', async () => {
  for (const ref of QWEN3_REFERENCES) {
    const { lines } = await render(ref.task, 'qwen3-vl-embedding');
    const l = lines.filter((x) => x.side === ref.side)[ref.index];
    assert.equal(l.prompt, ref.prompt, `${ref.task} ${ref.side} ${ref.index}`);
    if (ref.frames) assert.equal(l.media[0].type === 'video' && l.media[0].frames.length, ref.frames);
    assert.equal(l.request.add_generation_prompt, true);
  }
  // video QA: the question with its options is the text; the QA prompt the system instruction
  const { lines } = await render('MVBench', 'qwen3-vl-embedding');
  assert.ok(
    lines[0].prompt.startsWith(
      '<|im_start|>system\nGiven a video and a question, select the most accurate answer from the provided candidates. Return only the exact text of your chosen answer. Question:<|im_end|>\n',
    ),
  );
  assert.ok(
    lines[0].prompt.includes(
      `${VID}What did Castle do after he walked to the window?\nOptions:\n(A) He sat down\n(B) He picked up the phone\n(C) He opened the curtains<|im_end|>`,
    ),
  );
});

test('a trace goes where each protocol puts it', () => {
  const parts = {
    instruction: 'Find the video snippet that corresponds to the given summary:',
    text: 'a cat',
    rule: { kind: 'process' as const },
  };
  const item = { role: 'query' as const, text: '', parts, media: [], trace: 'It shows a cat.' };
  assert.equal(
    PROTOCOLS['vlm2vec-qwen2vl'].plan(item).prompt,
    'Find the video snippet that corresponds to the given summary: a cat\nIt shows a cat.',
  );
  assert.ok(
    PROTOCOLS['gme-qwen2vl']
      .plan(item)
      .prompt.includes('user\nFind the video snippet that corresponds to the given summary: a cat\nIt shows a cat.<|im_end|>'),
  );
  assert.ok(PROTOCOLS['qwen3-vl-embedding'].plan(item).prompt.includes('user\na cat\nIt shows a cat.<|im_end|>'));
  // an item with an empty text and no media is an empty user message: format_model_input writes "NULL" only for
  // a text of None (qwen3_vl_embedding.py:244-271), and every MMEB-V2 module passes text-only items their text
  assert.ok(
    PROTOCOLS['qwen3-vl-embedding']
      .plan({ role: 'target', text: '', parts: { instruction: '', text: '', rule: { kind: 'raw' } }, media: [] })
      .prompt.includes('user\n<|im_end|>'),
  );
});

// Qwen3-VL-Embedding resizes a video's frames itself (qwen-vl-utils 0.0.14 fetch_video, then the processor with
// do_resize=False, qwen3_vl_embedding.py:356-359): the client does the same and tells the server not to resize
// (the sizes and pixels are tested in test/qwen3-frames.test.ts). Images keep the server-side resize to the
// reference's bounds (qwen3_vl_embedding.py:27-28, 316-319).
test('qwen3-vl-embedding: a video goes out resized with do_resize false; images with their pixel bounds', () => {
  const plan = (media: { kind: 'image' } | { kind: 'frames'; count: number }) =>
    PROTOCOLS['qwen3-vl-embedding'].plan({ role: 'query', text: '', media: [media] });
  for (const frames of [3, 8, 64, 100]) {
    const p = plan({ kind: 'frames', count: frames });
    assert.deepEqual(p.mmProcessorKwargs, { do_resize: false });
    assert.ok(p.clientResize, 'the client resizes the frames');
  }
  assert.deepEqual(plan({ kind: 'image' }).mmProcessorKwargs, { min_pixels: 4096, max_pixels: 1843200 });
  assert.equal(plan({ kind: 'image' }).clientResize, null);
});

/** A real HTTP server on 127.0.0.1 that records each JSON body and answers one embedding. */
async function recordingServer(): Promise<{ url: string; bodies: Record<string, unknown>[]; close: () => Promise<void> }> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 0, 0, 0] }], usage: { prompt_tokens: 1 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

type Part = { type: string; text?: string; image_url?: { url: string }; video_url?: { url: string } };
const partsOf = (body: Record<string, unknown>): Part[] => (body.messages as { content: Part[] }[]).flatMap((m) => m.content);
const b64 = (url: string): Buffer => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

test('the wire body per protocol: one video_url per video, pixel limits, no double placeholders, text-only shapes', async () => {
  const srv = await recordingServer();
  try {
    const hmdb = await load('HMDB51');
    const n24 = await load('N24News');
    const loaderH = new MediaLoader(new DataRoot(FORMATS_ROOT), hmdb);
    const loaderN = new MediaLoader(new DataRoot(FORMATS_ROOT), n24);
    const input = async (
      loader: MediaLoader,
      item: EvalSet['queries'][number] | EvalSet['candidates'][number],
      role: 'query' | 'target',
    ): Promise<EmbedInput> => ({
      text: item.text,
      media: await loader.load(item.media),
      role,
      parts: item.parts,
    });
    const video = await input(loaderH, hmdb.queries[0], 'query');
    const image = await input(loaderN, n24.queries[0], 'query');
    const label = await input(loaderN, n24.candidates[0], 'target');
    const frames = video.media[0].kind === 'frames' ? video.media[0].data : [];
    assert.equal(frames.length, 8);
    const send = async (protocol: string, it: EmbedInput) => {
      srv.bodies.length = 0;
      await new OpenAIEmbedder({ baseURL: srv.url, model: 'm', protocol }).embed([it]);
      return srv.bodies[0];
    };

    // vlm2vec-qwen2vl
    let body = await send('vlm2vec-qwen2vl', video);
    let parts = partsOf(body);
    assert.equal(parts.filter((p) => p.type === 'video_url').length, 1);
    assert.equal(parts.filter((p) => p.type === 'image_url').length, 0);
    const url = parts.find((p) => p.type === 'video_url')?.video_url?.url ?? '';
    assert.ok(url.startsWith('data:video/jpeg;base64,'));
    const sent = url.slice('data:video/jpeg;base64,'.length).split(',');
    assert.equal(sent.length, 8);
    sent.forEach((f, i) => assert.deepEqual(new Uint8Array(Buffer.from(f, 'base64')), frames[i]));
    assert.deepEqual(body.mm_processor_kwargs, { min_pixels: 3136, max_pixels: 1003520 });
    assert.deepEqual(body.media_io_kwargs, { video: { num_frames: 8 } }, 'the server keeps all 8 frames');
    assert.equal(count(applyTemplate(body), '<|video_pad|>'), 1);
    assert.equal(count(applyTemplate(body), '<|vision_start|>'), 0);
    body = await send('vlm2vec-qwen2vl', image);
    parts = partsOf(body);
    const img = b64(parts.find((p) => p.type === 'image_url')?.image_url?.url ?? '');
    const meta = await sharp(img).metadata();
    assert.deepEqual([meta.width, meta.height], [56, 56], 'an 8×8 image is resized to 56×56 as VLM2Vec does');
    assert.equal(count(applyTemplate(body), '<|image_pad|>'), 1);
    body = await send('vlm2vec-qwen2vl', label);
    assert.deepEqual(body, { model: 'm', input: 'Sports', encoding_format: 'float', add_special_tokens: false });

    // gme-qwen2vl: the middle frame as an image, GME's pixel limits
    body = await send('gme-qwen2vl', video);
    parts = partsOf(body);
    assert.equal(parts.filter((p) => p.type === 'video_url').length, 0);
    const images = parts.filter((p) => p.type === 'image_url');
    assert.equal(images.length, 1);
    assert.deepEqual(new Uint8Array(b64(images[0].image_url?.url ?? '')), frames[4]);
    assert.deepEqual(body.mm_processor_kwargs, { min_pixels: 3136, max_pixels: 1003520 }, "VLM2Vec's processor, which GME is given");
    assert.equal(count(applyTemplate(body), '<|image_pad|>'), 1);
    body = await send('gme-qwen2vl', label);
    assert.equal(body.input, gme('Sports', false));

    // qwen3-vl-embedding: one video of 8 frames, the system instruction, generation prompt; text-only as messages
    body = await send('qwen3-vl-embedding', video);
    parts = partsOf(body);
    assert.equal(parts.filter((p) => p.type === 'video_url').length, 1);
    assert.equal((parts.find((p) => p.type === 'video_url')?.video_url?.url ?? '').split(',').length - 1, 8);
    assert.equal(body.add_generation_prompt, true);
    assert.deepEqual(body.media_io_kwargs, { video: { num_frames: 8, fps: 2 } });
    assert.deepEqual(body.mm_processor_kwargs, { do_resize: false }, 'frames resized by the client, as qwen-vl-utils does');
    assert.equal(count(applyTemplate(body), '<|video_pad|>'), 1);
    body = await send('qwen3-vl-embedding', label);
    assert.equal(body.input, undefined);
    assert.equal(applyTemplate(body), q3("Represent the user's input.", 'Sports'));

    // plain (CLIP, SigLIP): the server's tokenizer adds its special tokens (CLIP pools from <|endoftext|>)
    body = await send('plain', label);
    assert.deepEqual(body, { model: 'm', input: 'Sports', encoding_format: 'float' });
    body = await send('plain', image);
    assert.equal(body.chat_template, undefined);
    assert.equal(body.add_special_tokens, undefined);

    // sendChatTemplate false: the server's --chat-template decides
    srv.bodies.length = 0;
    await new OpenAIEmbedder({ baseURL: srv.url, model: 'm', protocol: 'vlm2vec-qwen2vl', sendChatTemplate: false }).embed([video]);
    assert.equal(srv.bodies[0].chat_template, undefined);
  } finally {
    await srv.close();
  }
});

// An RGBA image: VLM2Vec's Qwen2-VL processor (transformers image_transforms.convert_to_rgb, called from the
// vendored image_processing_qwen2_vl.py line 276) and GME's fetch_image (gme_inference.py line 298) both run
// PIL's convert("RGB"), which drops the alpha channel and keeps the colour stored under transparent pixels;
// vLLM's image loader composites RGBA onto white (multimodal/image.py rgba_to_rgb). Qwen3-VL-Embedding's
// qwen-vl-utils to_rgb composites onto white too, so its images go out untouched.
test('an image with an alpha channel: alpha dropped for the VLM2Vec and GME protocols, sent as is for Qwen3-VL', async () => {
  const [w, h] = [64, 48];
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set([(i * 7) % 256, 200, 30, i % 2 ? 0 : 128], i * 4);
  const png = new Uint8Array(
    await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toBuffer(),
  );
  const rgb = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  const item: EmbedInput = {
    text: '',
    media: [{ kind: 'image', path: 'transparent.png', data: png }],
    role: 'target',
    parts: { instruction: 'Understand the content of the provided document image.', text: '', rule: { kind: 'process' } },
  };
  const srv = await recordingServer();
  try {
    for (const protocol of ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding']) {
      srv.bodies.length = 0;
      await new OpenAIEmbedder({ baseURL: srv.url, model: 'm', protocol }).embed([item]);
      const sent = b64(partsOf(srv.bodies[0]).find((p) => p.type === 'image_url')?.image_url?.url ?? '');
      if (protocol === 'qwen3-vl-embedding') {
        assert.deepEqual(new Uint8Array(sent), png, protocol);
        continue;
      }
      const { data, info } = await sharp(sent).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [w, h, 3], protocol);
      assert.ok(Buffer.from(data).equals(rgb), `${protocol}: the colours under the alpha channel, not a composite`);
    }
  } finally {
    await srv.close();
  }
});

// VLM2Vec's vendored Qwen2-VL image processor (src/model/vlm_backbone/qwen2_vl/image_processing_qwen2_vl.py,
// smart_resize lines 78-90) takes an image whose aspect ratio is above 200 as a square of its longer side and
// resizes it to that square's size; transformers' own smart_resize (what a server runs) refuses such an image.
test('vlm2vec-qwen2vl: an image with an aspect ratio above 200 is sent at the size VLM2Vec resizes it to', async () => {
  const [w, h] = [6200, 30];
  const img = new Uint8Array(
    await sharp({ create: { width: w, height: h, channels: 3, background: { r: 20, g: 90, b: 200 } } })
      .png()
      .toBuffer(),
  );
  const item: EmbedInput = {
    text: '',
    media: [{ kind: 'image', path: 'banner.png', data: img }],
    role: 'target',
    parts: { instruction: 'Understand the content of the provided document image.', text: '', rule: { kind: 'process' } },
  };
  const srv = await recordingServer();
  try {
    await new OpenAIEmbedder({ baseURL: srv.url, model: 'm', protocol: 'vlm2vec-qwen2vl' }).embed([item]);
    const sent = b64(partsOf(srv.bodies[0]).find((p) => p.type === 'image_url')?.image_url?.url ?? '');
    const meta = await sharp(sent).metadata();
    // 6200 × 6200: round(6200 / 28) · 28 = 6188, over 1,003,520 → beta = 6200 / √1003520; floor(6200 / beta / 28) · 28 = 980
    assert.deepEqual([meta.width, meta.height], [980, 980]);
    // an ordinary wide image (ratio 200 exactly) goes out untouched
    srv.bodies.length = 0;
    const wide = new Uint8Array(
      await sharp({ create: { width: 6000, height: 30, channels: 3, background: { r: 1, g: 2, b: 3 } } })
        .png()
        .toBuffer(),
    );
    await new OpenAIEmbedder({ baseURL: srv.url, model: 'm', protocol: 'vlm2vec-qwen2vl' }).embed([
      { ...item, media: [{ kind: 'image', path: 'wide.png', data: wide }] },
    ]);
    const sentWide = b64(partsOf(srv.bodies[0]).find((p) => p.type === 'image_url')?.image_url?.url ?? '');
    assert.deepEqual(new Uint8Array(sentWide), wide);
  } finally {
    await srv.close();
  }
});

test('the shipped templates are the files render sends', () => {
  for (const name of ['vlm2vec-qwen2vl.jinja', 'gme-qwen2vl.jinja', 'qwen3-vl-embedding.jinja'])
    assert.ok(readTemplate(name).includes("message['content']"));
});

test('--profile qwen3-vl-embedding reaches the prompts: the profile instructions and frame counts', async () => {
  const rendered = async (task: string) => {
    const es = (await loadEvalSet(getTask(task), { dataRoot: FORMATS_ROOT, profile: 'qwen3-vl-embedding' })).evalSet;
    assert.equal(es.profile, 'qwen3-vl-embedding');
    const lines: RenderLine[] = [];
    for await (const l of renderEvalSet(es, backendFor('qwen3-vl-embedding'), new MediaLoader(new DataRoot(FORMATS_ROOT), es), {
      limit: 1,
    }))
      lines.push(l);
    return { es, lines };
  };
  // tasks/profiles/qwen3-vl-embedding.json: ViDoRe query instruction ends in '.', candidates get the default
  let { lines } = await rendered('ViDoRe_tatdqa');
  assert.equal(
    lines[0].prompt,
    q3('Find a document image that matches the given query.', 'What was the percentage change in revenue from 2018 to 2019?'),
  );
  assert.equal(lines[1].prompt, q3("Represent the user's input.", IMG));
  // HMDB51: 64 frames asked; the fixture folder holds fewer, so every frame is sent (VLM2Vec's profile: 8), an
  // odd count padded with its last frame (qwen-vl-utils 0.0.14 vision_process.py:430-432)
  const { es, lines: h } = await rendered('HMDB51');
  const folder = es.queries[0].media[0];
  assert.ok(folder.kind === 'frames' && folder.paths.length > 8);
  const n = folder.kind === 'frames' ? folder.paths.length : -1;
  assert.equal(h[0].media[0].type === 'video' && h[0].media[0].frames.length, n + (n % 2));
  ({ lines } = await rendered('MomentSeeker'));
  assert.ok(lines[0].prompt.startsWith('<|im_start|>system\nFind the clip that corresponds to the given text.<|im_end|>'));
});

test('a run records its eval profile in summary.json and manifest.json', async () => {
  const { runTasks } = await import('../src/engine/run.js');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tempDir } = await import('./helpers.js');
  const dir = tempDir();
  const backend = parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } });
  await runTasks({
    runId: 'r',
    tasks: [getTask('ViDoRe_tatdqa')],
    dataRoot: FORMATS_ROOT,
    version: 'v2.1',
    profile: 'qwen3-vl-embedding',
    backend,
    outDir: join(dir, 'o'),
    cacheDir: null,
  });
  const summary = JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8')) as { eval_profile: string };
  const manifest = JSON.parse(readFileSync(join(dir, 'o', 'manifest.json'), 'utf8')) as { eval_profile: string };
  assert.equal(summary.eval_profile, 'qwen3-vl-embedding');
  assert.equal(manifest.eval_profile, 'qwen3-vl-embedding');
});

test('a local embedder behind a protocol embeds the protocol prompt (decoder last-token, tiny Qwen2)', async () => {
  const { createBackend } = await import('../src/backends/registry.js');
  const { DecoderEmbedder } = await import('../src/backends/transformers.js');
  const { join } = await import('node:path');
  const { FIXTURES } = await import('./helpers.js');
  const model = join(FIXTURES, 'tiny-models', 'tiny-qwen2-embedder');
  const backend = await createBackend(
    parseBackendConfig({
      name: 'q',
      pipeline: 'no-think',
      embedder: { type: 'transformers', architecture: 'decoder-last-token', model, protocol: 'qwen3-vl-embedding' },
    }),
  );
  const plain = await DecoderEmbedder.load({ model });
  try {
    const es = await load('ViDoRe_tatdqa');
    const q = es.queries[0];
    const [got] = await backend.embedder.embed([{ text: q.text, media: [], role: 'query', parts: q.parts }]);
    const [want] = await plain.embedRaw([
      q3('Find a document image that matches the given query:', 'What was the percentage change in revenue from 2018 to 2019?'),
    ]);
    assert.deepEqual(Array.from(got), Array.from(want));
    const [bare] = await plain.embedRaw([q.text]);
    assert.notDeepEqual(Array.from(got), Array.from(bare), 'the protocol changed what the model saw');
  } finally {
    await backend.close();
    await plain.close();
  }
});

test('think pipelines: the trace reaches the request where the protocol puts it', async () => {
  const srv = await recordingServer();
  try {
    const { createBackend } = await import('../src/backends/registry.js');
    const { embedEvalSet } = await import('../src/tte/pipeline.js');
    const es = await load('ViDoRe_tatdqa');
    es.queries = es.queries.slice(0, 1);
    es.candidates = es.candidates.slice(0, 1);
    const backend = await createBackend(
      parseBackendConfig({
        name: 't',
        pipeline: 'teacher',
        embedder: { type: 'openai', baseURL: srv.url, model: 'm', protocol: 'qwen3-vl-embedding' },
        reasoner: { type: 'builtin' },
      }),
    );
    const out = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(FORMATS_ROOT), es), { version: 'v2.1', cache: null });
    const trace = out.queryTraces[0]?.text ?? '';
    assert.ok(trace.length > 0);
    const query = srv.bodies.find((b) => JSON.stringify(b).includes('percentage change'));
    assert.ok(query, 'the query was sent');
    assert.equal(
      applyTemplate(query),
      q3('Find a document image that matches the given query:', `What was the percentage change in revenue from 2018 to 2019?\n${trace}`),
    );
    await backend.close();
  } finally {
    await srv.close();
  }
});

test('`render` as a command: one line per item (--limit per side); an embedder without a protocol is exit 2', async () => {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { runCli, tempDir } = await import('./helpers.js');
  const dir = tempDir();
  const withProtocol = join(dir, 'gme.json');
  writeFileSync(
    withProtocol,
    JSON.stringify({
      name: 'gme',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'gme', protocol: 'gme-qwen2vl' },
    }),
  );
  const r = runCli([
    'render',
    '--backend',
    withProtocol,
    '--task',
    'HMDB51',
    '--data-root',
    FORMATS_ROOT,
    '--limit',
    '2',
    '--out',
    join(dir, 'r.jsonl'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RenderLine);
  assert.deepEqual(
    lines.map((l) => l.side),
    ['query', 'query', 'candidate', 'candidate'],
  );
  assert.equal(lines[0].media.length, 1);
  assert.equal(lines[0].media[0].type, 'image', "GME's video is its middle frame");
  const without = join(dir, 'plain.json');
  writeFileSync(
    without,
    JSON.stringify({
      name: 'x',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'x', requestFormat: 'messages' },
    }),
  );
  const bad = runCli(['render', '--backend', without, '--task', 'HMDB51', '--data-root', FORMATS_ROOT]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /render needs an embedder with a "protocol"/);
  assert.ok(!bad.stderr.includes('    at '), 'no stack trace');
});

test("a protocol's revision is part of the embedder's id, so vectors cached under an earlier rendering are not reused", () => {
  const id = (protocol: string) => new OpenAIEmbedder({ baseURL: 'http://127.0.0.1:1/v1', model: 'm', protocol }).id;
  // revised in this release: what they send for some items changed
  assert.equal(id('qwen3-vl-embedding'), 'openai:m:qwen3-vl-embedding@4');
  assert.equal(id('vlm2vec-qwen2vl'), 'openai:m:vlm2vec-qwen2vl@2');
  assert.equal(id('gme-qwen2vl'), 'openai:m:gme-qwen2vl@2');
  // never revised: the id (and so every cache key) it always had
  assert.equal(id('plain'), 'openai:m:plain');
  for (const p of Object.values(PROTOCOLS)) assert.ok(Number.isInteger(p.revision) && p.revision >= 1, p.name);
});
