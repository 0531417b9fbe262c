/** Bad backend configs: every schema violation is refused with the file and the JSON path of the value. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBackendConfig } from '../../src/backends/config.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';

const openai = { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm' };
const base = { name: 'cfg', pipeline: 'no-think', embedder: openai, reasoner: null };

test('each schema violation names the file and its JSON path', () => {
  const dir = tempDir();
  const cases: [string, unknown, RegExp][] = [
    ['top-level unknown field', { ...base, maxConcurrency: 4 }, /\/maxConcurrency: unknown field/],
    ['bad pipeline', { ...base, pipeline: 'thinking' }, /\/pipeline: must be one of no-think, teacher, distilled, unified/],
    ['bad name', { ...base, name: 'has space' }, /\/name: must match pattern/],
    ['missing embedder', { name: 'x', pipeline: 'no-think' }, /\/: must have required property 'embedder'/],
    ['embedder unknown field', { ...base, embedder: { ...openai, requestFromat: 'input' } }, /\/embedder\/requestFromat: unknown field/],
    ['embedder wrong type', { ...base, embedder: { ...openai, maxConcurrency: '16' } }, /\/embedder\/maxConcurrency: must be integer/],
    ['embedder out of range', { ...base, embedder: { ...openai, maxConcurrency: 0 } }, /\/embedder\/maxConcurrency: must be >= 1/],
    [
      'embedder bad enum',
      { ...base, embedder: { ...openai, requestFormat: 'msgs' } },
      /\/embedder\/requestFormat: must be one of input, messages/,
    ],
    ['baseURL list of numbers', { ...base, embedder: { ...openai, baseURL: [1] } }, /\/embedder\/baseURL/],
    [
      'reasoner unknown field',
      { ...base, pipeline: 'teacher', reasoner: { ...openai, tempreature: 0 } },
      /\/reasoner\/tempreature: unknown field/,
    ],
    [
      'reasoner out of range',
      { ...base, pipeline: 'teacher', reasoner: { ...openai, temperature: 9 } },
      /\/reasoner\/temperature: must be <= 2/,
    ],
    ['workers bound', { ...base, embedder: { type: 'transformers', model: 'x', workers: 1000 } }, /\/embedder\/workers: must be <= 64/],
    ['a key in the file', { ...base, embedder: { ...openai, apiKey: 'sk-x' } }, /\/embedder: API keys are never stored in a config/],
    ['a stray token field', { ...base, embedder: { ...openai, token: 'sk-x' } }, /\/embedder\/token: unknown field/],
  ];
  for (const [name, doc, want] of cases) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(doc));
    assert.throws(
      () => loadBackendConfig(file),
      (e: unknown) =>
        e instanceof ConfigError &&
        (e as Error).message.startsWith(`${file}: invalid backend config: `) &&
        want.test((e as Error).message) &&
        !(e as Error).message.includes('sk-x'),
      name,
    );
  }
  // not JSON at all: the file and the parse position
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"name": "x",');
  assert.throws(
    () => loadBackendConfig(broken),
    (e: unknown) => e instanceof ConfigError && (e as Error).message.includes(broken),
  );
});

test('every field the backends read is accepted (the strict schema refuses only what nothing reads)', () => {
  const dir = tempDir();
  const file = join(dir, 'full.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'full',
      description: 'every field',
      pipeline: 'teacher',
      embedder: {
        ...openai,
        textFormat: 'plain',
        batchSize: 8,
        requestFormat: 'messages',
        chatTemplate: '{{ x }}',
        maxConcurrency: 2,
        timeoutMs: 1000,
        maxRetries: 1,
        retryBaseMs: 10,
        apiKeyEnv: 'KEY',
      },
      reasoner: {
        ...openai,
        maxTokens: 64,
        temperature: 0,
        systemPrompt: 'think',
        baseURL: ['http://127.0.0.1:1/v1', 'http://127.0.0.1:2/v1'],
      },
    }),
  );
  assert.equal(loadBackendConfig(file).name, 'full');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'local',
      pipeline: 'no-think',
      embedder: {
        type: 'transformers',
        model: 'dir',
        architecture: 'clip',
        dtype: 'fp32',
        allowRemote: false,
        maxLength: 77,
        maxNewTokens: 8,
        intraOpNumThreads: 1,
        workers: 2,
      },
    }),
  );
  assert.equal(loadBackendConfig(file).embedder.architecture, 'clip');
});
