/**
 * Which transformers.js class loads a local model folder: one decision for the in-process loader and the
 * worker pool's, so they cannot disagree. The configured `architecture` wins; without one, the folder's
 * config.json decides where it is unambiguous (model_type clip or siglip; a *ForCausalLM architecture). A
 * folder that names nothing this harness loads is refused, naming the folder and what its config.json says,
 * rather than loaded as some other kind of model. Kept free of transformers.js so deciding costs nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export const TRANSFORMERS_ARCHITECTURES = ['clip', 'siglip', 'decoder-last-token', 'causal-lm'] as const;
export type TransformersArchitecture = (typeof TRANSFORMERS_ARCHITECTURES)[number];

const LIST = TRANSFORMERS_ARCHITECTURES.join(', ');

function isArchitecture(a: unknown): a is TransformersArchitecture {
  return TRANSFORMERS_ARCHITECTURES.includes(a as TransformersArchitecture);
}

/** The architecture a model is loaded as: the configured one, else the one its folder's config.json names. */
export function modelArchitecture(cfg: { model: string; architecture?: unknown }): TransformersArchitecture {
  if (cfg.architecture !== undefined) {
    if (!isArchitecture(cfg.architecture))
      throw new ConfigError(`unknown transformers architecture '${String(cfg.architecture)}' (${LIST})`, { field: 'architecture' });
    return cfg.architecture;
  }
  const file = join(cfg.model, 'config.json');
  let doc: { model_type?: unknown; architectures?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `model folder ${cfg.model}: no "architecture" configured and no readable config.json to tell it from (${(err as Error).message}); set "architecture" (${LIST})`,
      { field: 'architecture' },
    );
  }
  const type = typeof doc.model_type === 'string' ? doc.model_type : null;
  const archs = Array.isArray(doc.architectures) ? doc.architectures.filter((a): a is string => typeof a === 'string') : [];
  if (type === 'clip' || type === 'siglip') return type;
  if (archs.some((a) => a.endsWith('ForCausalLM'))) return 'causal-lm';
  // a bare decoder (e.g. Qwen2Model) could be pooled several ways: only a configured "decoder-last-token" says how
  throw new ConfigError(
    `model folder ${cfg.model} (model_type ${type ?? 'not given'}, architectures ${archs.join(', ') || 'not given'}) is not an ` +
      `architecture this harness recognises; set "architecture" (${LIST}) if the model is one of them`,
    { file, field: 'architecture' },
  );
}
