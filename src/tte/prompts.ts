/**
 * Embedding-centric reasoning (ECR) prompts, written for this project from the TTE paper's description
 * (its own templates are unpublished): one prompt per task family. Every prompt asks for a
 * `<think> … </think>` chain of thought followed by a short final summary; the embedder then sees the
 * original input with the whole trace appended (visual, instruction, text, trace — the paper's order).
 */
import type { MetaTask, TaskSpec } from '../catalog/types.js';
import { ConfigError } from '../errors.js';

/**
 * MMEB-V2's families, then MMEB-V3's: reasoning-intensive text retrieval (BRIGHT, R2MED), instruction-following
 * retrieval (FollowIR, InfoSearch, MultiConIR), long documents (LongEmbed), plain passage retrieval (NanoBEIR),
 * tool retrieval (ToolDe), GUI screens and actions, memory (past episodes and facts), product search (MCMR) and audio.
 */
export type PromptFamily =
  | 'classification'
  | 'vqa'
  | 'retrieval'
  | 'grounding'
  | 'video'
  | 'visdoc'
  | 'reasoning-text'
  | 'instruction-text'
  | 'long-document'
  | 'passage'
  | 'tool'
  | 'gui'
  | 'memory'
  | 'product'
  | 'audio'
  | 'target';

export const PROMPT_FAMILIES: readonly PromptFamily[] = [
  'classification',
  'vqa',
  'retrieval',
  'grounding',
  'video',
  'visdoc',
  'reasoning-text',
  'instruction-text',
  'long-document',
  'passage',
  'tool',
  'gui',
  'memory',
  'product',
  'audio',
  'target',
];

/** @2: the MMEB-V3 families (the V2 families' texts are unchanged from @1). Enters trace cache keys and run records. */
export const PROMPT_VERSION = 'ecr-prompts@2';

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
  'reasoning-text':
    'Work out what this query really needs: the underlying principle, theorem, algorithm or mechanism that answers it, ' +
    'not its surface wording. Name that concept and the kind of document that explains or applies it.',
  'instruction-text':
    'The query comes with an instruction that constrains which documents count (conditions, exclusions, audience, ' +
    'format, language, source). State the information need and every condition a relevant document must meet.',
  'long-document':
    'The query will be matched against long documents. State the specific fact, passage or event it asks for, ' +
    'with the names, numbers and key phrases a matching document must contain.',
  passage: 'State what a passage must say to answer or match this query: the topic, key entities, claims and terms.',
  tool:
    'The request will be matched to a tool from its documentation. Work out which capability the request needs: the ' +
    'action, its inputs and outputs, and the domain or API family of the tool that performs it.',
  gui:
    'The input is a GUI task, instruction or screen. Describe the screen (app, page, visible elements) and the action ' +
    'the user takes or must take next (element, operation, typed value).',
  memory:
    'The query will be matched against past conversation turns, notes or episodes. Work out which earlier episode or ' +
    'fact it refers to: who, what, when, and the detail that must be recalled.',
  product:
    'Describe the product the query looks for: its category, brand, attributes (colour, material, size, style) and the ' +
    'constraints the query adds, so that the right listing can be recognised.',
  audio: 'Describe what the audio contains: the sound sources or speech, the content, the setting and the events in order.',
  target: 'Describe this candidate in detail, as it would need to be described to match a query about it.',
};

/** A task as far as its prompt family depends on it. */
export type FamilyTask = Pick<TaskSpec, 'name' | 'meta'> & { v3?: Pick<NonNullable<TaskSpec['v3']>, 'key'> };

/**
 * MMEB-V3's text collections (the second segment of the YAML key text/<collection>/<name>, VLM2Vec
 * experiments/public/eval/text.yaml at 44f991d) by what a query of theirs needs.
 */
const TEXT_COLLECTIONS: Record<string, PromptFamily> = {
  BRIGHT: 'reasoning-text',
  R2MED: 'reasoning-text',
  FollowIR: 'instruction-text',
  InfoSearch: 'instruction-text',
  MultiConIR: 'instruction-text',
  LongEmbed: 'long-document',
  NanoBEIR: 'passage',
};

/**
 * A task's reasoning family: by meta-task, and for MMEB-V3 text retrieval (one meta-task, T-RET, over seven
 * collections of different kinds) by collection. Total: every meta-task is listed (the compiler checks it), and a
 * text task of an unknown collection is refused rather than given some other family's prompt.
 */
export function promptFamily(task: FamilyTask): PromptFamily {
  const meta: MetaTask = task.meta;
  switch (meta) {
    case 'I-CLS':
      return 'classification';
    case 'I-QA':
      return 'vqa';
    case 'I-RET':
      // MCMR is V3's one product-search task filed under image retrieval
      return task.v3?.key === 'MCMR' || task.name === 'MCMR' ? 'product' : 'retrieval';
    case 'I-VG':
      return 'grounding';
    case 'V-CLS':
    case 'V-QA':
    case 'V-RET':
    case 'V-MRET':
      return 'video';
    case 'VD-V1':
    case 'VD-V2':
    case 'VD-VR':
    case 'VD-OOD':
      return 'visdoc';
    case 'A-CLS':
    case 'A-RET':
    case 'A-GND':
      return 'audio';
    case 'T-RET':
      return textFamily(task);
    case 'TOOL':
      return 'tool';
    case 'GUI':
      return 'gui';
    case 'MEM':
      return 'memory';
    case 'OMNI':
      // OmniSET (unscored diagnostic): any-to-any retrieval of MSCOCO scenes, which the general retrieval prompt describes
      return 'retrieval';
    default: {
      const unknown: never = meta;
      throw new ConfigError(`task ${task.name}: no reasoning prompt family for meta-task ${String(unknown)}`);
    }
  }
}

function textFamily(task: FamilyTask): PromptFamily {
  const collection = task.v3?.key.split('/')[1];
  const family = collection ? TEXT_COLLECTIONS[collection] : undefined;
  if (!family)
    throw new ConfigError(
      `task ${task.name}: text collection ${JSON.stringify(collection ?? null)} (key ${JSON.stringify(task.v3?.key ?? null)}) has no reasoning prompt family`,
    );
  return family;
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
