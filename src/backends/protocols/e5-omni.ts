/**
 * E5-Omni-7B (Haon-Chen/e5-omni-7B, Qwen2.5-Omni thinker) as VLM2Vec's evaluator feeds it (backbone `e5_omni`,
 * E5Omni_process_fn): process_input_text gives instruction + text with no space and no placeholders; the omni
 * message as NVOmni_process_fn builds it; the chat template forced to `add_generation_prompt=True` and
 * "<|endoftext|>" appended to its output as the anchor last-token pooling reads (src/backends/protocols/omni.ts).
 * The anchor is part of the template sent (templates/e5-omni.jinja), so the server renders the same text.
 */
import { omniPlan } from './omni.js';
import type { OmniItem, Plan, Protocol } from './types.js';

export const e5Omni: Protocol = {
  name: 'e5-omni',
  revision: 1,
  audio: true,
  description: 'E5-Omni through VLM2Vec: instruction+text, chat template with generation prompt, <|endoftext|> appended',
  plan(item: OmniItem): Plan {
    return omniPlan(item, { backbone: 'e5_omni', addGenerationPrompt: true, suffix: '<|endoftext|>', template: 'e5-omni.jinja' });
  },
};
