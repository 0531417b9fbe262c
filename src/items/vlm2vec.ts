/**
 * VLM2Vec's strings, rendered from an item's parts in one place. The parser families' own string rules
 * (collapsing " \n", the appended "\n", the QA-style instruction, VisDial's extra newline) are the same for
 * every backbone; what differs is `process_input_text` (src/model/processor.py): Qwen2-VL prepends
 * "<|video_pad|> " / "<|image_pad|> ", GME returns instruction + " " + text (or instruction + " ") with no
 * placeholders, and src/model/model.py then drops any "<|image_pad|>\n" from GME's text.
 */
import { pyStrip } from '../util/pytext.js';
import { AUDIO_TOKEN, collapseSpaceNewline, IMAGE_TOKEN, RAW_IMAGE_TOKEN, VIDEO_TOKEN } from './tokens.js';
import type { ItemParts, MediaRef } from './types.js';

/**
 * Backbones whose `process_input_text` differs: qwen2_vl (also Qwen2.5-Omni, Omni-Embed-Nemotron and WAVE, whose
 * placeholders the omni process function strips again), gme, e5_omni (also Jina-Omni) and lco_omni.
 */
export type Vlm2vecBackbone = 'qwen2_vl' | 'gme' | 'e5_omni' | 'lco_omni';

/** `process_input_text(instruction, backbone, text, add_video_token, add_image_token)`. */
export function processInputTextFor(
  backbone: Vlm2vecBackbone,
  instruction: string,
  text = '',
  { image = false, video = false }: { image?: boolean; video?: boolean } = {},
): string {
  if (backbone === 'gme') return text ? `${instruction} ${text}` : `${instruction} `;
  // E5_OMNI / JINA_OMNI: instruction + text, no space, no placeholders (src/model/processor.py:2081-2085)
  if (backbone === 'e5_omni') return instruction + text;
  if (backbone === 'lco_omni') {
    // LCO_OMNI (processor.py:2086-2097): a one-word summary instruction replaces the task instruction, and the
    // text is dropped when a visual token is asked for
    const what = image ? 'image' : video ? 'video' : instruction.toLowerCase().includes('audio') ? 'audio' : 'text';
    const suffix = `\nSummarize the above ${what} in one word:`;
    return text && !image && !video ? text + suffix : suffix;
  }
  let s = instruction;
  if (text) s = `${s} ${text}`;
  if (video) s = `${VIDEO_TOKEN} ${s}`;
  if (image) s = `${IMAGE_TOKEN} ${s}`;
  return s;
}

/** The string VLM2Vec's evaluator feeds the given backbone for an item (before any chat wrapping). */
export function renderVlm2vec(parts: ItemParts, media: MediaRef[], backbone: Vlm2vecBackbone = 'qwen2_vl'): string {
  const { instruction, text, rule } = parts;
  const pit = (inst: string, t: string, flags: { image?: boolean; video?: boolean }) => processInputTextFor(backbone, inst, t, flags);
  const noRawToken = () => instruction.split(RAW_IMAGE_TOKEN).join('');
  let s: string;
  switch (rule.kind) {
    case 'raw':
      s = text;
      break;
    case 'process':
      s = pit(instruction, text, { image: media.some((m) => m.kind === 'image'), video: media.some((m) => m.kind === 'frames') });
      if (rule.strip) s = pyStrip(s);
      break;
    case 'image-query': {
      // the raw token is dropped, the string built, every " \n" collapsed, and only then "\n" appended
      let inst = noRawToken();
      if (rule.qaStyle) inst = '\n' + pyStrip(inst);
      s = collapseSpaceNewline(pit(inst, text, { image: true })) + '\n';
      break;
    }
    case 'image-target':
      s = rule.caption
        ? collapseSpaceNewline(pit(`${noRawToken()} ${text}`, '', { image: true })) + '\n'
        : collapseSpaceNewline(pit(noRawToken(), '', { image: true })) + (rule.newline ? '\n' : '');
      break;
    case 't2i-query':
      s = `${instruction.split(RAW_IMAGE_TOKEN).join(IMAGE_TOKEN)} ${text}\n${rule.extraNewline ? '\n' : ''}`;
      break;
    case 'video-qa':
      // process_query: f'{video_token} {prompt} {query}' (GME's video token is <|video_pad|> as well)
      s = `${VIDEO_TOKEN} ${instruction} ${text}`;
      break;
    case 'join-strip':
      // toolde_dataset.py:187-190 / data_prepare_query :69-70; gui_dataset.py:42-44, :86-87 (every backbone named
      // here writes <|image_pad|> for the image token)
      s = instruction ? pyStrip(`${instruction} ${text}`) : text;
      if (rule.imageToken) s = s.split(RAW_IMAGE_TOKEN).join(IMAGE_TOKEN);
      break;
    case 'audio-query':
      // build_query_text (audio_instruction_utils.py:27-46): no process_input_text, so no backbone tokens
      s = pyStrip(text) === '' ? instruction : `${instruction}\nQuery: ${pyStrip(text)}`;
      break;
    case 'concat':
      s = instruction + text;
      break;
    case 'audio-target':
      s = `${AUDIO_TOKEN} ${instruction} ${text}`;
      break;
  }
  return backbone === 'gme' ? s.split(`${IMAGE_TOKEN}\n`).join('') : s;
}
