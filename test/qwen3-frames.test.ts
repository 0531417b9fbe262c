/**
 * Qwen3-VL-Embedding's video frames as qwen-vl-utils 0.0.14 leaves them (QwenLM/Qwen3-VL at 0dcc180,
 * qwen-vl-utils/src/qwen_vl_utils/vision_process.py; the embedder QwenLM/Qwen3-VL-Embedding 8ce3aab
 * src/models/qwen3_vl_embedding.py). The sizes are a table derived by hand from those formulas, the pixels of a
 * whole chain equal the Pillow-then-torchvision golden, and `render` shows the sizes and the request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseBackendConfig } from '../src/backends/config.js';
import { qwen3VideoFrames } from '../src/backends/protocols/qwen3-vl-embedding.js';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { renderEvalSet, type RenderLine } from '../src/engine/render.js';
import { DataRoot } from '../src/items/data-root.js';
import {
  QWEN_VL_UTILS_0_0_14_FRAME_LIST,
  frameListMaxPixels,
  frameListSizes,
  prepareFrameList,
  pyRound,
  qwenSmartResize,
} from '../src/media/qwen-vl-utils.js';
import { resizePillowBicubic, resizeTorchAaBicubic, resizeTorchvisionBicubicFloat } from '../src/media/resize.js';
import { decodeRgb } from '../src/media/decode.js';
import { MediaLoader } from '../src/tte/media.js';
import { FIXTURES, FORMATS_ROOT } from './helpers.js';

// The table, W×H, hand-executed from vision_process.py (0.0.14):
//  step 1 fetch_image (:93-141) with image_patch_size = 32 (fetch_video passes its image_factor, :425), so
//         patch_factor 64 (:100), min 4·64² = 16,384, max 16,384·64² (:131-132); smart_resize (:56-81);
//  step 2 nframes = ceil_by_factor(count, 2) (:430);
//  step 3 smart_resize(h1, w1, 32, 128·32² = 131,072, max(min(768·32², 7,864,320 / n · 2), 137,625)) (:449-469).
// e.g. 320×240: 240/64 = 3.75 → 4·64 = 256, 320/64 = 5 → 320; 320×256 = 81,920 < 131,072, so
// beta = sqrt(131,072 / 81,920) = 1.2649, h = ceil(256·1.2649 / 32)·32 = 11·32 = 352, w = ceil(320·1.2649 / 32)·32 = 416.
// 1280×720 at 64 frames: 720/64 = 11.25 → 704; step 3 cap 7,864,320 / 64 · 2 = 245,760 < 1280·704, beta = 1.9149,
// h = floor(704 / 1.9149 / 32)·32 = 352, w = floor(1280 / 1.9149 / 32)·32 = 640.
// 160×96: Python's round sends the halves 1.5 and 2.5 to 2, so both sides snap to 128 (JavaScript's would give 192).
// Counts 3-20 share the 768·32² cap (7,864,320 / 20 · 2 = 786,432); 64 frames get 245,760 a frame.
const TABLE: { source: [number, number]; step1: [number, number]; upTo20: [number, number]; at64: [number, number] }[] = [
  { source: [320, 240], step1: [320, 256], upTo20: [416, 352], at64: [416, 352] },
  { source: [176, 144], step1: [192, 128], upTo20: [448, 320], at64: [448, 320] },
  { source: [1280, 720], step1: [1280, 704], upTo20: [1184, 640], at64: [640, 352] },
  { source: [640, 480], step1: [640, 512], upTo20: [640, 512], at64: [544, 416] },
  { source: [1920, 1080], step1: [1920, 1088], upTo20: [1152, 640], at64: [640, 352] },
  { source: [3840, 2160], step1: [3840, 2176], upTo20: [1152, 640], at64: [640, 352] },
  { source: [854, 480], step1: [832, 512], upTo20: [832, 512], at64: [608, 384] },
  { source: [480, 360], step1: [512, 384], upTo20: [512, 384], at64: [512, 384] },
  { source: [720, 1280], step1: [704, 1280], upTo20: [640, 1184], at64: [352, 640] }, // tall
  { source: [100, 2000], step1: [128, 1984], upTo20: [128, 1984], at64: [96, 1920] }, // very tall
  { source: [16, 16], step1: [128, 128], upTo20: [384, 384], at64: [384, 384] }, // tiny
  { source: [48, 40], step1: [192, 128], upTo20: [448, 320], at64: [448, 320] },
  { source: [160, 96], step1: [128, 128], upTo20: [384, 384], at64: [384, 384] }, // round-half-even
  { source: [224, 160], step1: [256, 128], upTo20: [512, 256], at64: [512, 256] },
];

test('frame sizes equal the table hand-derived from qwen-vl-utils 0.0.14, for frame counts 3, 8, 11, 16 and 64', () => {
  for (const row of TABLE) {
    for (const count of [3, 8, 11, 16, 64]) {
      const s = frameListSizes(row.source[0], row.source[1], count);
      const what = `${row.source.join('×')} × ${count} frames`;
      assert.equal(s.frames, count + (count % 2), `${what}: padded count`);
      assert.deepEqual(s.frameSize, row.step1, `${what}: fetch_image size`);
      assert.deepEqual(s.videoSize, count === 64 ? row.at64 : row.upTo20, `${what}: final size`);
    }
  }
  // the cap between (vision_process.py:451): 22 frames 714,938.18…, 30 frames 524,288, 63 frames padded to 64
  assert.equal(frameListMaxPixels(22), (7864320 / 22) * 2);
  assert.deepEqual(frameListSizes(1280, 720, 22).videoSize, [1120, 608]);
  assert.deepEqual(frameListSizes(1280, 720, 30).videoSize, [960, 512]);
  assert.deepEqual(frameListSizes(1280, 720, 63), { frames: 64, frameSize: [1280, 704], videoSize: [640, 352], maxPixels: 245760 });
  // smart_resize raises on an aspect ratio above 200 (:67-70)
  assert.throws(() => frameListSizes(10, 2500, 8), /aspect ratio/);
  assert.equal(pyRound(2.5), 2);
  assert.equal(pyRound(3.5), 4);
  assert.deepEqual(qwenSmartResize(96, 160, 64, 16384, 16384 * 64 * 64), [128, 128]);
});

test('the frames sent: at most 64 by linspace, an odd count padded with its last frame', () => {
  assert.deepEqual(qwen3VideoFrames(3), [0, 1, 2, 2]);
  assert.deepEqual(qwen3VideoFrames(8), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(qwen3VideoFrames(11).length, 12);
  assert.equal(qwen3VideoFrames(11)[11], 10);
  assert.equal(qwen3VideoFrames(16).length, 16);
  assert.equal(qwen3VideoFrames(64).length, 64);
  // 100 frames: np.linspace(0, 99, 64, dtype=int) (qwen3_vl_embedding.py:124), already even
  const f = qwen3VideoFrames(100);
  assert.equal(f.length, 64);
  assert.deepEqual([f[0], f[1], f[2], f[63]], [0, 1, 3, 99]);
});

const GOLDENS = join(FIXTURES, 'resize-goldens');

async function raw(file: string | Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

test('a whole frame chain sends the torchvision chain golden: Pillow bicubic to the fetch_image size, then torchvision', async () => {
  // the golden: Pillow's image.resize((192, 128)) then torchvision.transforms.functional.resize(uint8 tensor,
  // [320, 448], BICUBIC, antialias=True), made by scripts/make-torchvision-goldens.py with torch 1.13 — so the
  // chain runs here with torch 1.13's filter arithmetic; the default chain uses torch 2.x's (the reference's 2.8)
  const bytes = new Uint8Array(readFileSync(join(GOLDENS, 'src', 'frame-176x144.jpg')));
  const torch1 = { ...QWEN_VL_UTILS_0_0_14_FRAME_LIST, torchvisionCubic: 'torch1' as const };
  // three frames of the same picture: padded to four, all equal to the golden
  const p = await prepareFrameList([bytes, bytes, bytes, bytes], ['a', 'b', 'c', 'c'], torch1);
  assert.equal(p.data.length, 4);
  const want = await raw(join(FIXTURES, 'torchvision-goldens', 'chain-frame-176x144@192x128-448x320.png'));
  for (const frame of p.data) {
    const got = await raw(frame);
    assert.deepEqual([got.width, got.height], [448, 320]);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), 'pixels equal the golden');
  }
});

test("the default chain's second step is torchvision's float path with torch 2.x's filter, not torch's uint8 kernel", async () => {
  const bytes = new Uint8Array(readFileSync(join(GOLDENS, 'src', 'frame-320x240.jpg')));
  const p = await prepareFrameList([bytes, bytes], ['a', 'b']);
  const got = (await raw(p.data[0])).data;
  const rgb = await decodeRgb(bytes, 'frame-320x240.jpg');
  const step1 = resizePillowBicubic(rgb.data, 320, 240, 320, 256, 3, { tallVerticalFirst: false });
  assert.ok(Buffer.from(got).equals(Buffer.from(resizeTorchvisionBicubicFloat(step1, 320, 256, 416, 352, 3, { cubic: 'torch2' }))));
  // what the chain sent before (the uint8 kernel, resize-goldens/chain) differs
  assert.ok(!Buffer.from(got).equals(Buffer.from(resizeTorchAaBicubic(step1, 320, 256, 416, 352, 3))));
  const old = await raw(join(GOLDENS, 'chain', 'frame-320x240@320x256-416x352.png'));
  assert.ok(!Buffer.from(got).equals(Buffer.from(old.data)));
});

test('frames whose fetch_image sizes differ are refused, naming both (the reference stacks them and fails)', async () => {
  const a = new Uint8Array(readFileSync(join(GOLDENS, 'src', 'frame-320x240.jpg')));
  const b = new Uint8Array(readFileSync(join(GOLDENS, 'src', 'frame-176x144.jpg')));
  await assert.rejects(prepareFrameList([a, b], ['v/1.jpg', 'v/2.jpg']), /v\/1\.jpg: 320×240 → 320×256, v\/2\.jpg: 176×144 → 192×128/);
});

test('render of a video item shows the padded frames, their sizes and a request that tells the server not to resize', async () => {
  const backend = parseBackendConfig({
    name: 'q',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1', model: 'm', protocol: 'qwen3-vl-embedding' },
  });
  const es = (await loadEvalSet(getTask('HMDB51'), { dataRoot: FORMATS_ROOT, profile: 'qwen3-vl-embedding' })).evalSet;
  const lines: RenderLine[] = [];
  for await (const l of renderEvalSet(es, backend, new MediaLoader(new DataRoot(FORMATS_ROOT), es), { limit: 1 })) lines.push(l);
  const q = lines[0];
  const folder = es.queries[0].media[0];
  assert.ok(folder.kind === 'frames');
  const n = folder.paths.length;
  const padded = n + (n % 2);
  assert.ok(q.media[0].type === 'video');
  if (q.media[0].type === 'video') {
    assert.equal(q.media[0].frames.length, padded);
    assert.equal(q.media[0].frames[padded - 1], folder.paths[n - 1], 'the last frame repeated');
  }
  // the fixture frames are 8×8: step 1 smart_resize(8, 8, 64): round(0.125) = 0 → 64; 64·64 < 16,384 → beta =
  // sqrt(16,384 / 64) = 16, ceil(8·16 / 64)·64 = 128; step 3: 128·128 < 131,072 → beta = 2√2, ceil(128·2.83 / 32) = 12 → 384
  assert.deepEqual(q.resized, [
    { type: 'video', frames: padded, from: '8×8', frameSize: '128×128', to: '384×384', maxPixels: frameListMaxPixels(padded) },
  ]);
  assert.deepEqual(q.request.mm_processor_kwargs, { do_resize: false });
  assert.deepEqual(q.request.media_io_kwargs, { video: { num_frames: padded, fps: 2 } });
  const url = (q.request.messages as { content: { type: string; video_url?: { url: string } }[] }[])[1].content[0].video_url?.url;
  assert.match(url ?? '', new RegExp(`\\(${padded} frames, \\d+ bytes\\)`));
  // a candidate (text) has nothing resized
  assert.equal(lines[1].resized, undefined);
});
