import { ConfigError } from '../errors.js';
import type { BackendConfig, ModelConfig } from './config.js';
import { BuiltinEmbedder } from './builtin.js';
import type { Embedder, Reasoner } from './types.js';

export interface Backend {
  config: BackendConfig;
  embedder: Embedder;
  reasoner: Reasoner | null;
}

function buildEmbedder(cfg: ModelConfig): Embedder {
  switch (cfg.type) {
    case 'builtin':
      return new BuiltinEmbedder();
    default:
      throw new ConfigError(`embedder type '${cfg.type}' is not available in this build`);
  }
}

function buildReasoner(cfg: ModelConfig): Reasoner {
  throw new ConfigError(`reasoner type '${cfg.type}' is not available in this build`);
}

/** Build the embedder and reasoner a backend config names. */
export function createBackend(config: BackendConfig): Backend {
  return {
    config,
    embedder: buildEmbedder(config.embedder),
    reasoner: config.reasoner ? buildReasoner(config.reasoner) : null,
  };
}
