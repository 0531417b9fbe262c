import { Ajv } from 'ajv';
import { ConfigError } from '../errors.js';
import { readConfigJson } from '../util/json.js';

export type Pipeline = 'no-think' | 'teacher' | 'distilled' | 'unified';
export type TextFormatName = 'qwen2-vl' | 'plain';

export interface ModelConfig {
  type: 'openai' | 'transformers' | 'builtin';
  /** How visual placeholders appear in the text this model receives (default qwen2-vl). */
  textFormat?: TextFormatName;
  /** The model protocol (src/backends/protocols/): exact prompt, media placement, pixel limits, flags. */
  protocol?: string;
  batchSize?: number;
  [key: string]: unknown;
}

export interface BackendConfig {
  name: string;
  pipeline: Pipeline;
  embedder: ModelConfig;
  reasoner: ModelConfig | null;
}

/** Backend config schema. Secrets are never in the file: HTTP backends name an environment variable. */
export const BACKEND_SCHEMA = {
  type: 'object',
  required: ['name', 'pipeline', 'embedder'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_.@+-]+$' },
    description: { type: 'string' },
    pipeline: { enum: ['no-think', 'teacher', 'distilled', 'unified'] },
    embedder: { $ref: '#/definitions/model' },
    reasoner: { oneOf: [{ type: 'null' }, { $ref: '#/definitions/model' }] },
  },
  definitions: {
    model: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['openai', 'transformers', 'builtin'] },
        textFormat: { enum: ['qwen2-vl', 'plain'] },
        batchSize: { type: 'integer', minimum: 1 },
        model: { type: 'string' },
        baseURL: { oneOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: { type: 'string' } }] },
        apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        maxConcurrency: { type: 'integer', minimum: 1 },
        architecture: { enum: ['clip', 'siglip', 'decoder-last-token', 'causal-lm'] },
        requestFormat: { enum: ['input', 'messages'] },
        chatTemplate: { type: 'string' },
        timeoutMs: { type: 'integer', minimum: 1 },
        maxRetries: { type: 'integer', minimum: 0 },
        maxTokens: { type: 'integer', minimum: 1 },
        maxNewTokens: { type: 'integer', minimum: 1 },
        workers: { type: 'integer', minimum: 1, maximum: 64 },
        dtype: { type: 'string' },
        protocol: { enum: ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding', 'plain'] },
        sendChatTemplate: { type: 'boolean' },
      },
      not: { anyOf: [{ required: ['apiKey'] }, { required: ['api_key'] }] },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(BACKEND_SCHEMA);

export const BUILTIN_BACKEND: BackendConfig = {
  name: 'builtin-floor',
  pipeline: 'no-think',
  embedder: { type: 'builtin', textFormat: 'qwen2-vl' },
  reasoner: null,
};

export function parseBackendConfig(doc: unknown, file = '<inline>'): BackendConfig {
  if (!validate(doc)) {
    const details = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`invalid backend config: ${details}`, { file });
  }
  const cfg = { reasoner: null, ...(doc as object) } as BackendConfig;
  if (cfg.pipeline === 'no-think' && cfg.reasoner) {
    throw new ConfigError("pipeline 'no-think' takes no reasoner (set reasoner to null)", { file, field: 'reasoner' });
  }
  if (cfg.embedder.type === 'openai' && !cfg.embedder.baseURL) {
    throw new ConfigError('an openai embedder needs baseURL', { file, field: 'embedder.baseURL' });
  }
  if ((cfg.pipeline === 'teacher' || cfg.pipeline === 'distilled') && !cfg.reasoner) {
    throw new ConfigError(`pipeline '${cfg.pipeline}' needs a reasoner`, { file, field: 'reasoner' });
  }
  return cfg;
}

export function loadBackendConfig(file?: string): BackendConfig {
  if (!file) return BUILTIN_BACKEND;
  return parseBackendConfig(readConfigJson(file, 'backend config'), file);
}
