/**
 * VLM2Vec-V2.0, VLM2Vec-V1-Qwen2VL and TTE's Qwen2-VL embedders, as VLM2Vec's evaluator feeds them
 * (src/model/processor.py): the bare `process_input_text` string with the parser's own rules — no chat
 * template, no system prompt, no <|vision_start|>/<|vision_end|>; each <|image_pad|> (<|video_pad|>) is
 * expanded by the Qwen2-VL processor into the image's (video's) tokens. A video is ONE video of its sampled
 * frames. Pixels: min_pixels 28·28·4 = 3136, max_pixels 28·28·1280 = 1,003,520 (src/arguments.py
 * resize_min_pixels / resize_max_pixels); an image with a side under 28 px is resized to 56×56 first
 * (Qwen2_VL_process_fn), and one whose aspect ratio is above 200 to the size the vendored processor's
 * smart_resize gives a square of its longer side. An image's alpha channel is dropped, as the processor's convert_to_rgb (PIL
 * convert("RGB")) does. Text-only items are tokenized as the bare string.
 */
import { renderVlm2vec } from '../../items/vlm2vec.js';
import { allMedia, appendTrace, NO_FLAGS, videoIo, type Plan, type Protocol, type ProtocolItem } from './types.js';

export const VLM2VEC_MIN_PIXELS = 28 * 28 * 4;
export const VLM2VEC_MAX_PIXELS = 28 * 28 * 1280;

export const vlm2vecQwen2vl: Protocol = {
  name: 'vlm2vec-qwen2vl',
  // 2: alpha dropped before sending; images with an aspect ratio above 200 sent squared
  revision: 2,
  description: "VLM2Vec's evaluator, Qwen2-VL backbone: the bare VLM2Vec string, no chat template",
  plan(item: ProtocolItem): Plan {
    const prompt = item.parts ? appendTrace(renderVlm2vec(item.parts, item.media.map(toRef), 'qwen2_vl'), item.trace) : item.text;
    const media = allMedia(item.media);
    return {
      prompt,
      media,
      // The template only concatenates the text parts: the placeholders are already in the text, and a
      // template that walks message['content'] keeps vLLM from adding its own.
      messages: [{ role: 'user', content: [...media, { type: 'text', text: prompt }] }],
      template: 'vlm2vec-qwen2vl.jinja',
      flags: NO_FLAGS,
      mmProcessorKwargs: media.length ? { min_pixels: VLM2VEC_MIN_PIXELS, max_pixels: VLM2VEC_MAX_PIXELS } : null,
      mediaIoKwargs: videoIo(media),
      clientResize: null,
      resizeSmall: { minSide: 28, to: [56, 56] },
      dropAlpha: true,
      squareAboveRatio: { ratio: 200, factor: 28 },
      textOnlyAsInput: true,
      exactPrompt: true,
    };
  },
};

/** renderVlm2vec only looks at the media kinds. */
export function toRef(m: { kind: 'image' } | { kind: 'frames' }): import('../../items/types.js').MediaRef {
  return m.kind === 'image' ? { kind: 'image', path: '' } : { kind: 'frames', paths: [] };
}
