/**
 * VLM2Vec's text construction (src/model/processor.py `process_input_text`) for the Qwen2-VL backbone:
 * the instruction, then " " + text when text is non-empty; "<|video_pad|> " is prepended for video,
 * then "<|image_pad|> " for images. Adapters always build the Qwen2-VL strings; the `plain` format
 * (GME / CLIP style, no visual tokens) is derived from them by `applyFormat`.
 */
import type { TextFormat } from './types.js';

export const IMAGE_TOKEN = '<|image_pad|>';
export const VIDEO_TOKEN = '<|video_pad|>';
/** The raw image placeholder inside MMEB_Test_Instruct instructions. */
export const RAW_IMAGE_TOKEN = '<|image_1|>';

export function processInputText(
  instruction: string,
  text = '',
  { image = false, video = false }: { image?: boolean; video?: boolean } = {},
): string {
  let s = instruction;
  if (text) s = `${s} ${text}`;
  if (video) s = `${VIDEO_TOKEN} ${s}`;
  if (image) s = `${IMAGE_TOKEN} ${s}`;
  return s;
}

/** Python's `str.replace(" \n", "\n")` (all occurrences, left to right, non-overlapping). */
export function collapseSpaceNewline(s: string): string {
  return s.split(' \n').join('\n');
}

/** Drop the visual placeholders (and the one space that follows each) for backbones that take none. */
export function applyFormat(text: string, format: TextFormat): string {
  if (format === 'qwen2-vl') return text;
  return text.replace(/<\|(?:image|video)_pad\|> ?/g, '');
}
