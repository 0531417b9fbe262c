/** Building backends from configs: typed narrowing, and no model left open when a build fails or a model is replaced. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseBackendConfig, type BackendConfig } from '../src/backends/config.js';
import { createBackend, isOpenAIModelConfig } from '../src/backends/registry.js';
import { ConfigError } from '../src/errors.js';
import { createReranker } from '../src/rerank/registry.js';
import { FIXTURES } from './helpers.js';

const CLIP = join(FIXTURES, 'tiny-models', 'tiny-clip');
/** A worker pool holds a MessagePort while it is open: a leaked pool shows up here. */
const openPorts = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;

/**
 * The open ports once they have settled. Piscina's destroy() resolves when its workers have exited, but the
 * pool's own end of each worker's channel is released a few event-loop turns later (seen on a loaded machine),
 * so the count is read again until it reaches `expected` or a second has passed; a leaked pool never gets there.
 */
async function settledPorts(expected: number): Promise<number> {
  const deadline = Date.now() + 1000;
  while (openPorts() !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return openPorts();
}

test('a backend whose reasoner fails to build closes the embedder it had already loaded', async () => {
  const before = openPorts();
  const config: BackendConfig = {
    name: 'leak',
    pipeline: 'teacher',
    embedder: { type: 'transformers', architecture: 'clip', model: CLIP, workers: 1 },
    reasoner: { type: 'transformers', architecture: 'causal-lm', model: join(FIXTURES, 'no-such-model') },
  };
  await assert.rejects(createBackend(config));
  assert.equal(await settledPorts(before), before, 'the pooled embedder was closed');
  // and an open backend does hold the pool until close()
  const ok = await createBackend({ ...config, pipeline: 'no-think', reasoner: null });
  assert.equal(openPorts(), before + 1);
  await ok.close();
  assert.equal(await settledPorts(before), before);
});

test('unified without a model that reasons: refused, and the loaded embedder is closed', async () => {
  const before = openPorts();
  const config: BackendConfig = {
    name: 'u',
    pipeline: 'unified',
    embedder: { type: 'transformers', architecture: 'clip', model: CLIP, workers: 1 },
    reasoner: null,
  };
  await assert.rejects(createBackend(config), (err: unknown) => err instanceof ConfigError && /causal-lm embedder/.test(err.message));
  assert.equal(await settledPorts(before), before);
});

test('unified builtin: the network reasons itself, so a configured reasoner is never loaded only to be replaced', async () => {
  const valid = await createBackend(
    parseBackendConfig({ name: 'u', pipeline: 'unified', embedder: { type: 'builtin' }, reasoner: { type: 'builtin' } }),
  );
  assert.equal(valid.reasoner?.id, 'builtin-reasoner@1');
  assert.equal(valid.unified?.id, 'builtin-unified@1');
  await valid.close();
  // a programmatic config (not through parseBackendConfig) naming a reasoner that could not even load: not built
  const backend = await createBackend({
    name: 'u',
    pipeline: 'unified',
    embedder: { type: 'builtin' },
    reasoner: { type: 'transformers', architecture: 'causal-lm', model: join(FIXTURES, 'no-such-model') },
  });
  assert.equal(backend.reasoner?.id, 'builtin-reasoner@1');
  const [pair] = await backend.unified!.reasonAndEmbed([{ text: 'a red bus', media: [] }]);
  assert.match(pair.trace.text, /^<think>/);
  assert.equal(pair.vector.length, (await backend.embedder.embed([{ text: 'x', media: [], role: 'query' }]))[0].length);
  await backend.close();
});

test('openai model configs are narrowed by what the client needs; rerankers likewise', () => {
  assert.equal(isOpenAIModelConfig({ type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm' }), true);
  assert.equal(isOpenAIModelConfig({ type: 'openai', baseURL: ['http://127.0.0.1:1/v1', 'http://127.0.0.1:2/v1'], model: 'm' }), true);
  assert.equal(isOpenAIModelConfig({ type: 'openai', model: 'm' }), false);
  assert.equal(isOpenAIModelConfig({ type: 'openai', baseURL: 'http://127.0.0.1:1/v1' }), false);
  assert.equal(isOpenAIModelConfig({ type: 'transformers', baseURL: 'http://127.0.0.1:1/v1', model: 'm' }), false);
  assert.equal(createReranker({ type: 'builtin' }).id, 'builtin-rerank:similarity');
  assert.equal(createReranker({ type: 'builtin', mode: 'oracle' }).id, 'builtin-rerank:oracle');
  assert.throws(() => createReranker({ type: 'builtin', mode: 'sideways' }), ConfigError);
  assert.equal(
    createReranker({ type: 'openai', baseURL: 'http://127.0.0.1:1', model: 'r', endpoint: 'rerank' }).id,
    'openai-rerank:r:rerank',
  );
  assert.equal(createReranker({ type: 'chat', baseURL: 'http://127.0.0.1:1', model: 'r' }).id, 'chat-rerank:r');
  assert.throws(() => createReranker({ type: 'chat', baseURL: 'http://127.0.0.1:1' }), /needs "baseURL" and "model"/);
});
