/** One decision for which transformers.js class loads a model folder, shared by the in-process and the worker loaders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend } from '../src/backends/registry.js';
import { loadLocalModel } from '../src/backends/transformers.js';
import { modelArchitecture } from '../src/backends/transformers-arch.js';
import embedInWorker from '../src/backends/transformers-worker.js';
import { ConfigError } from '../src/errors.js';
import { FIXTURES, tempDir } from './helpers.js';

const TINY = join(FIXTURES, 'tiny-models');

/** A copy of the tiny CLIP whose config.json names a model_type and architecture nothing here knows. */
function unknownModel(): string {
  const dir = join(tempDir(), 'mystery-model');
  cpSync(join(TINY, 'tiny-clip'), dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'mystery', architectures: ['MysteryModel'] }));
  return dir;
}

const refusesUnknown = (dir: string) => (err: unknown) =>
  err instanceof ConfigError && err.message.includes(dir) && /model_type mystery/.test(err.message) && /MysteryModel/.test(err.message);

test('the architecture of the tiny fixture models: configured, or told by their config.json', () => {
  assert.equal(modelArchitecture({ model: join(TINY, 'tiny-clip') }), 'clip');
  assert.equal(modelArchitecture({ model: join(TINY, 'tiny-siglip') }), 'siglip');
  assert.equal(modelArchitecture({ model: join(TINY, 'tiny-qwen2-lm') }), 'causal-lm');
  // a bare decoder (Qwen2Model) does not say how to pool: it must be configured
  const bare = join(TINY, 'tiny-qwen2-embedder');
  assert.throws(
    () => modelArchitecture({ model: bare }),
    (err: unknown) =>
      err instanceof ConfigError && err.message.includes(bare) && /model_type qwen2/.test(err.message) && /Qwen2Model/.test(err.message),
  );
  assert.equal(modelArchitecture({ model: bare, architecture: 'decoder-last-token' }), 'decoder-last-token');
  // the configured architecture wins over the folder
  assert.equal(modelArchitecture({ model: join(TINY, 'tiny-qwen2-lm'), architecture: 'decoder-last-token' }), 'decoder-last-token');
  assert.throws(() => modelArchitecture({ model: bare, architecture: 'bert' }), /unknown transformers architecture 'bert'/);
  assert.throws(() => modelArchitecture({ model: join(FIXTURES, 'no-such-model') }), /no readable config\.json/);
});

test('an unknown architecture is refused by every loader, naming the folder and its model_type/architectures', async () => {
  const dir = unknownModel();
  assert.throws(() => modelArchitecture({ model: dir }), refusesUnknown(dir));
  await assert.rejects(loadLocalModel({ model: dir }), refusesUnknown(dir));
  // the worker used to load such a folder as a causal LM
  await assert.rejects(embedInWorker({ config: { model: dir }, items: [{ text: 'a', media: [], role: 'query' }] }), refusesUnknown(dir));
  // through a backend config: in process, and pooled (refused before a worker starts)
  const backend = (workers?: number) =>
    createBackend({
      name: 'm',
      pipeline: 'no-think',
      embedder: { type: 'transformers', model: dir, ...(workers ? { workers } : {}) },
      reasoner: null,
    });
  await assert.rejects(backend(), refusesUnknown(dir));
  await assert.rejects(backend(2), refusesUnknown(dir));
  await assert.rejects(
    createBackend({ name: 'm', pipeline: 'teacher', embedder: { type: 'builtin' }, reasoner: { type: 'transformers', model: dir } }),
    refusesUnknown(dir),
  );
});

test('a model folder without a configured architecture loads as its config.json says', async () => {
  const local = await loadLocalModel({ model: join(TINY, 'tiny-clip') });
  try {
    assert.equal(local.architecture, 'clip');
    assert.equal(local.model.id, `transformers:clip:${join(TINY, 'tiny-clip')}`);
    const [v] = await local.model.embed([{ text: 'a red square', media: [], role: 'query' }]);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'unit length');
  } finally {
    await local.model.close();
  }
  // a clip folder cannot reason: refused before it is loaded
  await assert.rejects(
    createBackend({
      name: 'm',
      pipeline: 'teacher',
      embedder: { type: 'builtin' },
      reasoner: { type: 'transformers', model: join(TINY, 'tiny-clip') },
    }),
    /cannot generate/,
  );
});
