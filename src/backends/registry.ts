import { ConfigError } from '../errors.js';
import type { BackendConfig, ModelConfig } from './config.js';
import { BuiltinEmbedder } from './builtin.js';
import { BuiltinReasoner } from './builtin-reasoner.js';
import type { OpenAIModelConfig } from './openai.js';
import type { TransformersConfig } from './transformers.js';
import { modelArchitecture } from './transformers-arch.js';
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

/** A model that reasons, embeds, and does both in one pass (a local causal LM). */
type UnifiedCapable = UnifiedModel & Reasoner & Embedder;

/** Whether a model config names an HTTP endpoint and model, as an OpenAI-compatible client needs (the schema checked the rest). */
export function isOpenAIModelConfig(cfg: ModelConfig): cfg is ModelConfig & OpenAIModelConfig {
  const url = cfg.baseURL;
  const urls = typeof url === 'string' || (Array.isArray(url) && url.every((u) => typeof u === 'string'));
  return cfg.type === 'openai' && urls && typeof cfg.model === 'string';
}

function openaiConfig(cfg: ModelConfig, role: string): OpenAIModelConfig {
  if (!isOpenAIModelConfig(cfg)) throw new ConfigError(`${role}: type "openai" needs "baseURL" and "model"`);
  return cfg;
}

function transformersConfig(cfg: ModelConfig, role: string): TransformersConfig {
  const model = cfg.model;
  if (typeof model !== 'string') throw new ConfigError(`${role}: type "transformers" needs "model" (a local folder)`);
  // the schema has checked every other field's type; the loaders read the ones they know
  return { ...cfg, model } as TransformersConfig;
}

/** The embedder a config names, and the same network when it can also reason and embed in one pass. */
interface BuiltEmbedder {
  embedder: Embedder;
  unified: UnifiedCapable | null;
}

async function buildEmbedder(cfg: ModelConfig): Promise<BuiltEmbedder> {
  const inner = await buildInnerEmbedder(cfg);
  // An HTTP embedder builds the protocol's request itself; a local one gets the protocol's prompt and media.
  if (cfg.protocol && cfg.type !== 'openai') {
    const { ProtocolEmbedder } = await import('./protocols/apply.js');
    const { getProtocol } = await import('./protocols/index.js');
    // behind a protocol the model only embeds (its prompt is the protocol's, not a reasoning prompt)
    return { embedder: new ProtocolEmbedder(inner.embedder, getProtocol(cfg.protocol)), unified: null };
  }
  return inner;
}

async function buildInnerEmbedder(cfg: ModelConfig): Promise<BuiltEmbedder> {
  if (cfg.type === 'builtin') return { embedder: new BuiltinEmbedder(), unified: null };
  // loaded lazily: the HTTP stack only for HTTP backends
  if (cfg.type === 'openai')
    return { embedder: new (await import('./openai.js')).OpenAIEmbedder(openaiConfig(cfg, 'embedder')), unified: null };
  if (typeof cfg.workers === 'number' && cfg.workers > 0 && cfg.architecture !== 'causal-lm') {
    const tc = transformersConfig(cfg, 'embedder');
    // the workers decide the same way; deciding here too refuses an unknown model before any worker starts
    modelArchitecture(tc);
    const { PooledTransformersEmbedder } = await import('./transformers-pool.js');
    return { embedder: new PooledTransformersEmbedder(tc, cfg.workers), unified: null };
  }
  // loaded lazily: onnxruntime-node is only needed by runs that use a local model
  const local = await (await import('./transformers.js')).loadLocalModel(transformersConfig(cfg, 'embedder'));
  // a causal LM embeds and also reasons and embeds in one pass
  return { embedder: local.model, unified: local.architecture === 'causal-lm' ? local.model : null };
}

async function buildReasoner(cfg: ModelConfig): Promise<Reasoner> {
  if (cfg.type === 'builtin') return new BuiltinReasoner();
  if (cfg.type === 'openai') return new (await import('./openai.js')).OpenAIReasoner(openaiConfig(cfg, 'reasoner'));
  const tc = transformersConfig(cfg, 'reasoner');
  // decided before anything loads: a model that cannot generate is refused without being loaded
  if (modelArchitecture(tc) !== 'causal-lm')
    throw new ConfigError('reasoner: this transformers architecture cannot generate (use causal-lm)');
  return (await import('./transformers.js')).CausalLm.load(tc);
}

/** The weight-free floor as one "network": its reasoner's trace embedded in its own feature space. */
function builtinUnified(embedder: Embedder, reasoner: BuiltinReasoner): UnifiedModel {
  return {
    id: 'builtin-unified@1',
    reasonAndEmbed: async (items) => {
      const traces = await reasoner.reason(items);
      const vectors = await embedder.embed(
        items.map((it, i) => ({ text: `${it.text}\n${traces[i].text}`, media: it.media, role: 'query' })),
      );
      return traces.map((trace, i) => ({ trace, vector: vectors[i] }));
    },
  };
}

/** Closes each distinct model once (a causal LM may serve as embedder and reasoner at once). */
async function closeAll(models: (Embedder | Reasoner | null)[]): Promise<void> {
  for (const m of new Set(models)) await m?.close?.();
}

/**
 * Build the models a backend config names. For the unified pipeline, a local causal LM serves as reasoner
 * and embedder at once (reason, then embed from the same hidden states); over HTTP, the reasoner and the
 * embedder endpoints are expected to serve the same model. Whatever was loaded is closed again when a later
 * step fails, and no configured model is loaded only to be replaced.
 */
export async function createBackend(config: BackendConfig): Promise<Backend> {
  const { embedder, unified: capable } = await buildEmbedder(config.embedder);
  let reasoner: Reasoner | null = null;
  let unified: UnifiedModel | null = null;
  try {
    if (config.pipeline === 'unified' && embedder instanceof BuiltinEmbedder) {
      // the builtin network reasons itself: a configured reasoner (the builtin one: a unified config names one
      // model) would only be replaced, so it is not built
      const r = new BuiltinReasoner();
      reasoner = r;
      unified = builtinUnified(embedder, r);
    } else {
      reasoner = config.reasoner ? await buildReasoner(config.reasoner) : null;
      if (config.pipeline === 'unified') {
        if (capable) {
          unified = capable;
          reasoner = reasoner ?? capable;
        } else if (!reasoner) {
          throw new ConfigError('pipeline "unified" needs a causal-lm embedder (transformers) or a reasoner for the same served model');
        }
      }
    }
  } catch (err) {
    await closeAll([embedder, reasoner]);
    throw err;
  }
  return {
    config,
    embedder,
    reasoner,
    unified,
    close: () => closeAll([embedder, reasoner]),
  };
}
