/**
 * doctor against three real local servers on 127.0.0.1: one that renders the request's chat template and
 * tokenizes as vLLM's /tokenize does (with a real Qwen2 tokenizer), one that renders a stock ChatML template
 * with its own vision placeholders (what a vLLM server without --trust-request-chat-template does), and one
 * without /tokenize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer } from '@huggingface/transformers';
import { parseBackendConfig } from '../src/backends/config.js';
import { formatChecks, runDoctor } from '../src/engine/doctor.js';
import { FIXTURES } from './helpers.js';

type Mode = 'correct' | 'stock' | 'no-tokenize';
type Msg = { role: string; content: string | { type: string; text?: string }[] };

/** A stock Qwen2-VL-style template in vLLM's "string" content format: texts joined, a placeholder per image prepended. */
function stockRender(messages: Msg[], addGenerationPrompt: boolean): string {
  let s = '';
  for (const m of messages) {
    const parts = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    const images = parts.filter((p) => p.type === 'image_url').length;
    const videos = parts.filter((p) => p.type === 'video_url').length;
    const text = parts
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join('\n');
    s += `<|im_start|>${m.role}\n${'<|vision_start|><|image_pad|><|vision_end|>'.repeat(images)}${'<|vision_start|><|video_pad|><|vision_end|>'.repeat(videos)}${text}<|im_end|>\n`;
  }
  return addGenerationPrompt ? s + '<|im_start|>assistant\n' : s;
}

async function fakeVllm(mode: Mode): Promise<{ base: string; close: () => Promise<void>; tokenizeCalls: () => number }> {
  const tok = await AutoTokenizer.from_pretrained(join(FIXTURES, 'tiny-models', 'tiny-qwen2-embedder'), { local_files_only: true });
  const encode = (s: string): number[] => tok.encode(s, { add_special_tokens: false });
  let tokenizeCalls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      if (req.url === '/v1/models') return send(200, { object: 'list', data: [{ id: 'served-model', object: 'model' }] });
      if (req.url === '/v1/embeddings') return send(200, { data: [{ index: 0, embedding: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] }] });
      if (req.url === '/tokenize' && mode !== 'no-tokenize') {
        tokenizeCalls++;
        if (typeof body.prompt === 'string') return send(200, { tokens: encode(body.prompt), count: 0 });
        const messages = body.messages as Msg[];
        const gen = body.add_generation_prompt !== false; // vLLM's TokenizeChatRequest default is true
        let text: string;
        if (mode === 'correct' && typeof body.chat_template === 'string') {
          const asParts = messages.map((m) => ({
            role: m.role,
            content:
              typeof m.content === 'string'
                ? m.content
                : m.content.map((p) => (p.type === 'image_url' ? { type: 'image' } : p.type === 'video_url' ? { type: 'video' } : p)),
          }));
          text = new Template(body.chat_template).render({ messages: asParts, add_generation_prompt: gen });
        } else text = stockRender(messages, gen);
        return send(200, { tokens: encode(text), count: 0 });
      }
      send(404, { detail: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/v1`,
    tokenizeCalls: () => tokenizeCalls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const config = (base: string, protocol: string, model = 'served-model') =>
  parseBackendConfig({ name: 'd', pipeline: 'no-think', embedder: { type: 'openai', baseURL: base, model, protocol } });

test('doctor passes against a server that renders the protocol template token for token', async () => {
  const srv = await fakeVllm('correct');
  try {
    for (const protocol of ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding']) {
      const checks = await runDoctor(config(srv.base, protocol));
      // this server's /tokenize does not expand vision pads: the vision-token calibration (qwen3-vl-embedding)
      // says it could not check, once (test/doctor-vision.test.ts has servers that expand them)
      const vision = checks.filter((c) => c.check.startsWith('vision tokens'));
      assert.deepEqual(
        vision.map((c) => c.status),
        protocol === 'qwen3-vl-embedding' ? ['skip'] : [],
      );
      assert.deepEqual(
        checks.filter((c) => c.status !== 'pass' && !c.check.startsWith('vision tokens')),
        [],
        formatChecks(checks),
      );
      assert.ok(checks.some((c) => c.check === 'reachable' && c.status === 'pass'));
      assert.ok(checks.some((c) => c.check.startsWith('embed') && c.message.startsWith('6-dimensional')));
      const tokenized = checks.filter((c) => c.check.startsWith('tokenize'));
      // media samples always go through the chat template; qwen3 sends text-only samples as messages too
      assert.equal(tokenized.length, protocol === 'qwen3-vl-embedding' ? 4 : 2, protocol);
    }
  } finally {
    await srv.close();
  }
});

test('doctor fails against a stock-template server and names the fix', async () => {
  const srv = await fakeVllm('stock');
  try {
    const checks = await runDoctor(config(srv.base, 'vlm2vec-qwen2vl'));
    const failed = checks.filter((c) => c.status === 'fail');
    assert.deepEqual(
      failed.map((c) => c.check),
      ['tokenize image query', 'tokenize 8-frame video query'],
    );
    for (const c of failed) {
      assert.match(c.message, /first difference at token/);
      assert.match(c.fix ?? '', /--trust-request-chat-template/);
      assert.match(c.fix ?? '', /--chat-template templates\/vlm2vec-qwen2vl\.jinja/);
    }
    // a wrong model name is its own failure with its fix
    const wrong = await runDoctor(config(srv.base, 'vlm2vec-qwen2vl', 'other-model'));
    const m = wrong.find((c) => c.check === 'model');
    assert.equal(m?.status, 'fail');
    assert.match(m?.message ?? '', /serves: served-model/);
  } finally {
    await srv.close();
  }
});

test('doctor without /tokenize reports what it could not check', async () => {
  const srv = await fakeVllm('no-tokenize');
  try {
    const checks = await runDoctor(config(srv.base, 'qwen3-vl-embedding'));
    assert.equal(checks.filter((c) => c.status === 'fail').length, 0, formatChecks(checks));
    const skip = checks.filter((c) => c.status === 'skip');
    assert.equal(skip.length, 1);
    assert.match(skip[0].message, /not offered.*could not be checked/);
    assert.ok(checks.some((c) => c.check === 'model' && c.status === 'pass'));
  } finally {
    await srv.close();
  }
  // an unreachable endpoint fails at once with the fix named
  const down = await runDoctor(config('http://127.0.0.1:9/v1', 'plain'), { timeoutMs: 5000 });
  assert.equal(down.length, 1);
  assert.equal(down[0].status, 'fail');
  assert.match(down[0].fix ?? '', /baseURL/);
});

test('`doctor` and `run --preflight` as commands: exit 1 on a failed check, the fix printed, no task run', async () => {
  const { execFile } = await import('node:child_process');
  const { writeFileSync, existsSync } = await import('node:fs');
  const { BIN, tempDir, FORMATS_ROOT } = await import('./helpers.js');
  const srv = await fakeVllm('stock');
  const dir = tempDir();
  const file = join(dir, 'backend.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'v2',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: srv.base, model: 'served-model', protocol: 'vlm2vec-qwen2vl' },
    }),
  );
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  try {
    const d = await cli(['doctor', '--backend', file]);
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stdout, /FAIL .* tokenize image query/);
    assert.match(d.stdout, /fix: start vLLM with --trust-request-chat-template/);
    const r = await cli([
      'run',
      '--tasks',
      'N24News',
      '--data-root',
      FORMATS_ROOT,
      '--backend',
      file,
      '--out',
      join(dir, 'out'),
      '--no-cache',
      '--preflight',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /preflight failed/);
    assert.ok(!existsSync(join(dir, 'out', 'summary.json')), 'no task ran');
  } finally {
    await srv.close();
  }
});
