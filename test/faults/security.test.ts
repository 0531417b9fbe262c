/**
 * Security faults: media paths cannot leave the data root, reports escape dataset and model text, a
 * planted API key reaches no file, log or error, and `serve` binds loopback and caps request bodies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli, tempDir } from '../helpers.js';
import { allText, copyFormatsRoot, faultBackend, runCliAsync, startFaultServer, writeJsonlRows } from './support.js';
import { readParquetRows } from '../../src/datasets/readers/parquet.js';

const N24 = ['hf', 'ziyjiang', 'MMEB_Test_Instruct', 'N24News'];

async function rewriteN24(root: string, alter: (rows: Record<string, unknown>[]) => void): Promise<void> {
  const parquet = join(root, ...N24, 'test-00000-of-00001.parquet');
  const rows = (await readParquetRows([parquet])).map((r) => r.row);
  rmSync(parquet);
  alter(rows);
  writeJsonlRows(join(root, ...N24, 'test-00000-of-00001.jsonl'), rows);
}

test('media paths cannot leave the data root: absolute, .. and symlinks out are refused (run) and all listed (validate)', async () => {
  const root = copyFormatsRoot();
  const outside = join(tempDir(), 'secret.jpg');
  writeFileSync(outside, 'not for the harness');
  const images = join(root, 'image-tasks', 'N24News', 'Test');
  const victim = readdirSync(images).sort()[0];
  rmSync(join(images, victim));
  symlinkSync(outside, join(images, victim));
  await rewriteN24(root, (rows) => {
    rows[1].qry_img_path = '/etc/hostname';
    rows[2].qry_img_path = 'N24News/../../../../etc/hostname';
    rows[0].qry_img_path = `N24News/Test/${victim}`;
    // a second row naming the same escaping link is reported too, not taken as a file already checked
    rows[3].qry_img_path = `N24News/Test/${victim}`;
  });
  const run = runCli(['run', '--tasks', 'N24News', '--data-root', root, '--no-cache', '--out', join(tempDir(), 'o')]);
  assert.equal(run.status, 2);
  assert.match(run.stderr, /row 0, field 'qry_img_path': media path .* resolves outside the data root \(symlink\)/);
  const v = runCli(['validate', '--data-root', root, '--task', 'N24News']);
  assert.equal(v.status, 1);
  assert.match(v.stdout, /row 0, field 'qry_img_path': media path .* resolves outside the data root \(symlink\)/);
  assert.match(v.stdout, /row 1, field 'qry_img_path': absolute media path '\/etc\/hostname' is not allowed/);
  assert.match(v.stdout, /row 2, field 'qry_img_path': media path .* leaves the data root/);
  assert.match(v.stdout, /row 3, field 'qry_img_path': media path .* resolves outside the data root \(symlink\)/);
});

test('the HTML report escapes dataset and model text', async () => {
  const root = copyFormatsRoot();
  await rewriteN24(root, (rows) => {
    for (const r of rows) {
      r.qry_text = `<img src=x onerror=alert(1)> ${String(r.qry_text)}`;
      r.tgt_text = (r.tgt_text as string[]).map((t) => `</td><script>alert("${t}")</script>`);
    }
  });
  const dir = tempDir();
  const backend = join(dir, 'b.json');
  writeFileSync(
    backend,
    JSON.stringify({
      name: 'evil',
      description: '<script>x</script>',
      pipeline: 'no-think',
      embedder: { type: 'builtin', model: '<iframe src=//x>' },
      reasoner: null,
    }),
  );
  const r = runCli([
    'run',
    '--tasks',
    'N24News',
    '--data-root',
    root,
    '--backend',
    backend,
    '--no-cache',
    '--out',
    join(dir, 'o'),
    '--report-dir',
    join(dir, 'r'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(join(dir, 'r', 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<img src=x|<iframe|<script>alert|<script>x/i);
  // the only scripts are the report's own query browser: its index (JSON) and its code
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script type="application/json" id="browser-index">', '<script>']);
  // the browser's per-task data carries dataset text as JSON with every '<' escaped
  for (const f of readdirSync(join(dir, 'r', 'browser'))) assert.ok(!readFileSync(join(dir, 'r', 'browser', f), 'utf8').includes('<'), f);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /&lt;\/td&gt;&lt;script&gt;/);
});

test('a planted API key reaches no output file, log or error message', async () => {
  const key = 'sk-planted-7f3a9c1e5b2d4f6a8c0e';
  const server = await startFaultServer({ status: { code: 401, times: 1 }, echoAuth: true });
  try {
    const dir = tempDir();
    const backend = faultBackend(dir, server.url, { apiKeyEnv: 'TTE_FAULT_KEY' });
    const args = [
      'run',
      '--suite',
      'mini',
      '--tasks',
      'ImageNet-1K',
      '--backend',
      backend,
      '--cache-dir',
      join(dir, 'cache'),
      '--out',
      join(dir, 'out'),
      '--report-dir',
      join(dir, 'rep'),
    ];
    // the server echoes the Authorization header in its 401 body
    const denied = await runCliAsync(args, { env: { TTE_FAULT_KEY: key } });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /answered HTTP 401: .*Bearer \*\*\*/);
    const ok = await runCliAsync(args, { env: { TTE_FAULT_KEY: key } });
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(
      server.authHeaders.every((h) => h === `Bearer ${key}`),
      'the key was sent',
    );
    for (const text of [denied.stdout, denied.stderr, ok.stdout, ok.stderr, allText(dir)]) assert.ok(!text.includes(key));
    assert.ok(!allText(dir).includes('7f3a9c1e'), 'not even part of it');
  } finally {
    await server.close();
  }
});

test('serve binds 127.0.0.1 unless told otherwise and refuses bodies over its cap (413)', async () => {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--max-body-mb', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (b: Buffer) => {
        const m = /listening on (http:\/\/\S+)/.exec(b.toString());
        if (m) resolve(m[1]);
      });
      proc.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const small = await fetch(`${url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: ['a'] }),
    });
    assert.equal(small.status, 200);
    const big = await fetch(`${url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: ['x'.repeat(2 * 1024 * 1024)] }),
    }).catch((e: Error) => e);
    // the server answers 413, or closes the connection while the client is still sending
    if (big instanceof Error)
      assert.match(String((big as Error & { cause?: unknown }).cause ?? big.message), /EPIPE|ECONNRESET|other side closed|SocketError/);
    else assert.equal(big.status, 413);
  } finally {
    proc.kill('SIGTERM');
  }
});
