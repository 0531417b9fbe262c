/**
 * Audio through the harness: an EvalSet with clips embedded by the pipeline (builtin floor), cache keys that
 * follow the prepared samples, `render` for an omni protocol, and `serve` taking input_audio parts and giving the
 * same vectors as in-process embedding. Real WAV files in a temporary data root, a real HTTP server on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { OpenAIEmbedder } from '../src/backends/openai.js';
import { createBackend } from '../src/backends/registry.js';
import type { EmbedInput, LoadedAudio } from '../src/backends/types.js';
import { catalogFor, getTask } from '../src/catalog/load.js';
import { renderItem } from '../src/engine/render.js';
import { getProtocol } from '../src/backends/protocols/index.js';
import { DataRoot } from '../src/items/data-root.js';
import type { AudioRef, EvalSet, Item, MediaRef } from '../src/items/types.js';
import { startServer } from '../src/serve/server.js';
import { Cache, mediaDigest } from '../src/tte/cache.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { MediaLoader } from '../src/tte/media.js';
import { tempDir } from './helpers.js';
import { decodeWav, readWavInfo } from '../src/media/audio-decode.js';
import { audioLimits, cropAudio, decodeMono, headFramesNeeded, mixToMono, prepareAudio, resample } from '../src/media/audio-prepare.js';
import { pcm16Wav } from './audio-fixtures.js';

const V3 = catalogFor('v3');
const clip = (path: string, start: number | null = null, end: number | null = null): AudioRef => ({ kind: 'audio', path, start, end });

function root(files: Record<string, Uint8Array>): string {
  const dir = tempDir('audio-harness-');
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  return dir;
}

/** ESC-50-shaped: audio queries against class-name candidates (local), one clip held in the data (inline). */
function esc50(files: { a: string; b: string; inline: Uint8Array }): EvalSet {
  const q = (id: string, media: MediaRef[], gold: string) => ({
    id,
    text: 'Recognize the environmental sound category of the audio.',
    media,
    candidateIds: ['dog', 'rain'],
    gold: [gold],
    relScores: null,
  });
  return {
    task: getTask('ESC-50', V3),
    version: 'v3',
    format: 'qwen2-vl',
    mode: 'local',
    queries: [q('q0', [clip(files.a)], 'dog'), q('q1', [clip(files.b)], 'rain'), q('q2', [clip('esc50/data/test.parquet#3/audio')], 'dog')],
    candidates: [
      { id: 'dog', text: 'dog', media: [] },
      { id: 'rain', text: 'rain', media: [] },
    ],
    inlineMedia: new Map([['esc50/data/test.parquet#3/audio', files.inline]]),
    dataFiles: [],
  };
}

test('the pipeline embeds clips (files and bytes held in the data), caches by prepared samples, and reuses them', async () => {
  const a = pcm16Wav(44100, 2, 44100, 1);
  const dir = root({ 'esc50/audio/a.wav': a, 'esc50/audio/b.wav': pcm16Wav(22050, 1, 30000, 3) });
  const es = esc50({ a: 'esc50/audio/a.wav', b: 'esc50/audio/b.wav', inline: a });
  const backend = await createBackend(parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } }));
  const cache = new Cache(join(dir, 'cache'));
  const out = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v3', cache });
  // the same recording from a file and from the data's bytes prepares to the same samples: one computation
  assert.deepEqual([...out.queryVectors[2]], [...out.queryVectors[0]]);
  assert.notDeepEqual([...out.queryVectors[1]], [...out.queryVectors[0]]);
  assert.equal(out.stats.embedCalls > 0, true);
  const again = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v3', cache });
  assert.equal(again.stats.embedCalls, 0);
  assert.deepEqual(again.queryVectors, out.queryVectors);
  // a longer crop limit changes what the model hears for a 1 s clip? no: same samples, same key, still cached
  const same = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es, { maxSeconds: 30 }), { version: 'v3', cache });
  assert.equal(same.stats.embedCalls, 0);
  // a crop that cuts the clip is a different input: a new key, computed again
  const cut = await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es, { maxSeconds: 0.5 }), { version: 'v3', cache });
  assert.ok(cut.stats.embedCalls > 0);
  assert.notDeepEqual([...cut.queryVectors[0]], [...out.queryVectors[0]]);
  await backend.close();
});

test('--audio-max-seconds 30 vs the default 10.24 s: a 12 s clip prepares to other samples, so its cache key differs', async () => {
  const dir = root({ 'long.wav': pcm16Wav(8000, 1, 12 * 8000, 5) });
  const es = esc50({ a: 'long.wav', b: 'long.wav', inline: new Uint8Array() });
  const digest = async (opts?: { maxSeconds?: number; crop?: 'head' | 'center' }) => {
    const [m] = await new MediaLoader(new DataRoot(dir), es, opts).loadAll([clip('long.wav')]);
    assert.equal(m.kind, 'audio');
    return { samples: m.kind === 'audio' ? m.samples.length : -1, key: mediaDigest([m])[0] };
  };
  const byDefault = await digest();
  const ten = await digest({ maxSeconds: 10.24 });
  const thirty = await digest({ maxSeconds: 30 });
  // 10.24 s at 16 kHz = 163840 samples; 30 s keeps the whole 12 s (192000)
  assert.deepEqual([byDefault.samples, thirty.samples], [163840, 192000]);
  assert.equal(ten.key, byDefault.key);
  assert.notEqual(thirty.key, byDefault.key);
  // the same length from the clip's centre is other samples again
  assert.notEqual((await digest({ crop: 'center' })).key, byDefault.key);
});

test('a clip under the collator minimum (400 samples at 16 kHz) is left out: the item is embedded as its text', async () => {
  const dir = root({ 'short.wav': pcm16Wav(16000, 1, 399) });
  const es = esc50({ a: 'short.wav', b: 'short.wav', inline: new Uint8Array() });
  const media = await new MediaLoader(new DataRoot(dir), es).loadAll([clip('short.wav')], 'q0');
  assert.deepEqual(media, []);
});

test('render: an omni protocol lists the clip with its prepared length and shortens the input_audio payload', async () => {
  const dir = root({ 'tut/a.wav': pcm16Wav(48000, 2, 48000 * 4) });
  const es = esc50({ a: 'tut/a.wav', b: 'tut/a.wav', inline: new Uint8Array() });
  const backend = parseBackendConfig({
    name: 'nemotron',
    pipeline: 'no-think',
    embedder: { type: 'openai', model: 'omni-embed-nemotron-3b', protocol: 'omni-embed-nemotron', baseURL: 'http://127.0.0.1:9/v1' },
  });
  const item: Item = {
    id: 'tut/a.wav|1.000-2.000',
    text: 'Retrieve the sound event categories that best match the given audio.',
    media: [clip('tut/a.wav', 1, 2)],
  };
  const line = await renderItem(getProtocol('omni-embed-nemotron'), backend, item, 'candidate', new MediaLoader(new DataRoot(dir), es));
  assert.deepEqual(line.media, [{ type: 'audio', path: 'tut/a.wav', samples: 16000, sampleRate: 16000 }]);
  assert.equal(
    line.prompt,
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|audio_bos|><|AUDIO|><|audio_eos|>Retrieve the sound event categories that best match the given audio.<|im_end|>\n',
  );
  const part = (line.request.messages as { content: { type: string; input_audio?: { data: string } }[] }[])[0].content[0];
  assert.equal(part.type, 'input_audio');
  assert.equal(part.input_audio?.data, '…(float32 WAV, 16000 samples at 16000 Hz, 64044 bytes)');
});

test('serve takes input_audio parts: the same vectors as in-process embedding; a bad part is a 400 naming it', async () => {
  const backend = await createBackend(parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } }));
  const server = await startServer(backend);
  try {
    const dir = root({ 'x.wav': pcm16Wav(44100, 2, 30000, 2) });
    const es = esc50({ a: 'x.wav', b: 'x.wav', inline: new Uint8Array() });
    const [audio] = (await new MediaLoader(new DataRoot(dir), es).loadAll([clip('x.wav')])) as LoadedAudio[];
    const items: EmbedInput[] = [
      { text: 'a dog barking', media: [audio], role: 'query' },
      { text: '', media: [audio], role: 'query' },
    ];
    const local = await backend.embedder.embed(items);
    const remote = await new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'floor', requestFormat: 'messages' }).embed(items);
    items.forEach((_, i) => assert.deepEqual([...remote[i]], [...local[i]], `item ${i}`));
    const res = await fetch(`${server.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'floor',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'mp3' } }] }],
      }),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /input_audio part 0: format 'mp3' is not supported/);
  } finally {
    await server.close();
    await backend.close();
  }
});

test('one-pass decode + mono equals decodeWav + mixToMono bit for bit (8/16-bit PCM, 1 to 9 channels, segments)', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (const bits of [8, 16]) {
    for (let channels = 1; channels <= 9; channels++) {
      const frames = 1000 + Math.floor(rand() * 500);
      const bps = bits / 8;
      const out = new Uint8Array(44 + frames * channels * bps + 1);
      const v = new DataView(out.buffer);
      const put = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
      put(0, 'RIFF');
      v.setUint32(4, 36 + frames * channels * bps, true);
      put(8, 'WAVE');
      put(12, 'fmt ');
      v.setUint32(16, 16, true);
      v.setUint16(20, 1, true);
      v.setUint16(22, channels, true);
      v.setUint32(24, 22050, true);
      v.setUint32(28, 22050 * channels * bps, true);
      v.setUint16(32, channels * bps, true);
      v.setUint16(34, bits, true);
      put(36, 'data');
      v.setUint32(40, frames * channels * bps, true);
      for (let i = 0; i < frames * channels; i++) {
        // extremes included: full-scale values are where a wrong rounding would show
        const x = rand() < 0.1 ? (rand() < 0.5 ? -1 : 0.99997) : rand() * 2 - 1;
        if (bits === 8) out[44 + i] = Math.max(0, Math.min(255, Math.round(x * 128 + 128)));
        else v.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
      }
      // an odd byte offset exercises the unaligned path
      const shifted = new Uint8Array(out.length + 1).subarray(1);
      shifted.set(out);
      for (const bytes of [out, shifted]) {
        const info = readWavInfo(bytes, 'x.wav');
        for (const range of [
          { start: 0, frames },
          { start: 17, frames: frames - 40 },
        ]) {
          const want = mixToMono(decodeWav(bytes, 'x.wav', range));
          const got = decodeMono(bytes, 'x.wav', info, range);
          assert.deepEqual(
            new Uint8Array(got.buffer, got.byteOffset, got.byteLength),
            new Uint8Array(want.buffer, want.byteOffset, want.byteLength),
            `${bits}-bit, ${channels} ch`,
          );
        }
      }
    }
  }
});

test('a head crop decodes only the frames the kept samples depend on, with the same samples as a whole decode', () => {
  const bytes = pcm16Wav(44100, 2, 44100 * 12, 5);
  const limits = audioLimits({ maxSeconds: 2 });
  const needed = headFramesNeeded(44100 * 12, 44100, limits);
  assert.ok(needed < 44100 * 2.1, `reads ${needed} frames`);
  const fast = prepareAudio({ bytes, name: 'x.wav', segment: null }, limits);
  const whole = cropAudio(resample(mixToMono(decodeWav(bytes, 'x.wav')), 44100, 16000), limits);
  assert.ok(fast && whole);
  assert.equal(fast.samples.length, 32000);
  assert.deepEqual(
    new Uint8Array(fast.samples.buffer, fast.samples.byteOffset, fast.samples.byteLength),
    new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength),
  );
});

test('the query browser copies each clip (its segment, mono 16 kHz, at most 10 s) beside the report with a player', async () => {
  const { writeBrowser, audioCopyName, browserSection } = await import('../src/report/browser.js');
  const data = root({ 'esc50/audio/a.wav': pcm16Wav(44100, 2, 44100 * 20, 4) });
  const run = tempDir('audio-run-');
  const out = tempDir('audio-report-');
  const seg = clip('esc50/audio/a.wav', 2, 3);
  const whole = clip('esc50/audio/a.wav');
  writeFileSync(join(run, 'manifest.json'), JSON.stringify({ data_root: data }));
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ tasks: [{ name: 'ESC-50', metric: 'hit@1' }] }));
  writeFileSync(
    join(run, 'ESC-50_items.json'),
    JSON.stringify({
      schema: 'tte-bench/items@1',
      task: 'ESC-50',
      mmeb_version: 'v3',
      prompt_version: 'p',
      prompt_family: 'classification',
      reasoner: null,
      queries: [
        { id: 'q0', text: 'Recognize the environmental sound category of the audio.', media: [seg], gold: ['dog'] },
        { id: 'q1', text: 'Recognize the environmental sound category of the audio.', media: [whole], gold: ['rain'] },
      ],
      candidates: { dog: { text: 'dog', media: [] }, rain: { text: 'rain', media: [] } },
    }),
  );
  writeFileSync(
    join(run, 'ESC-50_pred.jsonl'),
    `${JSON.stringify({ prediction: ['dog', 'rain'], label: 'dog', rel_scores: null })}\n${JSON.stringify({ prediction: ['dog', 'rain'], label: 'rain', rel_scores: null })}\n`,
  );
  const index = await writeBrowser([{ dir: run, label: 'A', name: 'floor' }], ['ESC-50'], out);
  assert.deepEqual(index.thumbs, { made: 2, missing: 0 });
  const segCopy = decodeWav(new Uint8Array(readFileSync(join(out, 'thumbs', audioCopyName(seg)))), 'seg.wav');
  assert.deepEqual([segCopy.sampleRate, segCopy.channels, segCopy.frames], [16000, 1, 16000]);
  const wholeCopy = decodeWav(new Uint8Array(readFileSync(join(out, 'thumbs', audioCopyName(whole)))), 'whole.wav');
  assert.equal(wholeCopy.frames, 160000); // 20 s cut to the first 10 s
  const script = readFileSync(join(out, 'browser', 't0.js'), 'utf8');
  assert.ok(script.includes(`"src":"thumbs/${audioCopyName(seg)}"`));
  assert.ok(script.includes('"kind":"audio"'));
  assert.ok(browserSection(index).includes("el('audio','au')"));
});
