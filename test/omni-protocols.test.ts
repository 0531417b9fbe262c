/**
 * The omni protocols (src/backends/protocols/omni.ts and one file per model): prompts derived by hand from
 * VLM2Vec's process functions (src/model/processor.py at Stars1233/VLM2Vec 44f991d: process_input_text,
 * NVOmni_process_fn, E5Omni_process_fn, LCOOmni_process_fn) for items of the audio families built by hand, the
 * shipped chat templates rendering the same prompts, and the wire: a real HTTP server on 127.0.0.1 receives the
 * `input_audio` parts and decodes the WAV back to the prepared samples, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { OpenAIEmbedder, protocolRequest } from '../src/backends/openai.js';
import { planFor } from '../src/backends/protocols/apply.js';
import { getProtocol, PROTOCOL_NAMES } from '../src/backends/protocols/index.js';
import { stripOmniText } from '../src/backends/protocols/omni.js';
import type { EmbedInput, LoadedAudio, ModelMedia } from '../src/backends/types.js';
import { decodeWav, readWavInfo } from '../src/media/audio-decode.js';
import { encodeFloatWav } from '../src/media/audio-encode.js';
import { DataRoot } from '../src/items/data-root.js';
import type { EvalSet, ItemParts, MediaRef } from '../src/items/types.js';
import { MediaLoader } from '../src/tte/media.js';
import { pcm16Wav } from './audio-fixtures.js';
import { FIXTURES, tempDir } from './helpers.js';

const raw = (text: string): ItemParts => ({ instruction: '', text, rule: { kind: 'raw' } });
const clip = (path: string, start: number | null = null, end: number | null = null): MediaRef => ({ kind: 'audio', path, start, end });

/** Items of the audio families as their parsers build them (docs: mmeb-v3 §3; VLM2Vec's eval_dataset/*.py). */
const ITEMS = {
  // audio_cls: query = the instruction alone (build_query_text, no process_input_text) + the clip
  esc50Query: {
    role: 'query' as const,
    parts: raw('Recognize the environmental sound category of the audio.'),
    media: [clip('esc50/1-100038-A-14.wav')],
  },
  // clotho: "<instruction>\nQuery: <caption>" (text only); candidate "[AUDIO]" + the clip
  clothoQuery: {
    role: 'query' as const,
    parts: raw('Retrieve audio clips that best match the given textual description.\nQuery: A dog barks twice  near a\tbusy road.'),
    media: [],
  },
  clothoCandidate: { role: 'target' as const, parts: raw('[AUDIO]'), media: [clip('clotho/evaluation/dog.wav')] },
  // TUTSound: a segment candidate with the TUTSound instruction
  tutCandidate: {
    role: 'target' as const,
    parts: raw('Retrieve the sound event categories that best match the given audio.'),
    media: [clip('tutsound/audio/street/a001.wav', 1.5, 2.25)],
  },
  // SpeechCOCO: spoken query (instruction + clip) → image candidate with process_input_text(..., add_image_token=True)
  speechQuery: {
    role: 'query' as const,
    parts: raw('Retrieve images that best match the given spoken description.'),
    media: [clip('speechcoco/q1.wav')],
  },
  speechCandidate: {
    role: 'target' as const,
    parts: { instruction: 'Understand the content of the provided image.', text: '', rule: { kind: 'process' } } as ItemParts,
    media: [{ kind: 'image', path: 'speechcoco/COCO_val2014_000000000042.jpg' } as MediaRef],
  },
};

const SYS = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n';
const AUDIO = '<|audio_bos|><|AUDIO|><|audio_eos|>';
const IMAGE = '<|vision_bos|><|IMAGE|><|vision_eos|>';
const END = '<|im_end|>\n';
const GEN = '<|im_start|>assistant\n';

/**
 * Hand-derived references. Nemotron/WAVE: process_input_text's default branch, placeholders stripped, whitespace
 * collapsed ("\n" → " "), no generation prompt. E5-Omni: instruction + text, generation prompt, <|endoftext|>.
 * LCO-Omni: the parsers' raw strings are kept (no process_input_text), the SpeechCOCO candidate becomes the
 * one-word image summary (text dropped), generation prompt.
 */
const REFERENCES: Record<string, Record<keyof typeof ITEMS, string>> = {
  'omni-embed-nemotron': {
    esc50Query: `${SYS}${AUDIO}Recognize the environmental sound category of the audio.${END}`,
    clothoQuery: `${SYS}Retrieve audio clips that best match the given textual description. Query: A dog barks twice near a busy road.${END}`,
    clothoCandidate: `${SYS}${AUDIO}[AUDIO]${END}`,
    tutCandidate: `${SYS}${AUDIO}Retrieve the sound event categories that best match the given audio.${END}`,
    speechQuery: `${SYS}${AUDIO}Retrieve images that best match the given spoken description.${END}`,
    speechCandidate: `${SYS}${IMAGE}Understand the content of the provided image.${END}`,
  },
  'e5-omni': {
    esc50Query: `${SYS}${AUDIO}Recognize the environmental sound category of the audio.${END}${GEN}<|endoftext|>`,
    clothoQuery: `${SYS}Retrieve audio clips that best match the given textual description. Query: A dog barks twice near a busy road.${END}${GEN}<|endoftext|>`,
    clothoCandidate: `${SYS}${AUDIO}[AUDIO]${END}${GEN}<|endoftext|>`,
    tutCandidate: `${SYS}${AUDIO}Retrieve the sound event categories that best match the given audio.${END}${GEN}<|endoftext|>`,
    speechQuery: `${SYS}${AUDIO}Retrieve images that best match the given spoken description.${END}${GEN}<|endoftext|>`,
    speechCandidate: `${SYS}${IMAGE}Understand the content of the provided image.${END}${GEN}<|endoftext|>`,
  },
  'lco-omni': {
    esc50Query: `${SYS}${AUDIO}Recognize the environmental sound category of the audio.${END}${GEN}`,
    clothoQuery: `${SYS}Retrieve audio clips that best match the given textual description. Query: A dog barks twice near a busy road.${END}${GEN}`,
    clothoCandidate: `${SYS}${AUDIO}[AUDIO]${END}${GEN}`,
    tutCandidate: `${SYS}${AUDIO}Retrieve the sound event categories that best match the given audio.${END}${GEN}`,
    speechQuery: `${SYS}${AUDIO}Retrieve images that best match the given spoken description.${END}${GEN}`,
    speechCandidate: `${SYS}${IMAGE}Summarize the above image in one word:${END}${GEN}`,
  },
};
REFERENCES.wave = REFERENCES['omni-embed-nemotron'];

const RED_PNG = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-models', 'images', 'red32.png')));

/** Stand-in loaded media of the right kinds (the plan reads only kinds and counts). */
function loadedOf(media: MediaRef[]): ModelMedia[] {
  return media.map((m) =>
    m.kind === 'audio'
      ? { kind: 'audio', path: m.path, samples: new Float32Array(1600).fill(0.25), sampleRate: 16000 }
      : m.kind === 'image'
        ? { kind: 'image', path: m.path, data: RED_PNG }
        : { kind: 'frames', paths: m.paths, data: m.paths.map(() => new Uint8Array([0xff, 0xd8, 0xff])) },
  );
}

/** vLLM hands a template its media parts as {type: <modality>} and text parts as they are. */
function templateMessages(body: Record<string, unknown>) {
  const kind: Record<string, string> = { image_url: 'image', video_url: 'video', input_audio: 'audio' };
  return (body.messages as { role: string; content: { type: string; text?: string }[] }[]).map((m) => ({
    role: m.role,
    content: m.content.map((p) => (kind[p.type] ? { type: kind[p.type] } : p)),
  }));
}

test('the omni protocols are registered, send audio, and the V2 protocols still refuse it', () => {
  for (const name of ['omni-embed-nemotron', 'e5-omni', 'lco-omni', 'wave']) {
    assert.ok(PROTOCOL_NAMES.includes(name), name);
    assert.equal(getProtocol(name).audio, true);
  }
  for (const name of ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding', 'plain']) assert.notEqual(getProtocol(name).audio, true);
});

test("_strip_special_tokens: every backbone's image/video placeholder becomes a space, whitespace collapses as str.split()", () => {
  assert.equal(stripOmniText('<|image_pad|> Find\nthe  <|IMAGE|>cat<|video_pad|>\u3000x'), 'Find the cat x');
  assert.equal(stripOmniText('<image><|image_1|><|VIDEO|>'), ' ');
  assert.equal(stripOmniText('<|audio_pad|> Represent the given audio. '), '<|audio_pad|> Represent the given audio.');
  assert.equal(stripOmniText('a\u200bb'), 'a\u200bb'); // zero-width space is not whitespace to Python
});

for (const name of ['omni-embed-nemotron', 'e5-omni', 'lco-omni', 'wave']) {
  test(`${name}: prompts match the hand-derived references, media go images → video → audio → text, the template renders the same`, async () => {
    const protocol = getProtocol(name);
    for (const [key, it] of Object.entries(ITEMS) as [keyof typeof ITEMS, (typeof ITEMS)[keyof typeof ITEMS]][]) {
      const input: EmbedInput = { text: it.parts.text, parts: it.parts, role: it.role, media: loadedOf(it.media) };
      const plan = planFor(protocol, input);
      assert.equal(plan.prompt, REFERENCES[name][key], `${name} ${key}`);
      assert.equal(plan.flags.add_generation_prompt, name === 'e5-omni' || name === 'lco-omni');
      // the wire: the protocol's own template, flags and exact-prompt handling
      const { body } = await protocolRequest(plan, input.media, { model: 'm' });
      if (!plan.media.length) {
        assert.equal(body.input, plan.prompt);
        assert.equal(body.add_special_tokens, false);
        continue;
      }
      const rendered = new Template(body.chat_template as string).render({
        messages: templateMessages(body),
        add_generation_prompt: body.add_generation_prompt === true,
      });
      assert.equal(rendered, plan.prompt, `${name} ${key}: template`);
      const parts = (body.messages as { content: { type: string }[] }[])[0].content.map((p) => p.type);
      assert.equal(parts[parts.length - 1], 'text');
    }
    // order: an item with an image, a video and a clip, listed audio-first, is sent images → video → audio → text
    const mixed: EmbedInput = {
      text: 'x',
      parts: raw('x'),
      role: 'query',
      media: loadedOf([clip('a.wav'), { kind: 'frames', paths: ['v/1.jpg', 'v/2.jpg'] }, { kind: 'image', path: 'i.jpg' }]),
    };
    const plan = planFor(protocol, mixed);
    assert.deepEqual(
      plan.media.map((m) => m.type),
      ['image', 'video', 'audio'],
    );
    assert.ok(plan.prompt.includes(`${IMAGE}<|vision_bos|><|VIDEO|><|vision_eos|>${AUDIO}x<|im_end|>`));
  });
}

/** A temporary data root holding WAV files. */
function dataRoot(files: Record<string, Uint8Array>): { root: DataRoot; dir: string } {
  const dir = tempDir('omni-audio-');
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  return { root: new DataRoot(dir), dir };
}

const evalSetFor = (name: string) => ({ task: { name }, inlineMedia: new Map() }) as unknown as EvalSet;

test('over HTTP: a server on 127.0.0.1 gets input_audio parts whose WAV decodes to the prepared samples, bit for bit', async () => {
  // a 44.1 kHz stereo 16-bit recording, cut to a segment, mixed, resampled to 16 kHz by the media loader
  const { root } = dataRoot({ 'tutsound/audio/street/a001.wav': pcm16Wav(44100, 2, 44100 * 3) });
  const loader = new MediaLoader(root, evalSetFor('TUTSound'));
  const media = await loader.loadAll([clip('tutsound/audio/street/a001.wav', 1.5, 2.25)], 'seg-1');
  assert.equal(media.length, 1);
  const prepared = media[0] as LoadedAudio;
  assert.equal(prepared.kind, 'audio');
  assert.equal(prepared.sampleRate, 16000);
  assert.equal(prepared.samples.length, 12000); // 0.75 s × 44.1 kHz = 33075 frames → ceil(33075·160/441)

  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ index: 0, embedding: [0.6, 0.8, 0] }], usage: { prompt_tokens: 3 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  try {
    for (const name of ['omni-embed-nemotron', 'e5-omni', 'lco-omni']) {
      const client = new OpenAIEmbedder({ baseURL: url, model: 'omni', protocol: name });
      const [v] = await client.embed([{ text: '[AUDIO]', parts: raw('[AUDIO]'), role: 'target', media }]);
      assert.deepEqual([...v], [0.6000000238418579, 0.800000011920929, 0]);
      const body = bodies[bodies.length - 1];
      const content = (body.messages as { content: { type: string; input_audio?: { data: string; format: string } }[] }[])[0].content;
      const part = content.find((p) => p.type === 'input_audio');
      assert.ok(part?.input_audio, name);
      assert.equal(part.input_audio.format, 'wav');
      const wav = new Uint8Array(Buffer.from(part.input_audio.data, 'base64'));
      const info = readWavInfo(wav, 'sent.wav');
      assert.deepEqual([info.format, info.bitsPerSample, info.channels, info.sampleRate], ['float', 32, 1, 16000]);
      const back = decodeWav(wav, 'sent.wav').data;
      assert.deepEqual(
        Buffer.from(back.buffer, back.byteOffset, back.byteLength),
        Buffer.from(prepared.samples.buffer, prepared.samples.byteOffset, prepared.samples.byteLength),
      );
      assert.equal(body.add_generation_prompt, name !== 'omni-embed-nemotron');
      assert.equal(typeof body.chat_template, 'string');
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('float32 WAV encoding is exact for any float32 sample, including subnormals and values outside [-1, 1]', () => {
  const samples = new Float32Array([0, -0, 1e-45, -3.4028234663852886e38, 1.5, -1, 0.1, 2 ** -126]);
  const wav = encodeFloatWav({ samples, sampleRate: 16000 });
  assert.equal(wav.length, 44 + samples.length * 4);
  const back = decodeWav(wav, 'x.wav').data;
  assert.deepEqual(new Uint8Array(back.buffer), new Uint8Array(samples.buffer));
});

test('doctor sends a tiny clip to omni servers: pass when an embedding comes back, fail with a fix when audio is refused', async () => {
  const { runDoctor } = await import('../src/engine/doctor.js');
  const { parseBackendConfig } = await import('../src/backends/config.js');
  let refuseAudio = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/models') return res.end(JSON.stringify({ data: [{ id: 'omni' }] }));
      if (req.url !== '/v1/embeddings') {
        res.statusCode = 404;
        return res.end('{}');
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        messages?: { content: { type: string; input_audio?: { data: string } }[] }[];
      };
      const audio = body.messages?.[0].content.find((p) => p.type === 'input_audio');
      if (audio && refuseAudio) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ error: 'At most 0 audio(s) may be provided in one prompt.' }));
      }
      if (audio) {
        // the clip decodes: 8000 float32 samples at 16 kHz
        const info = readWavInfo(new Uint8Array(Buffer.from(audio.input_audio?.data ?? '', 'base64')), 'doctor.wav');
        assert.deepEqual([info.frames, info.sampleRate, info.format], [8000, 16000, 'float']);
      }
      res.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 0, 0] }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const backend = parseBackendConfig({
    name: 'omni',
    pipeline: 'no-think',
    embedder: { type: 'openai', model: 'omni', protocol: 'omni-embed-nemotron', requestFormat: 'messages', baseURL },
  });
  try {
    const ok = (await runDoctor(backend, { samples: [] })).find((c) => c.check === 'audio');
    assert.equal(ok?.status, 'pass', JSON.stringify(ok));
    refuseAudio = true;
    const bad = (await runDoctor(backend, { samples: [] })).find((c) => c.check === 'audio');
    assert.equal(bad?.status, 'fail');
    assert.match(bad?.fix ?? '', /--limit-mm-per-prompt/);
    // protocols without audio get no audio check
    const v2 = parseBackendConfig({ ...backend, embedder: { ...backend.embedder, protocol: 'vlm2vec-qwen2vl' } });
    assert.equal(
      (await runDoctor(v2, { samples: [] })).find((c) => c.check === 'audio'),
      undefined,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
