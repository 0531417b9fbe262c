/** The OpenAI-compatible backends against a real `serve` server on 127.0.0.1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuiltinEmbedder } from '../src/backends/builtin.js';
import { BuiltinReasoner } from '../src/backends/builtin-reasoner.js';
import { parseBackendConfig } from '../src/backends/config.js';
import { OpenAIEmbedder, OpenAIReasoner } from '../src/backends/openai.js';
import { createBackend } from '../src/backends/registry.js';
import { BackendError, ConfigError } from '../src/errors.js';
import { startServer } from '../src/serve/server.js';
import { FIXTURES } from './helpers.js';

const image = new Uint8Array(readFileSync(join(FIXTURES, 'tiny-models', 'images', 'red32.png')));
const builtinThink = parseBackendConfig({
  name: 'served',
  pipeline: 'teacher',
  embedder: { type: 'builtin' },
  reasoner: { type: 'builtin' },
});

test('embeddings over HTTP ("input" and "messages" formats) equal the served model\'s own vectors', async () => {
  const server = await startServer(await createBackend(builtinThink));
  try {
    const local = new BuiltinEmbedder();
    const viaInput = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', requestFormat: 'input' });
    const texts = ['a red bus', 'a green field'];
    const want = await local.embed(texts.map((text) => ({ text, media: [], role: 'query' })));
    assert.deepEqual(await viaInput.embed(texts.map((text) => ({ text, media: [], role: 'query' }))), want);
    assert.equal(server.stats.byRoute['POST /v1/embeddings'], 1, 'the input format batches');
    const viaMessages = new OpenAIEmbedder({
      baseURL: `${server.url}/v1`,
      model: 'served',
      requestFormat: 'messages',
      chatTemplate: '{{ messages }}',
    });
    const items = [{ text: 'a photo', media: [{ kind: 'image' as const, path: 'red32.png', data: image }], role: 'target' as const }];
    assert.deepEqual(await viaMessages.embed(items), await local.embed(items));
    await assert.rejects(viaInput.embed(items), /text-only/);
  } finally {
    await server.close();
  }
});

test('reasoner over HTTP: chat completions with images as data URLs, token usage recorded', async () => {
  const server = await startServer(await createBackend(builtinThink));
  try {
    const remote = new OpenAIReasoner({ baseURL: `${server.url}/v1`, model: 'served' });
    const input = [{ text: 'Describe it.', media: [{ kind: 'image' as const, path: 'red32.png', data: image }] }];
    const [got] = await remote.reason(input);
    const [want] = await new BuiltinReasoner().reason(input);
    assert.equal(got.text, want.text);
    assert.match(got.text, /^<think>.*red.*<\/think>/);
    assert.ok(remote.usage.promptTokens > 0 && remote.usage.completionTokens > 0);
  } finally {
    await server.close();
  }
});

test('retries with backoff on 503, then succeeds; 4xx fails at once with a clear error', async () => {
  const server = await startServer(await createBackend(builtinThink), { failFirst: { count: 2, status: 503 } });
  try {
    const e = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', retryBaseMs: 5 });
    const [v] = await e.embed([{ text: 'x', media: [], role: 'query' }]);
    assert.equal(v.length, new BuiltinEmbedder().dim);
    assert.equal(e.client.retries, 2);
    assert.equal(server.stats.failuresInjected, 2);
    const bad = new OpenAIEmbedder({ baseURL: `${server.url}/nope`, model: 'served', retryBaseMs: 5 });
    await assert.rejects(
      bad.embed([{ text: 'x', media: [], role: 'query' }]),
      (err: unknown) => err instanceof BackendError && /HTTP 404/.test((err as Error).message),
    );
    assert.equal(bad.client.retries, 0);
    const gone = new OpenAIEmbedder({ baseURL: 'http://127.0.0.1:9', model: 'm', retryBaseMs: 1, maxRetries: 2 });
    await assert.rejects(gone.embed([{ text: 'x', media: [], role: 'query' }]), /failed after 3 attempt/);
  } finally {
    await server.close();
  }
});

test('a server slower than timeoutMs: each attempt is abandoned at the timeout, then a clear error', async () => {
  const server = await startServer(await createBackend(builtinThink), { latencyMs: 2000 });
  try {
    const e = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', timeoutMs: 100, maxRetries: 1, retryBaseMs: 1 });
    const t0 = performance.now();
    await assert.rejects(
      e.embed([{ text: 'x', media: [], role: 'query' }]),
      (err: unknown) => err instanceof BackendError && /failed after 2 attempt\(s\).*timeout/i.test((err as Error).message),
    );
    assert.ok(performance.now() - t0 < 1500, 'gave up long before the server answered');
    assert.equal(e.client.retries, 1);
  } finally {
    await server.close();
  }
});

test('maxConcurrency bounds the requests in flight', async () => {
  const server = await startServer(await createBackend(builtinThink), { latencyMs: 30 });
  try {
    const e = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', requestFormat: 'messages', maxConcurrency: 3 });
    await e.embed(Array.from({ length: 12 }, (_, i) => ({ text: `item ${i}`, media: [], role: 'query' as const })));
    assert.equal(server.stats.byRoute['POST /v1/embeddings'], 12);
    assert.equal(server.stats.maxInFlight, 3);
  } finally {
    await server.close();
  }
});

test('API keys come from the named environment variable only', async () => {
  const server = await startServer(await createBackend(builtinThink));
  try {
    const e = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', apiKeyEnv: 'TTE_TEST_KEY_UNSET' });
    await assert.rejects(
      e.embed([{ text: 'x', media: [], role: 'query' }]),
      (err: unknown) => err instanceof ConfigError && /TTE_TEST_KEY_UNSET/.test((err as Error).message),
    );
    process.env.TTE_TEST_KEY = 'sk-test-not-a-real-key';
    const ok = new OpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'served', apiKeyEnv: 'TTE_TEST_KEY' });
    await ok.embed([{ text: 'x', media: [], role: 'query' }]);
    assert.equal(server.stats.authorized, 1);
  } finally {
    delete process.env.TTE_TEST_KEY;
    await server.close();
  }
  assert.throws(
    () =>
      parseBackendConfig({
        name: 'x',
        pipeline: 'no-think',
        embedder: { type: 'openai', baseURL: 'http://h', model: 'm', apiKey: 'sk-secret' },
      }),
    ConfigError,
  );
});

test('serve answers /health and rejects malformed requests with 400', async () => {
  const server = await startServer(await createBackend(builtinThink));
  try {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    const bad = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{"input": 3}' });
    assert.equal(bad.status, 400);
    const remote = await fetch(`${server.url}/v1/embeddings`, {
      method: 'POST',
      body: JSON.stringify({
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }] }],
      }),
    });
    assert.equal(remote.status, 400, 'the server never fetches remote URLs');
  } finally {
    await server.close();
  }
});
