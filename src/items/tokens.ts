/**
 * VLM2Vec's placeholder tokens and the one string rule its parsers share. The strings themselves are rendered
 * from an item's parts in vlm2vec.ts (`process_input_text` and the parser families' rules); the `plain`
 * format (GME / CLIP style, no visual tokens) is derived from the Qwen2-VL strings in plain.ts.
 */

export const IMAGE_TOKEN = '<|image_pad|>';
export const VIDEO_TOKEN = '<|video_pad|>';
/** Written literally by OmniSET's audio candidates (mscoco_cmret.py:205), whatever the backbone. */
export const AUDIO_TOKEN = '<|audio_pad|>';
/** The raw image placeholder inside MMEB_Test_Instruct instructions. */
export const RAW_IMAGE_TOKEN = '<|image_1|>';

/** Python's `str.replace(" \n", "\n")` (all occurrences, left to right, non-overlapping). */
export function collapseSpaceNewline(s: string): string {
  return s.split(' \n').join('\n');
}
