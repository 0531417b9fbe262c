/**
 * The qwen3-vl-reranker protocol against references derived by hand from Qwen's reranker evaluation
 * (QwenLM/Qwen3-VL-Embedding @8ce3aab; qwen-vl-utils = QwenLM/Qwen3-VL @0dcc180):
 *   M = src/models/qwen3_vl_reranker.py, E = src/evaluation/mmeb_v2/eval_reranker.py,
 *   D = src/evaluation/mmeb_v2/data/datasets/*.py, V = qwen-vl-utils/src/qwen_vl_utils/vision_process.py.
 * Every expected prompt below is format_mm_instruction (M:316-364) + the Qwen3-VL chat template written out:
 *   "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n<|im_start|>user\n" + "<Instruct>: " + instruction
 *   + "<Query>:" + query videos, images, text + "\n<Document>:" + document videos, images, text
 *   + "<|im_end|>\n<|im_start|>assistant\n", an image as <|vision_start|><|image_pad|><|vision_end|>.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { parseBackendConfig } from '../src/backends/config.js';
import { ChatReranker } from '../src/rerank/chat.js';
import {
  QWEN3_VL_RERANKER_SYSTEM,
  prepareRerankImage,
  rerankImageSize,
  rerankVideoSizes,
  smartResize,
  visionTokens,
} from '../src/rerank/qwen3-vl-reranker.js';
import { rerankChecks, defaultRerankPairs } from '../src/engine/doctor-rerank.js';
import { decodeRgb } from '../src/media/decode.js';
import { runCli, tempDir } from './helpers.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEAD = `<|im_start|>system\n${QWEN3_VL_RERANKER_SYSTEM}<|im_end|>\n<|im_start|>user\n`;
const TAIL = '<|im_end|>\n<|im_start|>assistant\n';
const IMG = '<|vision_start|><|image_pad|><|vision_end|>';
const VID = '<|vision_start|><|video_pad|><|vision_end|>';

function backendFile(reranker: Record<string, unknown>): string {
  const f = join(tempDir(), 'backend.json');
  writeFileSync(
    f,
    JSON.stringify({ name: 'r', pipeline: 'no-think', embedder: { type: 'builtin' }, reasoner: null, reranker, rerankDepth: 100 }),
  );
  return f;
}

interface Line {
  query_id: string;
  candidate_id: string;
  prompt: string;
  messages: { role: string; content: Record<string, unknown>[] }[];
  media: { type: string; path?: string; frames?: string[]; size: [number, number] }[];
  request: { path: string; body: Record<string, unknown> };
}

function render(task: string, reranker: Record<string, unknown>): Line[] {
  const r = runCli([
    'render',
    '--backend',
    backendFile(reranker),
    '--task',
    task,
    '--data-root',
    'tasks/mini/data',
    '--profile',
    'qwen3-vl-embedding',
    '--rerank',
    '--limit',
    '1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

const chat = { type: 'chat', protocol: 'qwen3-vl-reranker', baseURL: 'http://127.0.0.1:9/v1', model: 'Qwen3-VL-Reranker-2B' };

test('render --rerank, image classification (ImageNet-1K): the row instruction without <|image_1|>, stripped, no "." added; the label as the document', () => {
  const [l] = render('ImageNet-1K', chat);
  // D image_cls_dataset.py:21-28: instruction = qry_inst.replace("<|image_1|>", "").strip(), text = qry_text (""),
  // image; candidates {"text": label} (:30). E:98 pops the instruction; M:339 uses it as is.
  assert.equal(l.prompt, `${HEAD}<Instruct>: Represent the given image for classification<Query>:${IMG}\n<Document>:red fox${TAIL}`);
  assert.deepEqual([l.query_id, l.candidate_id], ['0', 'red fox']);
  // V:93-141 at image_patch_size 16 (M:171): the 32×32 file → smart_resize(32, 32, 32, 4·32², 1800·32²): 32·32 < 4096,
  // beta = sqrt(4096 / 1024) = 2 → ceil(64 / 32)·32 = 64 on both sides
  assert.deepEqual(l.media, [{ type: 'image', path: 'image-tasks/ImageNet-1K/val/ILSVRC2012_val_00000001.JPEG', size: [64, 64] }]);
  assert.deepEqual(
    l.messages[1].content.map((p) => p.type),
    ['text', 'text', 'image', 'text', 'text'],
  );
  const body = l.request.body;
  assert.equal(l.request.path, '/chat/completions');
  assert.deepEqual(body.mm_processor_kwargs, { min_pixels: 4096, max_pixels: 1843200 });
  // yes / no by token id: get_vocab()["yes"] = 9693, ["no"] = 2152 (M:112-113)
  assert.deepEqual(
    [body.max_tokens, body.logprobs, body.return_tokens_as_token_ids, body.allowed_token_ids],
    [1, true, true, [9693, 2152]],
  );
});

test('render --rerank, image t2i (VisualNews_t2i): the caption as the query text, the image alone as the document', () => {
  const [l] = render('VisualNews_t2i', chat);
  // D image_t2i_eval.py:23-26 (query text + instruction), :31-40 (candidate image, caption only when non-empty)
  assert.equal(
    l.prompt,
    `${HEAD}<Instruct>: Retrieve an image of this news caption.<Query>:A firefighter in a orange helmet at the scene\n<Document>:${IMG}${TAIL}`,
  );
  assert.equal(l.candidate_id, 'VisualNews_t2i/Test/news_0_0.jpg');
  assert.deepEqual(l.media[0].size, [64, 64]);
});

test('render --rerank, visdoc (ViDoRe_arxivqa): TASK_INST_QRY and the query; the page image, no document text', () => {
  const [l] = render('ViDoRe_arxivqa', chat);
  // D vidore_dataset.py:15 (TASK_INST_QRY), :25-28 (query), :36-40 (candidate image only; TASK_INST_TGT commented out)
  assert.equal(
    l.prompt,
    `${HEAD}<Instruct>: Find a document image that matches the given query.<Query>:Which curve in the red plot rises fastest?\n<Document>:${IMG}${TAIL}`,
  );
  assert.equal(l.media.length, 1);
  assert.equal(l.media[0].type, 'image');
});

test('render --rerank, video retrieval (MSR-VTT): ONE video of the clip frames, padded to an even count, the 64-frame budget', () => {
  const [l] = render('MSR-VTT', chat);
  // D msrvtt_dataset.py:15 (instruction), :30-33 (caption), :41-43 (the frame list as one video)
  assert.equal(
    l.prompt,
    `${HEAD}<Instruct>: Find a video that contains the following visual content.<Query>:a person is connecting something to system\n<Document>:${VID}${TAIL}`,
  );
  const dir = 'video-tasks/frames/video_ret/MSR-VTT/video9770';
  const frames = Array.from({ length: 9 }, (_, i) => `${dir}/frame_000${i + 1}.jpg`);
  // V:430-432: 9 frames → ceil to 10 with the last frame repeated
  assert.deepEqual(l.media, [{ type: 'video', frames: [...frames, frames[8]], size: [384, 384] }]);
  // 24×24 frames. V:424-428 fetch_image at factor 64: round(24/64)=0 → 64, 64² < 4·64² → ceil to 128×128; then
  // V:449-470 with total_pixels = 10·768·32² (M:24-25, :265): max_pixels = max(min(768·32², total / 10 · 2),
  // int(128·32²·1.05)) = 786432, min_pixels 128·32² = 131072:
  // 128² < 131072 → beta = sqrt(8) → ceil(128·2.828/32)·32 = 384
  const body = l.request.body;
  const user = (body.messages as { content: { type: string; video_url?: { url: string } }[] }[])[1].content;
  assert.equal(user.filter((p) => p.type === 'video_url').length, 1);
  assert.equal(user.filter((p) => p.type === 'image_url').length, 0, 'no frame goes out as an image');
  assert.deepEqual(body.media_io_kwargs, { video: { num_frames: 10, fps: 2 } });
  assert.deepEqual(body.mm_processor_kwargs, { size: { shortest_edge: 10 * 384 * 384, longest_edge: 10 * 384 * 384 } });
});

test('render --rerank, video query (HMDB51): the video as the query, the label as the document; the pooling /score request', () => {
  const [l] = render('HMDB51', chat);
  // D video_classification_datasets.py:24-26 (instruction from video_classification_utils.DATASET_INSTRUCTION), :38-41
  assert.equal(
    l.prompt,
    `${HEAD}<Instruct>: What actions or objects interactions are the person in the video doing?<Query>:${VID}\n<Document>:brush_hair${TAIL}`,
  );
  assert.equal(l.media[0].frames?.length, 10);
  const [s] = render('HMDB51', { type: 'openai', protocol: 'qwen3-vl-reranker', baseURL: 'http://127.0.0.1:9/v1', model: 'm' });
  assert.equal(s.prompt, l.prompt, 'the same pair for the pooling reranker');
  assert.equal(s.request.path, '/score');
  assert.deepEqual(s.request.body.chat_template_kwargs, {
    instruction: 'What actions or objects interactions are the person in the video doing?',
  });
  assert.deepEqual(s.request.body.documents, ['brush_hair']);
  assert.equal(((s.request.body.queries as { content: { type: string }[] }).content[0] as { type: string }).type, 'video_url');
});

test('qwen-vl-utils sizes, by hand (V:56-81, V:403-470)', () => {
  // 1080×1920: round → 1088×1920 > 1800·32² → beta = sqrt(1080·1920 / 1843200) = 1.0607 → floor(1018.2/32)·32 = 992,
  // floor(1810.2/32)·32 = 1792
  assert.deepEqual(rerankImageSize(1920, 1080), [1792, 992]);
  assert.deepEqual(rerankImageSize(640, 480), [640, 480]);
  // halves round to even (Python's round): 48/32 = 1.5 → 2, 80/32 = 2.5 → 2
  assert.deepEqual(smartResize(80, 48, 32, 0, 1e9), [64, 64]);
  // 64 frames of 320×240: pre factor 64 → 256×320; max_pixels = 7864320 / 64 · 2 = 245760, 256·320 < 131072 →
  // beta = sqrt(1.6) → ceil(10.12)·32 = 352, ceil(12.65)·32 = 416; 32 temporal pairs of 26·22 patches / 4 merge
  assert.deepEqual(rerankVideoSizes(320, 240, 64), { pre: [320, 256], final: [416, 352] });
  assert.equal(visionTokens(416, 352, 64), 4576);
  assert.throws(() => smartResize(10, 2100, 32, 4096, 1843200), /aspect ratio/);
});

test('an RGBA image is pasted onto white as to_rgb does (V:84-90), and a resized one goes out as a PNG of the target size', async () => {
  const rgba = new Uint8Array(
    await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 200, g: 100, b: 0, alpha: 128 / 255 } } })
      .png()
      .toBuffer(),
  );
  const out = await prepareRerankImage(rgba, 'a.png');
  const px = await decodeRgb(out.data, 'a.png');
  // Pillow paste through the mask: DIV255(c·a + 255·(255 − a)), a = 128: 200 → 227, 100 → 177, 0 → 127
  assert.deepEqual([...px.data.subarray(0, 3)], [227, 177, 127]);
  const small = new Uint8Array(
    await sharp({ create: { width: 50, height: 30, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer(),
  );
  const s = await prepareRerankImage(small, 's.jpg');
  const meta = await sharp(s.data).metadata();
  // 30×50: 32·64 = 2048 < 4096 → beta = sqrt(4096/1500) = 1.6525 → ceil(49.6/32)·32 = 64, ceil(82.6/32)·32 = 96
  assert.deepEqual([meta.format, meta.width, meta.height, s.width, s.height], ['png', 96, 64, 96, 64]);
});

/** A vLLM-shaped server on 127.0.0.1: /tokenize expands vision pads by the sizes it is sent, chat answers logprobs. */
async function startQwenServer(opts: { rejectVideo?: boolean; doubleImages?: boolean }) {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      bodies.push(body);
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const user = (body.messages as { content: { type: string; image_url?: { url: string }; video_url?: { url: string } }[] }[])[1]
        .content;
      if (opts.rejectVideo && user.some((p) => p.type === 'video_url'))
        return send(400, { error: { message: 'video input not supported' } });
      if (req.url === '/tokenize') {
        // expand each image / video by the pixels it carries: (w/16)(h/16)/4, × frames/2 for a video
        const tokens: number[] = [1, 2, 3];
        for (const p of user) {
          const urls =
            p.type === 'image_url'
              ? [p.image_url?.url ?? '']
              : p.type === 'video_url'
                ? (p.video_url?.url ?? '').split(';base64,')[1].split(',')
                : [];
          if (!urls.length) continue;
          const first = p.type === 'image_url' ? (urls[0].split(';base64,')[1] ?? '') : urls[0];
          const meta = await sharp(Buffer.from(first, 'base64')).metadata();
          const per = (((meta.width ?? 0) / 16) * ((meta.height ?? 0) / 16)) / 4;
          const n = p.type === 'image_url' ? per * (opts.doubleImages ? 2 : 1) : (per * urls.length) / 2;
          for (let i = 0; i < n; i++) tokens.push(p.type === 'image_url' ? 151655 : 151656);
        }
        return send(200, { tokens, count: tokens.length });
      }
      const top = [
        { token: 'token_id:9693', logprob: Math.log(0.3) },
        { token: 'token_id:2152', logprob: Math.log(0.1) },
        { token: 'Yes', logprob: Math.log(0.5) },
      ];
      send(200, {
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Yes' },
            logprobs: { content: [{ token: 'Yes', logprob: top[2].logprob, top_logprobs: top }] },
          },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 1 },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('chat reranker over a real server: one video_url, token-id logprobs, score sigmoid(lp(9693) − lp(2152)) whatever else ranks first', async () => {
  const srv = await startQwenServer({});
  try {
    const r = new ChatReranker({ model: 'm', baseURL: `${srv.url}/v1`, protocol: 'qwen3-vl-reranker', maxRetries: 0 });
    const [pair] = (await defaultRerankPairs()).filter((p) => p.family === 'video');
    const [s] = await r.score([{ query: pair.query, candidate: pair.candidate, retrievalRank: 0, gold: false }], { family: 'video' });
    // P(yes) = 0.3, P(no) = 0.1 → 0.75 ("Yes", another token, is ignored)
    assert.ok(Math.abs(s.score - 0.75) < 1e-12, String(s.score));
    const sent = srv.bodies[0] as { messages: { content: { type: string; video_url?: { url: string } }[] }[] };
    const videos = sent.messages[1].content.filter((p) => p.type === 'video_url');
    assert.equal(videos.length, 1);
    assert.equal(videos[0].video_url?.url.split(';base64,')[1].split(',').length, 10, '10 frames in one video');
  } finally {
    await srv.close();
  }
});

test('doctor: vision token counts against the protocol grids, and one request per family naming a rejected item', async () => {
  const backend = (url: string) =>
    parseBackendConfig(
      {
        name: 'r',
        pipeline: 'no-think',
        embedder: { type: 'builtin' },
        reasoner: null,
        rerankDepth: 100,
        reranker: { type: 'chat', protocol: 'qwen3-vl-reranker', baseURL: `${url}/v1`, model: 'm' },
      },
      'backend.json',
    );
  const good = await startQwenServer({});
  try {
    const checks = await rerankChecks(backend(good.url));
    assert.deepEqual(
      checks.map((c) => c.status),
      ['pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
      JSON.stringify(checks, null, 1),
    );
    // the 500×700 page: round → 512×704 (within limits) → 32·44/… = (512/16)(704/16)/4 = 352 image tokens
    assert.match(checks[0].message, /^352 image and 0 video tokens/);
  } finally {
    await good.close();
  }
  const bad = await startQwenServer({ rejectVideo: true, doubleImages: true });
  try {
    const checks = await rerankChecks(backend(bad.url));
    const failed = checks.filter((c) => c.status === 'fail').map((c) => c.check);
    assert.ok(failed.includes('rerank vision tokens synthetic text → page'), failed.join('; '));
    assert.ok(failed.includes('rerank video synthetic 10-frame video → label'), failed.join('; '));
    assert.match(
      checks.find((c) => c.check === 'rerank video synthetic 10-frame video → label')?.message ?? '',
      /video input not supported/,
    );
  } finally {
    await bad.close();
  }
});

test("the cascade recipe reranks the reference's depth: top 100 (eval_reranker.sh TOPK=100)", () => {
  const cfg = parseBackendConfig(
    JSON.parse(readFileSync(join(PACKAGE_ROOT, 'recipes', 'rerank', 'qwen3-vl-cascade.json'), 'utf8')),
    'qwen3-vl-cascade.json',
  );
  assert.equal(cfg.rerankDepth, 100);
  assert.equal((cfg.reranker as { protocol?: string }).protocol, 'qwen3-vl-reranker');
});

test("the reranker's video frames are the embedding chain's frames, pixel for pixel (one qwen-vl-utils chain)", async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { prepareRerankVideo } = await import('../src/rerank/qwen3-vl-reranker.js');
  const { prepareFrameList } = await import('../src/media/qwen-vl-utils.js');
  const { PACKAGE_ROOT } = await import('../src/util/package-root.js');
  const path = join(PACKAGE_ROOT, 'test', 'fixtures', 'resize-goldens', 'src', 'frame-320x240.jpg');
  const frame = new Uint8Array(readFileSync(path));
  // four frames (an even count: both paths get the same padded list), the same buffer each time
  const frames = [frame, frame, frame, frame];
  const paths = frames.map(() => path);
  const rerank = await prepareRerankVideo(frames, paths, [0, 1, 2, 3]);
  const embed = await prepareFrameList(frames, paths);
  assert.equal(rerank.length, embed.data.length);
  for (let i = 0; i < rerank.length; i++) {
    const a = await sharp(rerank[i].data).raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(embed.data[i]).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([a.info.width, a.info.height], [416, 352]);
    assert.deepEqual([b.info.width, b.info.height], [416, 352]);
    assert.ok(a.data.equals(b.data), `frame ${i}: the reranker's pixels differ from the embedding chain's`);
  }
});
