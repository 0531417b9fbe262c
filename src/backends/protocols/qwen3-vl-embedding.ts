/**
 * Qwen3-VL-Embedding as its own evaluation feeds it (QwenLM/Qwen3-VL-Embedding, src/models/
 * qwen3_vl_embedding.py, `format_model_input` and `_preprocess_inputs`):
 *  - system message: the instruction, stripped, with "." added when it does not end in punctuation
 *    (Unicode category P*); "Represent the user's input." when the item has none;
 *  - user message: videos, then images, then the text (an empty text is an empty part: the reference's
 *    "NULL" is for a text of None, which no MMEB-V2 dataset module passes for an item without media);
 *  - `apply_chat_template(add_generation_prompt=True)`: the prompt ends "<|im_start|>assistant\n";
 *  - a frame list longer than MAX_FRAMES (64) is sampled with np.linspace(0, n-1, 64, dtype=int);
 *  - pixels: image factor 32, min_pixels 4·32·32, max_pixels 1800·32·32 (the server resizes images to these);
 *  - a video (a frame list) goes through qwen-vl-utils 0.0.14's frame-list chain on the client — each frame
 *    resized as an image (Pillow, snapped to 64), an odd count padded with its last frame, all frames resized
 *    under the video bounds (torch antialiased bicubic) — and the request says `do_resize: false`, as the
 *    reference's processor call does (src/media/qwen-vl-utils.ts has the source lines). The padded count is
 *    the count sent, at the nominal 2 fps qwen-vl-utils gives a frame list, so the server's frame timestamps
 *    are the reference's.
 * Where instructions and frame counts differ from VLM2Vec's (per-task instructions, 64 frames for video
 * classification) is the eval profile's business, not the protocol's.
 */
import { linspaceIndices } from '../../items/frames.js';
import { RAW_IMAGE_TOKEN } from '../../items/tokens.js';
import { QWEN_VL_UTILS_0_0_14_FRAME_LIST } from '../../media/qwen-vl-utils.js';
import { pyStrip } from '../../util/pytext.js';
import { appendTrace, partsOf, videoIo, type Plan, type PlanPart, type Protocol, type ProtocolItem, type SentMedia } from './types.js';

export const QWEN3_DEFAULT_INSTRUCTION = "Represent the user's input.";
export const QWEN3_MAX_FRAMES = 64;
const FACTOR = 32;
/**
 * qwen-vl-utils gives a video passed as a frame list a nominal 2 fps (`sample_fps`), from which Qwen3-VL's
 * processor writes frame timestamps into the prompt; sent as the video's fps so the server does the same.
 */
export const QWEN3_FRAME_LIST_FPS = 2;

/** qwen3_vl_embedding.py:27-28, MIN_PIXELS / MAX_PIXELS, set on every image (:316-319). */
export const QWEN3_IMAGE_MIN_PIXELS = 4 * FACTOR * FACTOR;
export const QWEN3_IMAGE_MAX_PIXELS = 1800 * FACTOR * FACTOR;

/**
 * The frames a video of `count` frames sends: at most 64, picked by sample_frames' linspace (:119-127, 281-282),
 * then an odd count padded with its last frame (qwen-vl-utils 0.0.14 vision_process.py:430-432).
 */
export function qwen3VideoFrames(count: number): number[] {
  const picked = count > QWEN3_MAX_FRAMES ? linspaceIndices(count, QWEN3_MAX_FRAMES) : Array.from({ length: count }, (_, f) => f);
  if (picked.length % 2) picked.push(picked[picked.length - 1]);
  return picked;
}

/** format_model_input's instruction rule (after the dataset module's own cleaning of the raw token). */
export function qwen3Instruction(raw: string): string {
  let inst = pyStrip(raw.split(RAW_IMAGE_TOKEN).join(''));
  if (inst && !/^\p{P}$/u.test([...inst].pop() as string)) inst += '.';
  return inst || QWEN3_DEFAULT_INSTRUCTION;
}

export const qwen3VlEmbedding: Protocol = {
  name: 'qwen3-vl-embedding',
  // 2: a video's per-frame pixel bounds follow its frame count, also sent as the video processor's size budget
  // 3: videos are resized on the client as qwen-vl-utils 0.0.14 does (Pillow then torch, PNG frames), an odd
  //    count padded with its last frame (so the frames, their count and the 2 fps timestamps change), and the
  //    request carries `do_resize: false` instead of pixel bounds
  // 4: a video's second resize is torchvision's float32 path (cast, interpolate, round half to even), not
  //    torch's uint8 kernel: frame pixels change by up to one level; an item with no media and an empty text
  //    is an empty user message, not "NULL" (the reference passes "" as a text part)
  revision: 4,
  description: "Qwen3-VL-Embedding's own evaluation: system instruction, user video/image/text, generation prompt",
  plan(item: ProtocolItem): Plan {
    const parts = partsOf(item);
    const system = qwen3Instruction(item.parts ? parts.instruction : '');
    const rawText = item.parts ? parts.text : parts.text.replace(/<\|(?:image|video)_pad\|> ?/g, '');
    const text = item.parts ? appendTrace(rawText, item.trace) : rawText;
    const videos: Extract<SentMedia, { type: 'video' }>[] = [];
    const images: SentMedia[] = [];
    item.media.forEach((m, i) => {
      if (m.kind === 'image') images.push({ type: 'image', media: i });
      else videos.push({ type: 'video', media: i, frames: qwen3VideoFrames(m.count) });
    });
    const media = [...videos, ...images];
    const content: PlanPart[] = [...media];
    // format_model_input (qwen3_vl_embedding.py:243-271) writes "NULL" only when text is None and there are no
    // media. Every MMEB-V2 dataset module gives an item without media a "text" key (e.g. image_i2t_eval.py:29,
    // nextqa_dataset.py:76), so an empty string reaches it as an empty text part, rendered as nothing; with media
    // an empty text part renders nothing too. A tte-bench item always has its text, so NULL is never sent.
    if (text || !media.length) content.push({ type: 'text', text });
    const user = content
      .map((p) =>
        p.type === 'text'
          ? p.text
          : p.type === 'video'
            ? '<|vision_start|><|video_pad|><|vision_end|>'
            : '<|vision_start|><|image_pad|><|vision_end|>',
      )
      .join('');
    return {
      prompt: `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`,
      media,
      messages: [
        { role: 'system', content: [{ type: 'text', text: system }] },
        { role: 'user', content },
      ],
      template: 'qwen3-vl-embedding.jinja',
      flags: { add_generation_prompt: true, continue_final_message: false, add_special_tokens: false },
      // with a video the client resizes everything the item sends (the one processor call has do_resize=False,
      // qwen3_vl_embedding.py:356-359); image-only items leave the resize to the server, at the same bounds
      mmProcessorKwargs: videos.length
        ? { do_resize: false }
        : images.length
          ? { min_pixels: QWEN3_IMAGE_MIN_PIXELS, max_pixels: QWEN3_IMAGE_MAX_PIXELS }
          : null,
      clientResize: videos.length
        ? {
            frames: QWEN_VL_UTILS_0_0_14_FRAME_LIST,
            images: { factor: FACTOR, minPixels: QWEN3_IMAGE_MIN_PIXELS, maxPixels: QWEN3_IMAGE_MAX_PIXELS },
          }
        : null,
      mediaIoKwargs: videoIo(media, QWEN3_FRAME_LIST_FPS),
      resizeSmall: null,
      dropAlpha: false,
      squareAboveRatio: null,
      textOnlyAsInput: false,
      exactPrompt: true,
    };
  },
};
