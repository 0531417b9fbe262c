/**
 * The backend config's precompiled validator (src/backends/config-validator.generated.ts) judges every config
 * as Ajv compiling BACKEND_SCHEMA at run time does, with the same errors, so config messages name the same
 * JSON paths. (Staleness of the generated file is checked with the other generated validators.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { Ajv } from 'ajv';
import { validate } from '../src/backends/config-validator.generated.js';
import { BACKEND_SCHEMA, parseBackendConfig } from '../src/backends/config.js';
import { ConfigError } from '../src/errors.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

const runtime = new Ajv({ allErrors: true }).compile(BACKEND_SCHEMA);
const pre = validate as unknown as { (doc: unknown): boolean; errors?: unknown[] | null };

test('backend config: the precompiled validator and a runtime Ajv compile agree on the shipped configs and on broken ones', () => {
  const shipped = readdirSync(join(PACKAGE_ROOT, 'configs'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(PACKAGE_ROOT, 'configs', f), 'utf8')) as Record<string, unknown>);
  assert.ok(shipped.length > 0);
  const base = { name: 'x', pipeline: 'no-think', embedder: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1', model: 'm' } };
  const broken: unknown[] = [
    {},
    { ...base, extra: 1 },
    { ...base, name: 'has space' },
    { ...base, pipeline: 'sometimes' },
    { ...base, embedder: { ...base.embedder, maxConcurency: 4 } },
    { ...base, embedder: { ...base.embedder, apiKey: 'sk-1' } },
    { ...base, embedder: { ...base.embedder, maxConcurrency: 0, timeoutMs: 1.5, baseURL: [] } },
    { ...base, reasoner: { type: 'openai', temperature: 3 } },
    { ...base, reranker: { type: 'chat', maxRetries: 99 }, rerankDepth: 0 },
    { ...base, think: 'gate', thinkGate: { policy: 'family', families: { nope: true } } },
    [],
    null,
  ];
  for (const doc of [...shipped, ...broken]) {
    const ok = runtime(doc);
    assert.equal(pre(doc), ok, JSON.stringify(doc));
    assert.deepEqual(pre.errors ?? null, runtime.errors ?? null, JSON.stringify(doc));
  }
  assert.throws(
    () => parseBackendConfig({ ...base, embedder: { ...base.embedder, maxConcurency: 4 } }, 'b.json'),
    (err: Error) =>
      err instanceof ConfigError && /\/embedder\/maxConcurency: unknown field/.test(err.message) && /b\.json/.test(err.message),
  );
});
