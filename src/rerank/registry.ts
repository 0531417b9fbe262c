/** Builds the reranker a backend config names. */
import type { RerankerConfig } from '../backends/config.js';
import { BuiltinReranker, type BuiltinRerankMode } from './builtin.js';
import { ChatReranker, type ChatRerankerConfig } from './chat.js';
import { OpenAIReranker, type OpenAIRerankerConfig } from './openai.js';
import type { Reranker } from './types.js';

export function createReranker(cfg: RerankerConfig): Reranker {
  if (cfg.type === 'builtin') return new BuiltinReranker((cfg.mode as BuiltinRerankMode | undefined) ?? 'similarity');
  if (cfg.type === 'openai') return new OpenAIReranker(cfg as unknown as OpenAIRerankerConfig);
  return new ChatReranker(cfg as unknown as ChatRerankerConfig);
}
