/** Identity vs transport fields of model configs: every schema field classified, and cache identities pinned. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_SCHEMA } from '../src/backends/config.js';
import { callShape, isTransportField, MODEL_DEFINITIONS, modelIdentity } from '../src/backends/model-fields.js';
import { modelKey } from '../src/tte/pipeline.js';

/** Schema definitions that are not models: their fields never reach a cache identity. */
const NOT_MODELS = ['thinkGate'];

type SchemaNode = { [key: string]: unknown };

/** Every `#/definitions/<name>` the schema refers to, wherever it sits (properties, oneOf, nested objects). */
function referenced(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) referenced(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as SchemaNode)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace(/^#\/definitions\//, ''));
      else referenced(v, out);
    }
  }
  return out;
}

test('every property of every model definition in the backend config schema is classified identity or transport', () => {
  const definitions = BACKEND_SCHEMA.definitions as unknown as Record<string, { properties: SchemaNode }>;
  // every definition the schema uses is known here, as a model or as a non-model
  for (const name of referenced(BACKEND_SCHEMA)) assert.ok(name in definitions, `$ref to a missing definition '${name}'`);
  for (const name of Object.keys(definitions)) {
    assert.ok(
      name in MODEL_DEFINITIONS || NOT_MODELS.includes(name),
      `schema definition '${name}' is neither classified as a model (src/backends/model-fields.ts) nor listed as a non-model`,
    );
  }
  const classOf = new Map<string, string>();
  for (const [name, fields] of Object.entries(MODEL_DEFINITIONS)) {
    const props = Object.keys(definitions[name].properties);
    for (const p of props) {
      assert.ok(fields[p] === 'identity' || fields[p] === 'transport', `${name}.${p} is not classified identity or transport`);
      // the identity filter works by name: a name must mean the same in every model definition
      const seen = classOf.get(p);
      assert.ok(seen === undefined || seen === fields[p], `'${p}' is ${seen} in one model definition and ${fields[p]} in ${name}`);
      classOf.set(p, fields[p]);
    }
    for (const p of Object.keys(fields)) assert.ok(props.includes(p), `${name}: '${p}' is classified but not in the schema`);
  }
});

test('the transport fields are exactly the ones cache keys have always left out', () => {
  const transport = [
    'baseURL',
    'maxConcurrency',
    'timeoutMs',
    'maxRetries',
    'retryBaseMs',
    'allDownTimeoutMs',
    'apiKeyEnv',
    'batchSize',
    'workers',
    'intraOpNumThreads',
    // a guard on which tasks run (never what a vector is): setting it keeps a model's cache
    'modalities',
  ];
  const all = new Set(Object.values(MODEL_DEFINITIONS).flatMap((f) => Object.keys(f)));
  assert.deepEqual([...all].filter(isTransportField).sort(), [...transport].sort());
  // a field no schema knows (a programmatic config) stays in the identity, as it always did
  assert.deepEqual(modelIdentity({ type: 'builtin', somethingNew: 1, baseURL: 'x' }), { type: 'builtin', somethingNew: 1 });
  assert.equal(modelIdentity(null), null);
});

test('modelKey is pinned: every cache key of earlier runs stays valid', () => {
  // values computed before the transport classification moved out of src/tte/pipeline.ts
  const cases: [string, Record<string, unknown> | null, string][] = [
    ['builtin-floor@1', { type: 'builtin', textFormat: 'qwen2-vl' }, 'a6377a3c3ee838e257b8c4834d65426cfa689eff808a6bbed6863e5862b19bf2'],
    [
      'openai:Qwen/Qwen2-VL-7B',
      {
        type: 'openai',
        model: 'Qwen/Qwen2-VL-7B',
        baseURL: ['http://a:8000/v1', 'http://b:8000/v1'],
        apiKeyEnv: 'KEY',
        maxConcurrency: 16,
        timeoutMs: 60000,
        maxRetries: 3,
        retryBaseMs: 500,
        allDownTimeoutMs: 60000,
        batchSize: 32,
        requestFormat: 'messages',
        protocol: 'vlm2vec-qwen2vl',
        textFormat: 'qwen2-vl',
        maxTokens: 512,
        temperature: 0,
      },
      'f39a9263d593f2642775b859e3773b392c14e6ebb46ba68793e10255439d5900',
    ],
    [
      'transformers:clip:/m/tiny-clip',
      {
        type: 'transformers',
        architecture: 'clip',
        model: '/m/tiny-clip',
        workers: 4,
        intraOpNumThreads: 2,
        dtype: 'fp32',
        maxLength: 77,
        batchSize: 8,
      },
      '81d522255d15d641fc2d2d0555e1e87a0c9a073df35b346e6a890f928f0d235e',
    ],
    [
      'reranker',
      {
        type: 'chat',
        model: 'r',
        baseURL: 'http://r',
        apiKeyEnv: 'K',
        maxConcurrency: 4,
        timeoutMs: 1000,
        maxRetries: 2,
        protocol: 'reasoning',
        answer: 'yes-no',
        maxTokens: 8,
        temperature: 0,
        instruction: 'x',
      },
      'a0cd919f67cef9508c83db05ddcb8b523d20971feb28305575d1791b7cbfca5f',
    ],
    ['x', null, '204524a6757902f110fee687e0d279cfe3b8f647286ff1a1dd3aff9893621144'],
  ];
  for (const [id, cfg, key] of cases) assert.equal(modelKey(id, cfg), key, id);
  // transport never changes the key: another endpoint list, concurrency or batch size shares the cache
  const base = cases[1][1] as Record<string, unknown>;
  assert.equal(modelKey(cases[1][0], { ...base, baseURL: 'http://c/v1', maxConcurrency: 1, batchSize: 1 }), cases[1][2]);
  assert.notEqual(modelKey(cases[1][0], { ...base, temperature: 0.7 }), cases[1][2]);
});

test('call shapes: per-item HTTP calls fill every endpoint, local models take two batches per worker', () => {
  assert.deepEqual(callShape({ type: 'openai', baseURL: ['a', 'b'], maxConcurrency: 4 }, 'reasoner', 16), {
    itemsPerCall: 1,
    inFlightItems: 8,
  });
  assert.deepEqual(callShape({ type: 'openai', baseURL: 'a' }, 'embedder', 16), { itemsPerCall: 16, inFlightItems: 8 });
  assert.deepEqual(callShape({ type: 'openai', baseURL: 'a', requestFormat: 'messages' }, 'embedder', 16), {
    itemsPerCall: 1,
    inFlightItems: 8,
  });
  assert.deepEqual(callShape({ type: 'openai', baseURL: 'a', protocol: 'plain' }, 'embedder', 16), { itemsPerCall: 1, inFlightItems: 8 });
  assert.deepEqual(callShape({ type: 'transformers', workers: 3 }, 'embedder', 4), { itemsPerCall: 4, inFlightItems: 24 });
  assert.deepEqual(callShape(null, 'reasoner', 4), { itemsPerCall: 4, inFlightItems: 8 });
});
