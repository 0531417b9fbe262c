/**
 * NVIDIA Omni-Embed-Nemotron-3B (Qwen2.5-Omni-3B thinker) as VLM2Vec's evaluator feeds it (backbone
 * `nvomniembed`, NVOmni_process_fn; also `qwen2_5_omni`): process_input_text's default branch, placeholders
 * stripped, images/video/audio/text in one user message, Qwen2.5-Omni's chat template without a generation
 * prompt (src/backends/protocols/omni.ts). The maintainers' reproduction pools it with `mean`
 * (experiments/mmebv3_reproduction/REPRODUCTION.md), which the server's pooler must match (docs/serving.md).
 */
import { omniPlan } from './omni.js';
import type { OmniItem, Plan, Protocol } from './types.js';

export const omniEmbedNemotron: Protocol = {
  name: 'omni-embed-nemotron',
  revision: 1,
  audio: true,
  description: 'Omni-Embed-Nemotron / Qwen2.5-Omni through VLM2Vec: chat template, media before text, no generation prompt',
  plan(item: OmniItem): Plan {
    return omniPlan(item, { backbone: 'qwen2_vl', addGenerationPrompt: false, suffix: '', template: 'qwen2.5-omni.jinja' });
  },
};
