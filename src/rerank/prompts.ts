/**
 * Prompts of the reasoning reranker (TTE-v2-style: reason about the query–candidate pair first, then
 * judge), written for this project — one per task family, because what makes a candidate right differs:
 * a class label must name what the input shows, an answer must answer the question, a page must contain
 * the information, a caption must describe the same scene or moment. @2 adds MMEB-V3's families (the V2 texts are
 * unchanged): a document must rest on the principle a query needs, meet its instruction's conditions, be the tool
 * whose capability the request needs, the screen or action, the remembered episode, the product sought.
 */
import type { PromptFamily } from '../tte/prompts.js';

export const RERANK_PROMPT_VERSION = 'rerank-prompts@2';

export type RerankAnswer = 'yes-no' | 'score';

const FOCUS: Record<PromptFamily, string> = {
  classification:
    'The query is an input to classify; the candidate is a category label. Decide whether the label names what the input shows.',
  vqa: 'The query asks a question about its input; the candidate is an answer. Work out the answer from the input, then decide whether the candidate states it.',
  retrieval:
    'Decide whether the candidate is the item the query describes or asks for: compare subjects, attributes, relations and setting.',
  grounding:
    'The query refers to one object in an image; the candidate shows an object. Identify the referred object, then decide whether the candidate is that object.',
  video:
    'Compare what happens over time — actors, actions in order, objects, setting — and, for a question, work out its answer; decide whether the candidate matches.',
  visdoc:
    'The query is a question or topic; the candidate is a document page. Decide whether the page contains the information the query needs (entities, numbers, terms, charts or tables).',
  'reasoning-text':
    'The query needs reasoning; the candidate is a document. Work out the principle, theorem, algorithm or mechanism the query rests on, then decide whether the document explains or applies it (surface word overlap is not enough).',
  'instruction-text':
    'The query carries an instruction with conditions (what to include or exclude, audience, format, language, source). Decide whether the document is relevant to the question AND meets every condition.',
  'long-document': 'The candidate is a long document. Decide whether it contains the specific fact, passage or event the query asks for.',
  passage: 'Decide whether the passage answers or matches the query: same topic, entities and claims.',
  tool: "The query is a user request; the candidate is a tool's documentation. Work out which capability the request needs, then decide whether this tool provides it (its action, inputs and outputs).",
  gui: 'The query and candidate are GUI tasks, instructions or screens. Decide whether the candidate is the screen or action the query leads to: same app and page, the right element and operation.',
  memory:
    'The query asks about something said or done before; the candidate is a past turn, note or episode. Decide whether it holds the fact or episode the query needs recalled.',
  product:
    'The query looks for a product; the candidate is a product listing. Decide whether it is the product sought: category, brand, attributes and every constraint of the query.',
  audio: 'Compare the sounds or speech, their content and setting; decide whether the candidate matches the query.',
  target: 'Decide whether the candidate matches the query.',
};

const ANSWER: Record<RerankAnswer, string> = {
  'yes-no':
    'Reason briefly inside <think> and </think>. Then, on the last line, write exactly "Answer: yes" if the candidate matches the query, or "Answer: no" if it does not.',
  score:
    'Reason briefly inside <think> and </think>. Then, on the last line, write exactly "Score: N", where N is an integer from 0 (unrelated) to 10 (certainly the right candidate).',
};

export function rerankPrompt(family: PromptFamily, answer: RerankAnswer, query: string, candidate: string): string {
  return `${FOCUS[family]} ${ANSWER[answer]}\n\nQuery:\n${query || '(see the query images)'}\n\nCandidate:\n${candidate || '(see the candidate images)'}`;
}

/** The judgement at the end of a reasoning reranker's reply: yes → 1, no → 0, "Score: N" → N / 10; null when absent. */
export function parseJudgement(reply: string, answer: RerankAnswer): number | null {
  const tail = reply.includes('</think>') ? reply.slice(reply.lastIndexOf('</think>')) : reply;
  if (answer === 'yes-no') {
    const m = [...tail.matchAll(/answer\s*[:：]\s*\**\s*(yes|no)\b/gi)].pop();
    return m ? (m[1].toLowerCase() === 'yes' ? 1 : 0) : null;
  }
  const m = [...tail.matchAll(/score\s*[:：]\s*\**\s*(\d+(?:\.\d+)?)/gi)].pop();
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n / 10 : null;
}
