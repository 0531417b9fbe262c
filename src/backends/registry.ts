import { ConfigError } from '../errors.js';
import type { BackendConfig, ModelConfig } from './config.js';
import { BuiltinEmbedder } from './builtin.js';
import { BuiltinReasoner } from './builtin-reasoner.js';
import type { OpenAIModelConfig } from './openai.js';
import type { Embedder, ReasonInput, Reasoner, Trace } from './types.js';

/** One network that reasons and then embeds from its own hidden states (TTE_u). */
export interface UnifiedModel {
  readonly id: string;
  reasonAndEmbed(items: ReasonInput[]): Promise<{ trace: Trace; vector: Float32Array }[]>;
}

export interface Backend {
  config: BackendConfig;
  embedder: Embedder;
  reasoner: Reasoner | null;
  unified: UnifiedModel | null;
  close(): Promise<void>;
}

function openaiConfig(cfg: ModelConfig, role: string): OpenAIModelConfig {
  if ((typeof cfg.baseURL !== 'string' && !Array.isArray(cfg.baseURL)) || typeof cfg.model !== 'string') {
    throw new ConfigError(`${role}: type "openai" needs "baseURL" and "model"`);
  }
  return cfg as unknown as OpenAIModelConfig;
}

async function transformers(cfg: ModelConfig, role: string) {
  if (typeof cfg.model !== 'string') throw new ConfigError(`${role}: type "transformers" needs "model" (a local folder)`);
  // loaded lazily: onnxruntime-node is only needed by runs that use a local model
  const t = await import('./transformers.js');
  const arch = cfg.architecture as string | undefined;
  const tc = { ...(cfg as object), model: cfg.model } as import('./transformers.js').TransformersConfig;
  if (arch === 'clip' || arch === 'siglip') return t.DualEncoderEmbedder.load(tc);
  if (arch === 'decoder-last-token') return t.DecoderEmbedder.load(tc);
  if (arch === 'causal-lm' || role === 'reasoner') return t.CausalLm.load(tc);
  throw new ConfigError(`${role}: unknown transformers architecture '${arch}' (clip, siglip, decoder-last-token, causal-lm)`);
}

async function buildEmbedder(cfg: ModelConfig): Promise<Embedder> {
  const inner = await buildInnerEmbedder(cfg);
  // An HTTP embedder builds the protocol's request itself; a local one gets the protocol's prompt and media.
  if (cfg.protocol && cfg.type !== 'openai') {
    const { ProtocolEmbedder } = await import('./protocols/apply.js');
    const { getProtocol } = await import('./protocols/index.js');
    return new ProtocolEmbedder(inner, getProtocol(cfg.protocol));
  }
  return inner;
}

async function buildInnerEmbedder(cfg: ModelConfig): Promise<Embedder> {
  if (cfg.type === 'builtin') return new BuiltinEmbedder();
  if (cfg.type === 'openai') return new (await import('./openai.js')).OpenAIEmbedder(openaiConfig(cfg, 'embedder')); // loaded lazily: the HTTP stack only for HTTP backends
  if (typeof cfg.workers === 'number' && cfg.workers > 0 && cfg.architecture !== 'causal-lm') {
    if (typeof cfg.model !== 'string') throw new ConfigError('embedder: type "transformers" needs "model" (a local folder)');
    const { PooledTransformersEmbedder } = await import('./transformers-pool.js');
    return new PooledTransformersEmbedder(
      { ...(cfg as object), model: cfg.model } as import('./transformers.js').TransformersConfig,
      cfg.workers,
    );
  }
  const m = await transformers(cfg, 'embedder');
  if (!('embed' in m)) throw new ConfigError('embedder: this transformers architecture cannot embed');
  return m as Embedder;
}

async function buildReasoner(cfg: ModelConfig): Promise<Reasoner> {
  if (cfg.type === 'builtin') return new BuiltinReasoner();
  if (cfg.type === 'openai') return new (await import('./openai.js')).OpenAIReasoner(openaiConfig(cfg, 'reasoner'));
  const m = await transformers(cfg, 'reasoner');
  if (!('reason' in m)) throw new ConfigError('reasoner: this transformers architecture cannot generate (use causal-lm)');
  return m as Reasoner;
}

/**
 * Build the models a backend config names. For the unified pipeline, a local causal LM serves as reasoner
 * and embedder at once (reason, then embed from the same hidden states); over HTTP, the reasoner and the
 * embedder endpoints are expected to serve the same model.
 */
export async function createBackend(config: BackendConfig): Promise<Backend> {
  const embedder = await buildEmbedder(config.embedder);
  let reasoner = config.reasoner ? await buildReasoner(config.reasoner) : null;
  let unified: UnifiedModel | null = null;
  if (config.pipeline === 'unified') {
    if (embedder instanceof BuiltinEmbedder) {
      // the weight-free floor in one "network": its reasoner's trace embedded in its own feature space
      const r = new BuiltinReasoner();
      reasoner = r;
      unified = {
        id: 'builtin-unified@1',
        reasonAndEmbed: async (items) => {
          const traces = await r.reason(items);
          const vectors = await embedder.embed(
            items.map((it, i) => ({ text: `${it.text}\n${traces[i].text}`, media: it.media, role: 'query' })),
          );
          return traces.map((trace, i) => ({ trace, vector: vectors[i] }));
        },
      };
    } else if ('reasonAndEmbed' in embedder) {
      unified = embedder as unknown as UnifiedModel;
      reasoner = reasoner ?? (embedder as unknown as Reasoner);
    } else if (!reasoner) {
      throw new ConfigError('pipeline "unified" needs a causal-lm embedder (transformers) or a reasoner for the same served model');
    }
  }
  return {
    config,
    embedder,
    reasoner,
    unified,
    close: async () => {
      await embedder.close?.();
      if (reasoner && (reasoner as unknown) !== embedder) await reasoner.close?.();
    },
  };
}
