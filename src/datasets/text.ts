/**
 * VLM2Vec's placeholder tokens and small string helpers. The strings themselves are rendered from an item's
 * parts in vlm2vec-text.ts (`process_input_text` and the parser families' rules); the `plain` format
 * (GME / CLIP style, no visual tokens) is derived from the Qwen2-VL strings by `applyFormat`.
 */
import type { TextFormat } from './types.js';

export const IMAGE_TOKEN = '<|image_pad|>';
export const VIDEO_TOKEN = '<|video_pad|>';
/** The raw image placeholder inside MMEB_Test_Instruct instructions. */
export const RAW_IMAGE_TOKEN = '<|image_1|>';

/** Python's `str.replace(" \n", "\n")` (all occurrences, left to right, non-overlapping). */
export function collapseSpaceNewline(s: string): string {
  return s.split(' \n').join('\n');
}

/** Drop the visual placeholders (and the one space that follows each) for backbones that take none. */
export function applyFormat(text: string, format: TextFormat): string {
  if (format === 'qwen2-vl') return text;
  return text.replace(/<\|(?:image|video)_pad\|> ?/g, '');
}
