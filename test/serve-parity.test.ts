/**
 * serve parity: an item embedded through `serve` (over real HTTP, the OpenAI client's wire format) equals
 * the in-process embedding of the same backend — images, text, and an 8-frame video sent as one video_url.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { OpenAIEmbedder } from '../src/backends/openai.js';
import { createBackend } from '../src/backends/registry.js';
import type { EmbedInput } from '../src/backends/types.js';
import { getTask } from '../src/catalog/load.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { DataRoot } from '../src/items/data-root.js';
import { MediaLoader } from '../src/tte/media.js';
import { startServer } from '../src/serve/server.js';
import { FIXTURES, FORMATS_ROOT, tinyClipConfig } from './helpers.js';

const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};

test('an item embedded through serve equals the in-process embedding (image, text, 8-frame video)', async () => {
  const config = parseBackendConfig(tinyClipConfig());
  const backend = await createBackend(config);
  const server = await startServer(backend);
  try {
    const { evalSet } = await loadEvalSet(getTask('HMDB51'), { dataRoot: FORMATS_ROOT });
    const [video] = await new MediaLoader(new DataRoot(FORMATS_ROOT), evalSet).load(evalSet.queries[0].media);
    assert.equal(video.kind === 'frames' && video.data.length, 8);
    const image = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-models', 'images', 'red32.png')));
    const items: EmbedInput[] = [
      { text: 'a photo of a red square', media: [{ kind: 'image', path: 'red32.png', data: image }], role: 'query' },
      { text: 'brush hair', media: [], role: 'query' },
      { text: evalSet.queries[0].text, media: [video], role: 'query' },
      { text: '', media: [video], role: 'query' },
    ];
    const local = await backend.embedder.embed(items);
    const client = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'tiny-clip', requestFormat: 'messages' });
    const remote = await client.embed(items);
    items.forEach((_, i) => assert.ok(cosine(local[i], remote[i]) >= 0.999999, `item ${i}: cosine ${cosine(local[i], remote[i])}`));
    // what the old wire format made of it (8 separate images beside the text) is a different embedding
    const frames = video.kind === 'frames' ? video.data : [];
    const asImages = await backend.embedder.embed([
      { text: items[2].text, media: frames.map((d, f) => ({ kind: 'image' as const, path: `f${f}`, data: d })), role: 'query' },
    ]);
    assert.ok(cosine(remote[2], asImages[0]) < 0.999, `8 images are not one video (cosine ${cosine(remote[2], asImages[0])})`);
  } finally {
    await server.close();
    await backend.close();
  }
});
