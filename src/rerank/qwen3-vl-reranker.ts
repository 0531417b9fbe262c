/**
 * The Qwen3-VL-Reranker protocol: the model's input exactly as its own MMEB-V2 evaluation builds it
 * (`Qwen3VLReranker.format_mm_instruction` / `format_mm_content` in QwenLM/Qwen3-VL-Embedding): a fixed
 * system prompt asking for "yes" or "no", then one user turn of
 *   "<Instruct>: " + instruction, "<Query>:", query video(s), image(s), text, "\n<Document>:", document video(s), image(s), text
 * (a side with nothing at all becomes the text "NULL"). The score is P(yes) against P(no) at the next
 * token: sigmoid(logit_yes − logit_no), which is what the evaluation's yes−no linear head computes.
 */
import { imageDataUrl } from '../backends/http.js';
import type { LoadedMedia } from '../backends/types.js';
import type { RerankItem } from './types.js';

export const QWEN3_VL_RERANKER_SYSTEM =
  'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".';
export const QWEN3_VL_RERANKER_INSTRUCTION = 'Given a search query, retrieve relevant candidates that answer the query.';
export const QWEN3_VL_RERANKER_VERSION = 'qwen3-vl-reranker@1';

/** One content part of a chat message: what the evaluation's processor sees, media as data URLs. */
export type RerankPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'video'; frames: string[] };

/** The evaluation's `sample_frames`: at most `max` frames, at np.linspace(0, n−1, max) truncated to integers. */
export function sampleFrames<T>(frames: T[], max = QWEN3_VL_MAX_FRAMES): T[] {
  if (frames.length <= max) return frames;
  // numpy: step = (stop − start) / (num − 1); y = arange(num) × step; y[−1] = stop; astype(int) truncates
  const step = (frames.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => frames[i === max - 1 ? frames.length - 1 : Math.trunc(i * step)]);
}

export const QWEN3_VL_MAX_FRAMES = 64;

/** The parts of one side: prefix, videos (frame lists), images, then text — the evaluation's order. */
export function qwen3VlContent(item: RerankItem, prefix: string): RerankPart[] {
  const parts: RerankPart[] = [{ type: 'text', text: prefix }];
  const videos = item.media.filter((m): m is Extract<LoadedMedia, { kind: 'frames' }> => m.kind === 'frames');
  const images = item.media.filter((m): m is Extract<LoadedMedia, { kind: 'image' }> => m.kind === 'image');
  if (!item.text && !videos.length && !images.length) return [...parts, { type: 'text', text: 'NULL' }];
  for (const v of videos) parts.push({ type: 'video', frames: sampleFrames(v.data).map((d) => imageDataUrl(d)) });
  for (const i of images) parts.push({ type: 'image_url', image_url: { url: imageDataUrl(i.data) } });
  if (item.text) parts.push({ type: 'text', text: item.text });
  return parts;
}

export interface Qwen3VlMessages {
  system: string;
  user: RerankPart[];
}

export function qwen3VlRerankerMessages(query: RerankItem, doc: RerankItem, instruction?: string): Qwen3VlMessages {
  return {
    system: QWEN3_VL_RERANKER_SYSTEM,
    user: [
      { type: 'text', text: `<Instruct>: ${instruction || QWEN3_VL_RERANKER_INSTRUCTION}` },
      ...qwen3VlContent(query, '<Query>:'),
      ...qwen3VlContent(doc, '\n<Document>:'),
    ],
  };
}

/**
 * The prompt text the Qwen3-VL chat template renders from those messages (add_generation_prompt=True),
 * with one vision placeholder per image or video — for inspection, dumps and tests.
 */
export function renderQwen3VlRerankerPrompt(m: Qwen3VlMessages): string {
  const body = m.user
    .map((p) =>
      p.type === 'text'
        ? p.text
        : p.type === 'image_url'
          ? '<|vision_start|><|image_pad|><|vision_end|>'
          : '<|vision_start|><|video_pad|><|vision_end|>',
    )
    .join('');
  return `<|im_start|>system\n${m.system}<|im_end|>\n<|im_start|>user\n${body}<|im_end|>\n<|im_start|>assistant\n`;
}

/** OpenAI chat content: a video's frames become consecutive images (chat servers take no frame lists). */
export function toChatContent(parts: RerankPart[]): ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[] {
  return parts.flatMap((p) => (p.type === 'video' ? p.frames.map((url) => ({ type: 'image_url' as const, image_url: { url } })) : [p]));
}

/** P(yes) / (P(yes) + P(no)) from the top log-probabilities of the first generated token. */
export function yesNoProbability(top: { token: string; logprob: number }[]): number | null {
  const lp = (word: string) => {
    const hits = top.filter((t) => t.token.trim().toLowerCase() === word).map((t) => t.logprob);
    return hits.length ? Math.max(...hits) : null;
  };
  const yes = lp('yes');
  const no = lp('no');
  if (yes === null && no === null) return null;
  if (yes === null) return 0;
  if (no === null) return 1;
  return 1 / (1 + Math.exp(no - yes));
}
