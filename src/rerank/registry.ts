/** Builds the reranker a backend config names. */
import type { RerankerConfig } from '../backends/config.js';
import type { HttpOptions } from '../backends/http.js';
import { ConfigError } from '../errors.js';
import { BuiltinReranker, type BuiltinRerankMode } from './builtin.js';
import { ChatReranker } from './chat.js';
import { OpenAIReranker } from './openai.js';
import type { Reranker } from './types.js';

const BUILTIN_MODES: readonly BuiltinRerankMode[] = ['similarity', 'oracle', 'reverse'];

function isBuiltinMode(mode: unknown): mode is BuiltinRerankMode {
  return BUILTIN_MODES.includes(mode as BuiltinRerankMode);
}

/** Whether a reranker config names an endpoint and a model, as the HTTP rerankers need (the schema checked the rest). */
function isHttpReranker(cfg: RerankerConfig): cfg is RerankerConfig & HttpOptions & { model: string } {
  const url = cfg.baseURL;
  return (typeof url === 'string' || (Array.isArray(url) && url.every((u) => typeof u === 'string'))) && typeof cfg.model === 'string';
}

export function createReranker(cfg: RerankerConfig): Reranker {
  if (cfg.type === 'builtin') {
    if (cfg.mode !== undefined && !isBuiltinMode(cfg.mode))
      throw new ConfigError(`must be one of ${BUILTIN_MODES.join(', ')}`, { field: 'reranker.mode' });
    return new BuiltinReranker(cfg.mode ?? 'similarity');
  }
  if (!isHttpReranker(cfg)) throw new ConfigError(`a "${cfg.type}" reranker needs "baseURL" and "model"`, { field: 'reranker' });
  return cfg.type === 'openai' ? new OpenAIReranker(cfg) : new ChatReranker(cfg);
}
