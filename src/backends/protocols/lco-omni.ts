/**
 * LCO-Embedding-Omni-7B (Qwen2.5-Omni thinker) as VLM2Vec's evaluator feeds it (backbone `lco_omni`,
 * LCOOmni_process_fn): process_input_text replaces the task instruction with a one-word summary instruction
 * ("\nSummarize the above {image|video|audio|text} in one word:"; audio when the instruction mentions audio) and
 * drops the item's text when an image or video token is asked for; the omni message as NVOmni_process_fn builds
 * it; the chat template with `add_generation_prompt=True`, nothing appended (src/backends/protocols/omni.ts).
 */
import { omniPlan } from './omni.js';
import type { OmniItem, Plan, Protocol } from './types.js';

export const lcoOmni: Protocol = {
  name: 'lco-omni',
  revision: 1,
  audio: true,
  description: 'LCO-Embedding-Omni through VLM2Vec: one-word summary prompt, chat template with generation prompt',
  plan(item: OmniItem): Plan {
    return omniPlan(item, { backbone: 'lco_omni', addGenerationPrompt: true, suffix: '', template: 'qwen2.5-omni.jinja' });
  },
};
