/**
 * WAVE-7B (Qwen2.5-Omni thinker with an added BEATs audio branch) as VLM2Vec's evaluator feeds it (backbone
 * `wave`, NVOmni_process_fn with `_keep_input_raw_wav`): the same text and message as Omni-Embed-Nemotron (its
 * <|IMAGE|>/<|VIDEO|> tokens are stripped like the others), chat template without a generation prompt. The raw
 * 16 kHz waveform also feeds the BEATs branch, an architecture vLLM does not serve: this protocol describes the
 * request for a server that implements WAVE (docs/serving.md says so), and `render` shows it.
 */
import { omniPlan } from './omni.js';
import type { OmniItem, Plan, Protocol } from './types.js';

export const wave: Protocol = {
  name: 'wave',
  revision: 1,
  audio: true,
  description: 'WAVE through VLM2Vec (needs a server implementing its BEATs branch; vLLM does not serve it)',
  plan(item: OmniItem): Plan {
    return omniPlan(item, { backbone: 'qwen2_vl', addGenerationPrompt: false, suffix: '', template: 'qwen2.5-omni.jinja' });
  },
};
