/**
 * What VLM2Vec's omni process functions feed a Qwen2.5-Omni-based embedder (src/model/processor.py,
 * NVOmni_process_fn, Stars1233/VLM2Vec 44f991d), shared by the omni protocols (Omni-Embed-Nemotron, E5-Omni,
 * LCO-Omni, WAVE):
 *  - the item's string is the parser's, rendered with the backbone's `process_input_text` (src/items/vlm2vec.ts);
 *  - every image/video placeholder of every backbone (VLM_IMAGE_TOKENS ∪ VLM_VIDEO_TOKENS: <|image_1|>, <image>,
 *    <|image_pad|>, <|IMAGE|>, <|video_pad|>, <|VIDEO|>) is replaced by a space and the whitespace collapsed
 *    (`" ".join(s.split())`, so newlines become spaces too); an empty result is " " (`_strip_special_tokens`);
 *    <|audio_pad|> is not in those tables and stays;
 *  - one user message whose content is the images, then the video (its frames), then the audio, then the text;
 *  - the processor's chat template (Qwen2.5-Omni's: default system "You are a helpful assistant.", vision and
 *    audio placeholders <|vision_bos|><|IMAGE|><|vision_eos|>, <|vision_bos|><|VIDEO|><|vision_eos|>,
 *    <|audio_bos|><|AUDIO|><|audio_eos|>), with or without the generation prompt, and for E5-Omni an appended
 *    <|endoftext|> (E5Omni_process_fn);
 *  - pixels: videos_kwargs / images_kwargs min_pixels 28·28·4, max_pixels 28·28·1280 (the data arguments'
 *    defaults); audio at the collator's 16 kHz (the media loader prepares it).
 * Not reproduced: `_pad_to_min_image_size` (an image under the processor's minimum side is padded; MMEB-V3's
 * images are far larger) and the per-group batching (a batching detail with no effect on one item's tokens).
 */
import { renderVlm2vec, type Vlm2vecBackbone } from '../../items/vlm2vec.js';
import type { MediaRef } from '../../items/types.js';
import { PY_SPLIT_WHITESPACE } from '../../util/pytext.js';
import { VLM2VEC_MAX_PIXELS, VLM2VEC_MIN_PIXELS } from './vlm2vec-qwen2vl.js';
import { appendTrace, NO_FLAGS, type OmniItem, type OmniShape, partsOf, type Plan, type SentMedia, videoIo } from './types.js';

/** VLM_IMAGE_TOKENS ∪ VLM_VIDEO_TOKENS (processor.py:447-488), the non-empty values. */
export const OMNI_STRIPPED_TOKENS = ['<|image_1|>', '<image>', '<|image_pad|>', '<|IMAGE|>', '<|video_pad|>', '<|VIDEO|>'];

export const OMNI_SYSTEM = 'You are a helpful assistant.';

/** `_strip_special_tokens`: placeholders → " ", then Python's `" ".join(s.split())`; empty → " ". */
export function stripOmniText(text: string): string {
  let s = text;
  for (const t of OMNI_STRIPPED_TOKENS) s = s.split(t).join(' ');
  const words = s.split(PY_SPLIT_WHITESPACE).filter((w) => w !== '');
  return words.length ? words.join(' ') : ' ';
}

const PLACEHOLDER = {
  image: '<|vision_bos|><|IMAGE|><|vision_eos|>',
  video: '<|vision_bos|><|VIDEO|><|vision_eos|>',
  audio: '<|audio_bos|><|AUDIO|><|audio_eos|>',
} as const;

export interface OmniOptions {
  backbone: Vlm2vecBackbone;
  addGenerationPrompt: boolean;
  /** appended after the template's output (E5-Omni's <|endoftext|> anchor) */
  suffix: string;
  template: string;
}

/** The shapes as MediaRefs, for the parsers' string rules (which only ask image / video / audio). */
function toRefs(media: OmniShape[]): MediaRef[] {
  return media.map((m, i) =>
    m.kind === 'image'
      ? { kind: 'image', path: `#${i}` }
      : m.kind === 'audio'
        ? { kind: 'audio', path: `#${i}`, start: null, end: null }
        : { kind: 'frames', paths: Array.from({ length: m.count }, (_, f) => `#${i}/${f}`) },
  );
}

/** The plan of one item for an omni model (see the header). */
export function omniPlan(item: OmniItem, o: OmniOptions): Plan {
  const raw = item.parts
    ? appendTrace(renderVlm2vec(item.parts, toRefs(item.media), o.backbone), item.trace)
    : partsOf({ ...item, media: [] }).text;
  const text = stripOmniText(raw);
  const images: SentMedia[] = [];
  const videos: SentMedia[] = [];
  const audios: SentMedia[] = [];
  item.media.forEach((m, i) => {
    if (m.kind === 'image') images.push({ type: 'image', media: i });
    else if (m.kind === 'audio') audios.push({ type: 'audio', media: i });
    else videos.push({ type: 'video', media: i, frames: Array.from({ length: m.count }, (_, f) => f) });
  });
  const media = [...images, ...videos, ...audios];
  const placeholders = media.map((m) => PLACEHOLDER[m.type]).join('');
  const prompt =
    `<|im_start|>system\n${OMNI_SYSTEM}<|im_end|>\n<|im_start|>user\n${placeholders}${text}<|im_end|>\n` +
    (o.addGenerationPrompt ? '<|im_start|>assistant\n' : '') +
    o.suffix;
  const visual = images.length + videos.length > 0;
  return {
    prompt,
    media,
    messages: [{ role: 'user', content: [...media, { type: 'text', text }] }],
    template: o.template,
    flags: { ...NO_FLAGS, add_generation_prompt: o.addGenerationPrompt },
    mmProcessorKwargs: visual ? { min_pixels: VLM2VEC_MIN_PIXELS, max_pixels: VLM2VEC_MAX_PIXELS } : null,
    mediaIoKwargs: videoIo(media),
    clientResize: null,
    resizeSmall: null,
    // the Qwen2-VL image processor's convert_to_rgb (PIL convert("RGB")) drops alpha, colours kept
    dropAlpha: true,
    squareAboveRatio: null,
    textOnlyAsInput: true,
    exactPrompt: true,
  };
}
