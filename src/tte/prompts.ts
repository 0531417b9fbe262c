/**
 * Embedding-centric reasoning (ECR) prompts, written for this project from the TTE paper's description
 * (its own templates are unpublished): one prompt per task family. Every prompt asks for a
 * `<think> … </think>` chain of thought followed by a short final summary; the embedder then sees the
 * original input with the whole trace appended (visual, instruction, text, trace — the paper's order).
 */
import type { MetaTask } from '../catalog/types.js';

export type PromptFamily = 'classification' | 'vqa' | 'retrieval' | 'grounding' | 'video' | 'visdoc' | 'target';

export const PROMPT_VERSION = 'ecr-prompts@1';

const FORMAT =
  'Write your reasoning inside <think> and </think>, then write one short final summary sentence after </think>. ' +
  'The summary will be embedded for retrieval, so make it specific and factual.';

export const PROMPTS: Record<PromptFamily, string> = {
  classification:
    'Describe what the input shows, focusing on the attributes that decide its category (objects, scene, setting, style). ' +
    'Then name the most likely category.',
  vqa: 'Reason step by step about the question, using what the input shows, and arrive at the answer.',
  retrieval:
    'Describe the input in detail: the main subjects, their attributes and relations, and the setting, ' +
    'so that a matching item can be recognised.',
  grounding:
    'Identify the object the expression refers to. Describe it and its surroundings in detail: colour, shape, ' +
    'position, and what distinguishes it from similar objects.',
  video:
    'Describe what happens in the video over time: the actors, the actions in order, the objects involved and the setting. ' +
    'If there is a question, reason towards its answer.',
  visdoc:
    'State what information a document page must contain to answer or match this query: the topic, the key entities, ' +
    'numbers and terms, and the likely kind of page (chart, table, text, slide).',
  target: 'Describe this candidate in detail, as it would need to be described to match a query about it.',
};

export function promptFamily(meta: MetaTask): PromptFamily {
  switch (meta) {
    case 'I-CLS':
      return 'classification';
    case 'I-QA':
      return 'vqa';
    case 'I-RET':
      return 'retrieval';
    case 'I-VG':
      return 'grounding';
    case 'V-CLS':
    case 'V-QA':
    case 'V-RET':
    case 'V-MRET':
      return 'video';
    default:
      return 'visdoc';
  }
}

/** The full reasoning request for one input: family instructions, output format, then the input itself. */
export function reasoningPrompt(family: PromptFamily, inputText: string): string {
  const text = inputText.replace(/<\|(?:image|video)_pad\|> ?/g, '').trim();
  return `${PROMPTS[family]} ${FORMAT}\n\nInput:\n${text}`;
}

/** How a trace joins the embedder input: the original text, a newline, then the whole trace. */
export function withTrace(inputText: string, trace: string | null): string {
  return trace ? `${inputText}\n${trace}` : inputText;
}
