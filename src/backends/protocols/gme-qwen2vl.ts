/**
 * GME-Qwen2-VL as VLM2Vec's evaluator feeds it (backbone `gme`):
 *  - text: process_input_text's gme branch, instruction + " " + text (or instruction + " "), no placeholders;
 *    the parser's own rules still apply; src/model/model.py drops a leftover "<|image_pad|>\n";
 *  - a video is its middle frame only, as an image (model.py: imgs[len(imgs) // 2]);
 *  - wrapping (src/model/baseline_backbone/gme/gme_inference.py, `embed`, lines 115-131):
 *    "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n" + ("<|vision_start|><|image_pad|>
 *    <|vision_end|>" when there is an image) + text + "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>",
 *    with the default instruction "You are a helpful assistant." on the evaluator's path;
 *  - pixels: the processor GME gets is VLM2Vec's (src/model/processor.py lines 121-133, the `gme` backbone
 *    shares the Qwen2-VL branch): min_pixels 3136, max_pixels 1,003,520. (gme_inference.py computes
 *    min_pixels/max_pixels from min_image_tokens/max_image_tokens in __init__, lines 49-50, but never uses
 *    them; its fetch_image first resizes with qwen-vl-utils' own bounds, which the server does not repeat.)
 *  - fetch_image's `convert("RGB")` drops an image's alpha channel (line 298): done before sending.
 */
import { renderVlm2vec } from '../../items/vlm2vec.js';
import { toRef, VLM2VEC_MAX_PIXELS, VLM2VEC_MIN_PIXELS } from './vlm2vec-qwen2vl.js';
import { appendTrace, NO_FLAGS, partsOf, type Plan, type Protocol, type ProtocolItem, type SentMedia } from './types.js';

export const GME_SYSTEM = 'You are a helpful assistant.';
const VISION = '<|vision_start|><|image_pad|><|vision_end|>';

export function gmePrompt(text: string, hasImage: boolean, system = GME_SYSTEM): string {
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${hasImage ? VISION : ''}${text}<|im_end|>\n<|im_start|>assistant\n<|endoftext|>`;
}

export const gmeQwen2vl: Protocol = {
  name: 'gme-qwen2vl',
  // 2: an image's alpha channel is dropped before sending
  revision: 2,
  description: "GME-Qwen2-VL through VLM2Vec's evaluator: chat-wrapped, one image (a video's middle frame)",
  plan(item: ProtocolItem): Plan {
    const text = item.parts
      ? appendTrace(renderVlm2vec(item.parts, item.media.map(toRef), 'gme'), item.trace)
      : partsOf(item).text.replace(/<\|(?:image|video)_pad\|> ?/g, '');
    // GME's evaluator takes one image per item: the item's first image, or a video's middle frame.
    const first = item.media[0];
    const media: SentMedia[] = !first
      ? []
      : first.kind === 'image'
        ? [{ type: 'image', media: 0 }]
        : [{ type: 'image', media: 0, frame: Math.floor(first.count / 2) }];
    return {
      prompt: gmePrompt(text, media.length > 0),
      media,
      messages: [
        { role: 'system', content: [{ type: 'text', text: GME_SYSTEM }] },
        { role: 'user', content: [...media, { type: 'text', text }] },
      ],
      template: 'gme-qwen2vl.jinja',
      flags: NO_FLAGS,
      mmProcessorKwargs: media.length ? { min_pixels: VLM2VEC_MIN_PIXELS, max_pixels: VLM2VEC_MAX_PIXELS } : null,
      mediaIoKwargs: null,
      clientResize: null,
      resizeSmall: null,
      dropAlpha: true,
      squareAboveRatio: null,
      textOnlyAsInput: true,
      exactPrompt: true,
    };
  },
};
