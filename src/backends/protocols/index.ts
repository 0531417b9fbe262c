/** Model protocols by name. Adding a model family is adding one file here and one line below. */
import { ConfigError } from '../../errors.js';
import { AUDIO_PROTOCOLS } from './apply.js';
import { e5Omni } from './e5-omni.js';
import { gmeQwen2vl } from './gme-qwen2vl.js';
import { lcoOmni } from './lco-omni.js';
import { omniEmbedNemotron } from './omni-embed-nemotron.js';
import { plainProtocol } from './plain.js';
import { qwen3VlEmbedding } from './qwen3-vl-embedding.js';
import type { Protocol } from './types.js';
import { vlm2vecQwen2vl } from './vlm2vec-qwen2vl.js';
import { wave } from './wave.js';

export const PROTOCOLS: Record<string, Protocol> = {
  [vlm2vecQwen2vl.name]: vlm2vecQwen2vl,
  [gmeQwen2vl.name]: gmeQwen2vl,
  [qwen3VlEmbedding.name]: qwen3VlEmbedding,
  [plainProtocol.name]: plainProtocol,
  [omniEmbedNemotron.name]: omniEmbedNemotron,
  [e5Omni.name]: e5Omni,
  [lcoOmni.name]: lcoOmni,
  [wave.name]: wave,
};

for (const p of Object.values(PROTOCOLS)) if (p.audio) AUDIO_PROTOCOLS[p.name] = true;

export const PROTOCOL_NAMES = Object.keys(PROTOCOLS);

export function getProtocol(name: string): Protocol {
  const p = PROTOCOLS[name];
  if (!p) throw new ConfigError(`unknown protocol '${name}' (known: ${PROTOCOL_NAMES.join(', ')})`);
  return p;
}

export type { Plan, Protocol, ProtocolItem, SentMedia, MediaShape } from './types.js';
