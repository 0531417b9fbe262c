/**
 * The `plain` rendering: an item's Qwen2-VL string without its visual placeholders, for backbones that take
 * none (GME / CLIP style). The placeholders are the tokens of tokens.ts.
 */
import type { TextFormat } from './types.js';

/** Drop the visual placeholders (and the one space that follows each) for backbones that take none. */
export function applyFormat(text: string, format: TextFormat): string {
  if (format === 'qwen2-vl') return text;
  return text.replace(/<\|(?:image|video)_pad\|> ?/g, '');
}
