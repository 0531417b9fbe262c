/**
 * doctor's vision-token calibration and per-family samples against real HTTP servers on 127.0.0.1 that
 * answer /tokenize as vLLM does for chat messages with media (the prompt rendered with the request's template,
 * every <|image_pad|> / <|video_pad|> expanded to the grid the server's processor computes): one that honours
 * the request's `do_resize: false`, one that ignores it and resizes the frames again with transformers'
 * Qwen3VLVideoProcessor defaults, and one that refuses videos.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer } from '@huggingface/transformers';
import sharp from 'sharp';
import { parseBackendConfig } from '../src/backends/config.js';
import { PROTOCOLS } from '../src/backends/protocols/index.js';
import { calibrationSamples, expectedVisionTokens, familySamples, formatChecks, runDoctor } from '../src/engine/doctor.js';
import { qwenSmartResize } from '../src/media/qwen-vl-utils.js';
import { FIXTURES, FORMATS_ROOT } from './helpers.js';

type Mode = 'honours-do-resize' | 'ignores-do-resize' | 'refuses-video';
type Part = { type: string; text?: string; image_url?: { url: string }; video_url?: { url: string } };

const FACTOR = 32;

/**
 * transformers' Qwen3-VL video smart_resize (models/qwen3_vl/video_processing_qwen3_vl.py, read at 04e7e5e) over
 * t·h·w with the processor's default size {shortest_edge: 128·32², longest_edge: 768·32²}: what a server that
 * drops `do_resize: false` does to the frames.
 */
function videoResize(t: number, h: number, w: number): [number, number] {
  const [min, max] = [128 * FACTOR * FACTOR, 768 * FACTOR * FACTOR];
  let hb = Math.round(h / FACTOR) * FACTOR;
  let wb = Math.round(w / FACTOR) * FACTOR;
  const tb = Math.round(t / 2) * 2;
  if (tb * hb * wb > max) {
    const beta = Math.sqrt((t * h * w) / max);
    hb = Math.max(FACTOR, Math.floor(h / beta / FACTOR) * FACTOR);
    wb = Math.max(FACTOR, Math.floor(w / beta / FACTOR) * FACTOR);
  } else if (tb * hb * wb < min) {
    const beta = Math.sqrt(min / (t * h * w));
    hb = Math.ceil((h * beta) / FACTOR) * FACTOR;
    wb = Math.ceil((w * beta) / FACTOR) * FACTOR;
  }
  return [hb, wb];
}

async function size(b64: string): Promise<[number, number]> {
  const m = await sharp(Buffer.from(b64, 'base64')).metadata();
  return [m.height ?? 0, m.width ?? 0];
}

async function gridServer(mode: Mode): Promise<{ base: string; close: () => Promise<void> }> {
  const tok = await AutoTokenizer.from_pretrained(join(FIXTURES, 'tiny-models', 'tiny-qwen2-embedder'), { local_files_only: true });
  const encode = (s: string): number[] => tok.encode(s, { add_special_tokens: false });
  const [imagePad] = encode('<|image_pad|>');
  const [videoPad] = encode('<|video_pad|>');
  const hasVideo = (body: Record<string, unknown>) => JSON.stringify(body.messages ?? '').includes('"video_url"');
  const handle = async (url: string, body: Record<string, unknown>): Promise<[number, unknown]> => {
    if (url === '/v1/models') return [200, { data: [{ id: 'served-model' }] }];
    if (url === '/v1/embeddings') {
      if (mode === 'refuses-video' && hasVideo(body)) return [400, { error: { message: 'video input is not supported by this model' } }];
      return [200, { data: [{ index: 0, embedding: [0.1, 0.2, 0.3] }] }];
    }
    if (url !== '/tokenize') return [404, { detail: 'Not Found' }];
    if (typeof body.prompt === 'string') return [200, { tokens: encode(body.prompt) }];
    const messages = body.messages as { role: string; content: Part[] }[];
    const text = new Template(body.chat_template as string).render({
      messages: messages.map((m) => ({
        role: m.role,
        content: m.content.map((p) => (p.type === 'image_url' ? { type: 'image' } : p.type === 'video_url' ? { type: 'video' } : p)),
      })),
      add_generation_prompt: body.add_generation_prompt !== false,
    });
    const kwargs = (body.mm_processor_kwargs ?? {}) as { do_resize?: boolean; min_pixels?: number; max_pixels?: number };
    const keep = kwargs.do_resize === false && mode !== 'ignores-do-resize';
    const counts: { pad: number; n: number }[] = [];
    for (const p of messages.flatMap((m) => m.content)) {
      if (p.type === 'image_url') {
        const [h, w] = await size((p.image_url?.url ?? '').split(',')[1]);
        const [hh, ww] = keep
          ? [h, w]
          : qwenSmartResize(h, w, FACTOR, kwargs.min_pixels ?? 4096, kwargs.max_pixels ?? 16384 * FACTOR * FACTOR);
        counts.push({ pad: imagePad, n: (hh / FACTOR) * (ww / FACTOR) });
      } else if (p.type === 'video_url') {
        const frames = (p.video_url?.url ?? '').slice('data:video/jpeg;base64,'.length).split(',');
        const [h, w] = await size(frames[0]);
        const [hh, ww] = keep ? [h, w] : videoResize(frames.length, h, w);
        counts.push({ pad: videoPad, n: Math.ceil(frames.length / 2) * (hh / FACTOR) * (ww / FACTOR) });
      }
    }
    const out: number[] = [];
    for (const t of encode(text)) {
      const i = counts.findIndex((c) => c.pad === t);
      if (i < 0) out.push(t);
      else out.push(...Array<number>(counts.splice(i, 1)[0].n).fill(t));
    }
    return [200, { tokens: out, count: out.length }];
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      const [status, json] = await handle(req.url ?? '', body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(() => r())) };
}

const config = (base: string) =>
  parseBackendConfig({
    name: 'd',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: base, model: 'served-model', protocol: 'qwen3-vl-embedding' },
  });

test("the calibration items' vision tokens under qwen3-vl-embedding, derived from the grid rules", async () => {
  const [image, v8, v64] = await calibrationSamples();
  const p = PROTOCOLS['qwen3-vl-embedding'];
  // 300×200: smart_resize(200, 300, 32, 4096, 1843200): round(6.25) = 6 → 192, round(9.375) = 9 → 288: 6·9 = 54
  assert.deepEqual(expectedVisionTokens(p, image.input), { image: 54, video: 0, detail: 'an image of 288×192' });
  // 320×240 frames end at 416×352 (13·11 = 143 tokens a frame), frames in pairs: 8 → 4·143, 64 → 32·143
  assert.deepEqual(expectedVisionTokens(p, v8.input), { image: 0, video: 572, detail: '8 frames of 416×352' });
  assert.deepEqual(expectedVisionTokens(p, v64.input), { image: 0, video: 4576, detail: '64 frames of 416×352' });
});

test('doctor passes a server that honours do_resize: false, and its vision-token counts equal the grid', async () => {
  const srv = await gridServer('honours-do-resize');
  try {
    const checks = await runDoctor(config(srv.base));
    assert.deepEqual(
      checks.filter((c) => c.status !== 'pass'),
      [],
      formatChecks(checks),
    );
    const vision = checks.filter((c) => c.check.startsWith('vision tokens'));
    assert.deepEqual(
      vision.map((c) => c.message),
      [
        "54 image tokens, as the protocol's grid gives (an image of 288×192)",
        "572 video tokens, as the protocol's grid gives (8 frames of 416×352)",
        "4576 video tokens, as the protocol's grid gives (64 frames of 416×352)",
      ],
    );
  } finally {
    await srv.close();
  }
});

test('doctor fails a server that ignores do_resize: false, naming the kwarg and the flags', async () => {
  const srv = await gridServer('ignores-do-resize');
  try {
    const checks = await runDoctor(config(srv.base));
    const failed = checks.filter((c) => c.status === 'fail');
    assert.deepEqual(
      failed.map((c) => c.check),
      ['vision tokens calibration 8-frame video', 'vision tokens calibration 64-frame video'],
      formatChecks(checks),
    );
    // 8 frames of 416×352 resized again under 768·32² for the whole video: 9·10 patches a frame pair → 360
    assert.match(failed[0].message, /the server reports 360 video tokens, the protocol's grid 572/);
    for (const c of failed) {
      assert.match(c.fix ?? '', /"do_resize": false/);
      assert.match(c.fix ?? '', /--media-io-kwargs/);
    }
  } finally {
    await srv.close();
  }
});

test('doctor embeds one item per task family of the planned run and names the one a server refuses', async () => {
  const samples = await familySamples(['HMDB51', 'MSVD', 'N24News', 'HatefulMemes'], FORMATS_ROOT, 'qwen3-vl-embedding');
  // the two image classification tasks (N24News, HatefulMemes) share one parser family; HMDB51 and MSVD have their own
  const names = samples.map((s) => s.name);
  assert.ok(names.some((n) => n.startsWith('HMDB51 query')));
  assert.ok(names.some((n) => n.startsWith('N24News query')));
  assert.ok(names.some((n) => n.startsWith('MSVD')));
  assert.ok(!names.some((n) => n.startsWith('HatefulMemes')), 'a second task of a family adds nothing');
  const srv = await gridServer('refuses-video');
  try {
    const checks = await runDoctor(config(srv.base), { samples });
    const failed = checks.filter((c) => c.status === 'fail' && c.check.startsWith('embed'));
    assert.ok(failed.length >= 1, formatChecks(checks));
    assert.ok(
      failed.every((c) => /^embed (HMDB51|MSVD) /.test(c.check)),
      formatChecks(checks),
    );
    assert.match(failed[0].message, /HTTP 400: .*video input is not supported/);
  } finally {
    await srv.close();
  }
});
