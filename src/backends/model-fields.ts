/**
 * What each field of a model config means to the rest of the harness, decided here, next to the schema, so
 * that it cannot drift from it:
 *  - identity: the field changes what the model computes (which weights, which prompt, which pooling, which
 *    request), so it is part of the model's cache identity;
 *  - transport: the field changes only how the model is reached (endpoints, concurrency, retries, timeouts,
 *    the name of the key's variable, batch size, local worker threads). It is left out of cache keys, so
 *    several endpoints of one model, or another batch size, share the cache.
 * The tables are typed by the schema's own property names: a field added to the schema without a class here
 * does not compile (and the schema test walks the schema to say which one).
 */
import type { BACKEND_SCHEMA, ModelConfig } from './config.js';

export type FieldClass = 'identity' | 'transport';

type Definitions = (typeof BACKEND_SCHEMA)['definitions'];
type Classified<Def extends { properties: object }> = { readonly [K in keyof Def['properties']]: FieldClass };

/** `definitions.model`: embedders, reasoners and the reasoner gate's model. */
export const MODEL_FIELDS: Classified<Definitions['model']> = {
  type: 'identity',
  textFormat: 'identity',
  batchSize: 'transport',
  model: 'identity',
  baseURL: 'transport',
  apiKeyEnv: 'transport',
  maxConcurrency: 'transport',
  architecture: 'identity',
  requestFormat: 'identity',
  chatTemplate: 'identity',
  timeoutMs: 'transport',
  maxRetries: 'transport',
  allDownTimeoutMs: 'transport',
  maxTokens: 'identity',
  maxNewTokens: 'identity',
  workers: 'transport',
  dtype: 'identity',
  retryBaseMs: 'transport',
  temperature: 'identity',
  systemPrompt: 'identity',
  allowRemote: 'identity',
  maxLength: 'identity',
  intraOpNumThreads: 'transport',
  protocol: 'identity',
  sendChatTemplate: 'identity',
  // a guard checked before any request (tte/inputs.ts): it changes which tasks run, never what a vector is
  modalities: 'transport',
};

/** `definitions.reranker`: the cascade's reranker. */
export const RERANKER_FIELDS: Classified<Definitions['reranker']> = {
  type: 'identity',
  mode: 'identity',
  model: 'identity',
  baseURL: 'transport',
  apiKeyEnv: 'transport',
  maxConcurrency: 'transport',
  timeoutMs: 'transport',
  maxRetries: 'transport',
  endpoint: 'identity',
  protocol: 'identity',
  instruction: 'identity',
  answer: 'identity',
  maxTokens: 'identity',
  temperature: 'identity',
};

/** Every schema definition that describes a model, by name (the others, such as thinkGate, are settings of a policy). */
export const MODEL_DEFINITIONS: Readonly<Record<string, Readonly<Record<string, FieldClass>>>> = {
  model: MODEL_FIELDS,
  reranker: RERANKER_FIELDS,
};

/** Transport fields by name: a name has one class in every model definition (the schema test checks it). */
const TRANSPORT = new Set(
  Object.values(MODEL_DEFINITIONS).flatMap((fields) => Object.keys(fields).filter((k) => fields[k] === 'transport')),
);

export function isTransportField(name: string): boolean {
  return TRANSPORT.has(name);
}

/** A model config without its transport fields: what the model computes, for cache identities. */
export function modelIdentity(cfg: Record<string, unknown> | null): Record<string, unknown> | null {
  return cfg ? Object.fromEntries(Object.entries(cfg).filter(([k]) => !TRANSPORT.has(k))) : null;
}

/** How calls to one model are shaped: items per call, and how many items its transport keeps in flight at once. */
export interface CallShape {
  itemsPerCall: number;
  inFlightItems: number;
}

/**
 * A model reached over HTTP one item per request (chat completions, "messages" embeddings, an embedder
 * with a protocol) is called one item at a time, so each answer can be stored the moment it arrives and no
 * batch waits for its slowest item; its endpoints keep maxConcurrency requests each in flight. Local models
 * and batched "input" requests take whole batches, two per local worker (one decoding while the other runs).
 */
export function callShape(cfg: ModelConfig | null, role: 'reasoner' | 'embedder', batchSize: number): CallShape {
  const perItem =
    cfg?.type === 'openai' &&
    (role === 'reasoner' || cfg.requestFormat === 'messages' || (role === 'embedder' && typeof cfg.protocol === 'string'));
  const endpoints = Array.isArray(cfg?.baseURL) ? cfg.baseURL.length : 1;
  return {
    itemsPerCall: perItem ? 1 : batchSize,
    inFlightItems: cfg?.type === 'openai' ? Number(cfg.maxConcurrency ?? 8) * endpoints : 2 * Number(cfg?.workers ?? 1) * batchSize,
  };
}
