/**
 * `serve --api-key-env NAME`: a locked server, as vLLM's `--api-key` locks its own. Real servers on 127.0.0.1:
 * in-process (startServer) and the CLI as a separate process; the project's own HTTP clients reach a keyed server
 * with the key named by `apiKeyEnv` in their backend config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuiltinEmbedder } from '../src/backends/builtin.js';
import { parseBackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { apiKeyFromEnv, checkServeExposure, isLoopbackHost } from '../src/engine/serve.js';
import { BackendError, ConfigError } from '../src/errors.js';
import { bearerMatches, startServer } from '../src/serve/server.js';
import { BIN, runCli, tempDir } from './helpers.js';

const KEY = 'sk-serve-test-5b1e0c7d9a';
const builtinThink = parseBackendConfig({
  name: 'served',
  pipeline: 'teacher',
  embedder: { type: 'builtin' },
  reasoner: { type: 'builtin' },
});

async function call(url: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, auth: res.headers.get('www-authenticate'), text: await res.text() };
}

test('a keyed server answers 401 with an OpenAI-style error without "Bearer <key>"; /health stays open', async () => {
  const server = await startServer(await createBackend(builtinThink), { apiKey: KEY });
  try {
    const embed = { model: 'served', input: ['a red bus'] };
    const refusals: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${KEY.slice(0, -1)}` },
      { authorization: `Bearer ${KEY}x` },
      { authorization: KEY },
      { authorization: `Basic ${KEY}` },
      { authorization: `bearer ${KEY}` },
      { authorization: 'Bearer ' },
    ];
    for (const headers of refusals) {
      const r = await call(server.url, '/v1/embeddings', headers, embed);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.auth, 'Bearer');
      const body = JSON.parse(r.text) as { error: { message: string; type: string; code: string; param: null } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.param, null);
      assert.match(body.error.message, /Authorization: Bearer <key>/);
      assert.ok(!r.text.includes(KEY.slice(3)), 'the key is not echoed');
    }
    // every route but /health is locked, the unknown ones too (no route list for a caller without the key)
    for (const path of ['/stats', '/v1/models', '/nope']) assert.equal((await call(server.url, path)).status, 401, path);
    assert.equal((await call(server.url, '/v1/chat/completions', {}, { messages: [{ role: 'user', content: 'hi' }] })).status, 401);
    const health = await call(server.url, '/health');
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.text).status, 'ok');

    const ok = await call(server.url, '/v1/embeddings', { authorization: `Bearer ${KEY}` }, embed);
    assert.equal(ok.status, 200, ok.text);
    const [want] = await new BuiltinEmbedder().embed([{ text: 'a red bus', media: [], role: 'query' }]);
    assert.deepEqual(Float32Array.from(JSON.parse(ok.text).data[0].embedding), want);
    assert.equal((await call(server.url, '/v1/models', { authorization: `Bearer ${KEY}` })).status, 200);
    assert.equal((await call(server.url, '/nope', { authorization: `Bearer ${KEY}` })).status, 404);
    assert.ok(!JSON.stringify(server.stats).includes(KEY), 'stats keep no key');
  } finally {
    await server.close();
  }
});

test('bearerMatches: the exact token only, compared as equal-length digests', async () => {
  const { createHash } = await import('node:crypto');
  const d = createHash('sha256').update(KEY).digest();
  assert.equal(bearerMatches(`Bearer ${KEY}`, d), true);
  for (const h of [undefined, '', 'Bearer', `Bearer  ${KEY}`, `Bearer ${KEY} `, `Token ${KEY}`, `Bearer ${'x'.repeat(10_000)}`])
    assert.equal(bearerMatches(h, d), false, String(h).slice(0, 20));
  await assert.rejects(
    createBackend(builtinThink).then((b) => startServer(b, { apiKey: '' })),
    ConfigError,
  );
});

test("the project's HTTP clients reach a keyed server with the key named by apiKeyEnv; a wrong key fails without showing it", async () => {
  const server = await startServer(await createBackend(builtinThink), { apiKey: KEY });
  const env = 'TTE_SERVE_AUTH_TEST_KEY';
  const client = parseBackendConfig({
    name: 'client',
    pipeline: 'teacher',
    embedder: { type: 'openai', baseURL: `${server.url}/v1`, model: 'served', requestFormat: 'input', apiKeyEnv: env, maxRetries: 0 },
    reasoner: { type: 'openai', baseURL: `${server.url}/v1`, model: 'served', apiKeyEnv: env, maxRetries: 0 },
  });
  const backend = await createBackend(client);
  try {
    process.env[env] = KEY;
    const items = [{ text: 'a green field', media: [], role: 'query' as const }];
    assert.deepEqual(await backend.embedder.embed(items), await new BuiltinEmbedder().embed(items));
    const [trace] = await backend.reasoner!.reason([{ text: 'a green field', media: [] }]);
    assert.ok(trace.text.length > 0);
    assert.equal(server.stats.authorized, 2);

    process.env[env] = 'sk-wrong-key-31337';
    const err = await backend.embedder.embed(items).catch((e: Error) => e);
    assert.ok(err instanceof BackendError, String(err));
    assert.match(err.message, /401/);
    assert.ok(!err.message.includes('sk-wrong-key-31337') && !err.message.includes(KEY));
  } finally {
    delete process.env[env];
    await backend.close();
    await server.close();
  }
});

test('isLoopbackHost / checkServeExposure / apiKeyFromEnv', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'gpu-1', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  assert.doesNotThrow(() => checkServeExposure({ host: '127.0.0.1' }));
  assert.doesNotThrow(() => checkServeExposure({}));
  assert.throws(
    () => checkServeExposure({ host: '0.0.0.0' }),
    (e: Error) => e instanceof ConfigError && /--api-key-env.*--insecure/s.test(e.message),
  );
  assert.doesNotThrow(() => checkServeExposure({ host: '0.0.0.0', apiKey: KEY }));
  assert.doesNotThrow(() => checkServeExposure({ host: '0.0.0.0', insecure: true }));
  assert.equal(apiKeyFromEnv('K', { K: KEY }), KEY);
  assert.throws(() => apiKeyFromEnv('K', {}), /environment variable K is not set/);
  assert.throws(() => apiKeyFromEnv('K', { K: '' }), /environment variable K is empty/);
  assert.throws(() => apiKeyFromEnv('1-bad', {}), /not an environment variable name/);
});

/** `tte-bench serve ...` as a process; resolves with its URL once it listens. */
function startServe(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ proc: ChildProcessWithoutNullStreams; url: string; out: () => string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env } });
  let out = '';
  proc.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1].replace('0.0.0.0', '127.0.0.1'), out: () => out });
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

test('tte-bench serve --api-key-env: locked from the command line; `embed` with an apiKeyEnv config gets through', async () => {
  const dir = tempDir();
  const { proc, url, out } = await startServe(['--api-key-env', 'TTE_SERVE_KEY'], { TTE_SERVE_KEY: KEY });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(out(), /API key from \$TTE_SERVE_KEY/);
    assert.equal((await call(url, '/v1/embeddings', {}, { model: 'm', input: ['a'] })).status, 401);
    assert.equal((await call(url, '/health')).status, 200);
    const config = join(dir, 'client.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'client',
        pipeline: 'no-think',
        embedder: { type: 'openai', baseURL: `${url}/v1`, model: 'builtin-floor', requestFormat: 'messages', apiKeyEnv: 'CLIENT_KEY' },
        reasoner: null,
      }),
    );
    writeFileSync(join(dir, 'in.jsonl'), '{"text": "a red bus"}\n{"text": "a green field"}\n');
    const args = ['embed', '--backend', config, '--input', join(dir, 'in.jsonl'), '--out', join(dir, 'out.jsonl')];
    // runCli is synchronous: the server is another process, so it answers meanwhile
    const ok = runCli(args, { env: { CLIENT_KEY: KEY } });
    assert.equal(ok.status, 0, ok.stderr);
    const vectors = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n');
    assert.equal(vectors.length, 2);
    const denied = runCli(args, { env: { CLIENT_KEY: 'sk-not-the-key' } });
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /401/);
    for (const text of [ok.stdout, ok.stderr, denied.stdout, denied.stderr, out()])
      assert.ok(!text.includes(KEY), 'the key is never printed');
  } finally {
    proc.kill('SIGTERM');
  }
});

test('tte-bench serve refuses a non-loopback --host without a key (exit 2) and an unset or empty key variable', () => {
  const open = runCli(['serve', '--port', '0', '--host', '0.0.0.0']);
  assert.equal(open.status, 2);
  assert.match(open.stderr, /--host 0\.0\.0\.0 .*--api-key-env NAME.*--insecure/s);
  assert.ok(!open.stderr.includes('    at '), 'no stack trace');
  const unset = runCli(['serve', '--port', '0', '--api-key-env', 'TTE_SERVE_UNSET_KEY'], { env: { TTE_SERVE_UNSET_KEY: undefined } });
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /environment variable TTE_SERVE_UNSET_KEY is not set/);
  const empty = runCli(['serve', '--port', '0', '--host', '0.0.0.0', '--api-key-env', 'TTE_SERVE_EMPTY_KEY'], {
    env: { TTE_SERVE_EMPTY_KEY: '' },
  });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /environment variable TTE_SERVE_EMPTY_KEY is empty/);
});
