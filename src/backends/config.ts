import type { ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import { validate as validateGenerated } from './config-validator.generated.js';
import { readConfigJson } from '../util/json.js';

export type Pipeline = 'no-think' | 'teacher' | 'distilled' | 'unified';
export type TextFormatName = 'qwen2-vl' | 'plain';
/** What a model takes as input: text, and which media (a video = its frames). */
export const INPUT_MODALITIES = ['text', 'image', 'video', 'audio'] as const;
export type InputModality = (typeof INPUT_MODALITIES)[number];

export interface ModelConfig {
  type: 'openai' | 'transformers' | 'builtin';
  /** How visual placeholders appear in the text this model receives (default qwen2-vl). */
  textFormat?: TextFormatName;
  /** The model protocol (src/backends/protocols/): exact prompt, media placement, pixel limits, flags. */
  protocol?: string;
  batchSize?: number;
  /** The inputs it takes (default: all). ["text"] for a text-embedding server: tasks with media are refused before any request. */
  modalities?: InputModality[];
  [key: string]: unknown;
}

export interface BackendConfig {
  name: string;
  pipeline: Pipeline;
  embedder: ModelConfig;
  reasoner: ModelConfig | null;
  /** Cascade: score each query's top `rerankDepth` retrieved candidates with this reranker and re-sort them. */
  reranker?: RerankerConfig | null;
  rerankDepth?: number;
  /** Adaptive thinking: reason on every query (default for think pipelines), on none, or as a gate decides per item. */
  think?: 'always' | 'never' | 'gate';
  thinkGate?: ThinkGateConfig;
}

export interface RerankerConfig {
  type: 'builtin' | 'openai' | 'chat';
  [key: string]: unknown;
}

export interface ThinkGateConfig {
  policy: 'reasoner' | 'family' | 'margin';
  [key: string]: unknown;
}

/** The families a "family" think gate can switch: the reasoning prompt families (src/tte/prompts.ts). */
export const THINK_GATE_FAMILIES = [
  'classification',
  'vqa',
  'retrieval',
  'grounding',
  'video',
  'visdoc',
  'reasoning-text',
  'instruction-text',
  'long-document',
  'passage',
  'tool',
  'gui',
  'memory',
  'product',
  'audio',
  'target',
] as const;

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
    reranker: { oneOf: [{ type: 'null' }, { $ref: '#/definitions/reranker' }] },
    rerankDepth: { type: 'integer', minimum: 1, maximum: 1000 },
    think: { enum: ['always', 'never', 'gate'] },
    thinkGate: { $ref: '#/definitions/thinkGate' },
  },
  definitions: {
    model: {
      type: 'object',
      required: ['type'],
      // a misspelt field (maxConcurency, requestFromat) or a stray secret (token) is refused, not ignored
      additionalProperties: false,
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
        allDownTimeoutMs: { type: 'integer', minimum: 1000, maximum: 86400000 },
        maxTokens: { type: 'integer', minimum: 1 },
        maxNewTokens: { type: 'integer', minimum: 1 },
        workers: { type: 'integer', minimum: 1, maximum: 64 },
        dtype: { type: 'string' },
        retryBaseMs: { type: 'integer', minimum: 0, maximum: 600000 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
        systemPrompt: { type: 'string' },
        allowRemote: { type: 'boolean' },
        maxLength: { type: 'integer', minimum: 1 },
        intraOpNumThreads: { type: 'integer', minimum: 1, maximum: 1024 },
        protocol: {
          enum: ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding', 'plain', 'omni-embed-nemotron', 'e5-omni', 'lco-omni', 'wave'],
        },
        sendChatTemplate: { type: 'boolean' },
        modalities: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: INPUT_MODALITIES }, contains: { const: 'text' } },
      },
      not: { anyOf: [{ required: ['apiKey'] }, { required: ['api_key'] }] },
    },
    reranker: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { enum: ['builtin', 'openai', 'chat'] },
        mode: { enum: ['similarity', 'oracle', 'reverse'] },
        model: { type: 'string', minLength: 1 },
        baseURL: { oneOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: { type: 'string' } }] },
        apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        maxConcurrency: { type: 'integer', minimum: 1, maximum: 1024 },
        timeoutMs: { type: 'integer', minimum: 1 },
        maxRetries: { type: 'integer', minimum: 0, maximum: 20 },
        endpoint: { enum: ['score', 'rerank'] },
        protocol: { enum: ['plain', 'reasoning', 'qwen3-vl-reranker'] },
        instruction: { type: 'string' },
        answer: { enum: ['yes-no', 'score'] },
        maxTokens: { type: 'integer', minimum: 1, maximum: 32768 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
      },
    },
    thinkGate: {
      type: 'object',
      required: ['policy'],
      additionalProperties: false,
      properties: {
        policy: { enum: ['reasoner', 'family', 'margin'] },
        families: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            // the reasoning prompt families (src/tte/prompts.ts PROMPT_FAMILIES; a test keeps the two lists equal)
            THINK_GATE_FAMILIES.map((f) => [f, { type: 'boolean' }]),
          ),
        },
        margin: { type: 'number', minimum: 0, maximum: 2 },
        model: { $ref: '#/definitions/model' },
        maxTokens: { type: 'integer', minimum: 1, maximum: 4096 },
      },
    },
  },
} as const;

/**
 * BACKEND_SCHEMA compiled ahead of time (Ajv's standalone code, same options; scripts/gen-schema-validators.ts,
 * a test fails when it is stale): compiling it at start-up was a quarter of a resumed run's CPU.
 */
const validate: { (doc: unknown): boolean; errors?: ErrorObject[] | null } = validateGenerated;

export const BUILTIN_BACKEND: BackendConfig = {
  name: 'builtin-floor',
  pipeline: 'no-think',
  embedder: { type: 'builtin', textFormat: 'qwen2-vl' },
  reasoner: null,
};

export function parseBackendConfig(doc: unknown, file = '<inline>'): BackendConfig {
  if (!validate(doc)) throw new ConfigError(`invalid backend config: ${schemaProblems(validate.errors ?? []).join('; ')}`, { file });
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
  // unified = one network reasons and embeds; two different models would silently run the teacher flow
  if (
    cfg.pipeline === 'unified' &&
    cfg.reasoner &&
    (cfg.reasoner.type !== cfg.embedder.type || cfg.reasoner.model !== cfg.embedder.model)
  ) {
    throw new ConfigError(
      `pipeline 'unified' needs one model that reasons and embeds, but the reasoner (${cfg.reasoner.type} ${String(cfg.reasoner.model ?? '')}) ` +
        `and the embedder (${cfg.embedder.type} ${String(cfg.embedder.model ?? '')}) differ; use 'teacher' or 'distilled' for two models`,
      { file, field: 'reasoner.model' },
    );
  }
  checkCascade(cfg, file);
  return cfg;
}

/**
 * One line per schema violation, each with the JSON path of the offending value (an unknown field's own
 * path). The alternatives of `reasoner: null | model` are folded: a reasoner object with a bad field
 * reports that field, not also "must be null".
 */
function schemaProblems(errors: ErrorObject[]): string[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  const lines = (specific.length ? specific : errors).map((e) => {
    if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(e.params.additionalProperty)}: unknown field`;
    if (e.keyword === 'not')
      return `${e.instancePath || '/'}: API keys are never stored in a config (name an environment variable with apiKeyEnv)`;
    if (e.keyword === 'enum')
      return `${e.instancePath || '/'}: must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    return `${e.instancePath || '/'}: ${e.message}`;
  });
  return [...new Set(lines)];
}

export function loadBackendConfig(file?: string): BackendConfig {
  if (!file) return BUILTIN_BACKEND;
  return parseBackendConfig(readConfigJson(file, 'backend config'), file);
}

/** The rerank and adaptive-thinking fields must come as complete, consistent sets. */
function checkCascade(cfg: BackendConfig, file: string): void {
  const r = cfg.reranker;
  if (r && cfg.rerankDepth === undefined)
    throw new ConfigError('a reranker needs "rerankDepth" (how many retrieved candidates per query it scores)', {
      file,
      field: 'rerankDepth',
    });
  if (!r && cfg.rerankDepth !== undefined) throw new ConfigError('"rerankDepth" without a reranker', { file, field: 'rerankDepth' });
  if (r) {
    const allowed: Record<string, string[]> = {
      builtin: ['type', 'mode'],
      openai: ['type', 'model', 'baseURL', 'apiKeyEnv', 'maxConcurrency', 'timeoutMs', 'maxRetries', 'endpoint', 'protocol', 'instruction'],
      chat: [
        'type',
        'model',
        'baseURL',
        'apiKeyEnv',
        'maxConcurrency',
        'timeoutMs',
        'maxRetries',
        'protocol',
        'instruction',
        'answer',
        'maxTokens',
        'temperature',
      ],
    };
    const extra = Object.keys(r).find((k) => !allowed[r.type].includes(k));
    if (extra) throw new ConfigError(`field not used by a "${r.type}" reranker`, { file, field: `reranker.${extra}` });
    if (r.type !== 'builtin' && (!r.baseURL || !r.model))
      throw new ConfigError(`a "${r.type}" reranker needs "baseURL" and "model"`, { file, field: 'reranker' });
    const protocols: Record<string, string[]> = { openai: ['plain', 'qwen3-vl-reranker'], chat: ['reasoning', 'qwen3-vl-reranker'] };
    if (r.protocol !== undefined && !protocols[r.type]?.includes(r.protocol as string)) {
      throw new ConfigError(
        `protocol '${String(r.protocol)}' is not one of a "${r.type}" reranker's (${(protocols[r.type] ?? []).join(', ')})`,
        { file, field: 'reranker.protocol' },
      );
    }
  }
  const thinks = cfg.pipeline === 'teacher' || cfg.pipeline === 'distilled';
  if (cfg.think !== undefined && cfg.think !== 'never' && !thinks) {
    throw new ConfigError(`"think": "${cfg.think}" needs a teacher or distilled pipeline (a separate reasoner)`, { file, field: 'think' });
  }
  if (cfg.think === 'gate' && !cfg.thinkGate)
    throw new ConfigError('"think": "gate" needs "thinkGate" (policy reasoner, family or margin)', { file, field: 'thinkGate' });
  if (cfg.thinkGate && cfg.think !== 'gate')
    throw new ConfigError('"thinkGate" is only read with "think": "gate"', { file, field: 'thinkGate' });
  const g = cfg.thinkGate;
  if (g) {
    const need: Record<string, string> = { family: 'families', margin: 'margin' };
    if (need[g.policy] && g[need[g.policy]] === undefined)
      throw new ConfigError(`gate policy '${g.policy}' needs "${need[g.policy]}"`, { file, field: `thinkGate.${need[g.policy]}` });
    const extra = Object.keys(g).find(
      (k) => k !== 'policy' && k !== need[g.policy] && !(g.policy === 'reasoner' && (k === 'model' || k === 'maxTokens')),
    );
    if (extra) throw new ConfigError(`field not used by gate policy '${g.policy}'`, { file, field: `thinkGate.${extra}` });
  }
}
