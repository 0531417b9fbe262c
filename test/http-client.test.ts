/**
 * The HTTP client's own handling of an answer (it reads undici's raw answer itself): Retry-After sets when a
 * replica is tried again (a repeated header is not trusted), an error body is quoted with the API key
 * redacted, a 2xx body with a UTF-8 byte order mark still parses, and the base path of baseURL is kept.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HttpClient } from '../src/backends/http.js';
import { BackendError } from '../src/errors.js';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('HTTP client: Retry-After sets the replica back-off (once, not when repeated); error bodies redact the key; BOM and base path', async () => {
  const paths: string[] = [];
  const server = await serve((req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/v1/once') {
      res.writeHead(503, { 'retry-after': '100' }).end('busy');
    } else if (req.url === '/v1/twice') {
      res.writeHead(503, [
        ['retry-after', '100'],
        ['retry-after', '200'],
      ]);
      res.end('busy');
    } else if (req.url === '/v1/echo') {
      res.writeHead(400).end(`bad request from ${String(req.headers.authorization)}`);
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":1}')]));
    }
  });
  process.env.TTE_TEST_HTTP_KEY = 'sk-secret-123';
  try {
    const client = () => new HttpClient({ baseURL: `${server.url}/v1/`, maxRetries: 0, retryBaseMs: 1, apiKeyEnv: 'TTE_TEST_HTTP_KEY' });
    const once = client();
    await assert.rejects(once.post('/once', { x: 1 }), (err: Error) => err instanceof BackendError && /HTTP 503 busy/.test(err.message));
    assert.ok(once.endpoints[0].retryAt > Date.now() + 50_000, 'Retry-After: 100 s keeps the replica out for 100 s');
    const twice = client();
    await assert.rejects(twice.post('/twice', { x: 1 }), /HTTP 503/);
    assert.ok(twice.endpoints[0].retryAt < Date.now() + 50_000, 'two Retry-After headers: neither is trusted');
    await assert.rejects(
      client().post('/echo', { x: 1 }),
      (err: Error) =>
        err instanceof BackendError &&
        err.message.includes('/v1/echo answered HTTP 400') &&
        err.message.includes('Bearer ***') &&
        !err.message.includes('sk-secret'),
    );
    assert.deepEqual(await client().post('/ok', new TextEncoder().encode('{"y":2}')), { ok: 1 });
    assert.deepEqual(paths, ['/v1/once', '/v1/twice', '/v1/echo', '/v1/ok']);
  } finally {
    delete process.env.TTE_TEST_HTTP_KEY;
    server.close();
  }
});
