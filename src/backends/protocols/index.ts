/** Model protocols by name. Adding a model family is adding one file here and one line below. */
import { ConfigError } from '../../errors.js';
import { gmeQwen2vl } from './gme-qwen2vl.js';
import { plainProtocol } from './plain.js';
import { qwen3VlEmbedding } from './qwen3-vl-embedding.js';
import type { Protocol } from './types.js';
import { vlm2vecQwen2vl } from './vlm2vec-qwen2vl.js';

export const PROTOCOLS: Record<string, Protocol> = {
  [vlm2vecQwen2vl.name]: vlm2vecQwen2vl,
  [gmeQwen2vl.name]: gmeQwen2vl,
  [qwen3VlEmbedding.name]: qwen3VlEmbedding,
  [plainProtocol.name]: plainProtocol,
};

export const PROTOCOL_NAMES = Object.keys(PROTOCOLS);

export function getProtocol(name: string): Protocol {
  const p = PROTOCOLS[name];
  if (!p) throw new ConfigError(`unknown protocol '${name}' (known: ${PROTOCOL_NAMES.join(', ')})`);
  return p;
}

export type { Plan, Protocol, ProtocolItem, SentMedia, MediaShape } from './types.js';
