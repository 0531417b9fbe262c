/**
 * Qwen3-VL-Embedding as its own evaluation feeds it (QwenLM/Qwen3-VL-Embedding, src/models/
 * qwen3_vl_embedding.py, `format_model_input` and `_preprocess_inputs`):
 *  - system message: the instruction, stripped, with "." added when it does not end in punctuation
 *    (Unicode category P*); "Represent the user's input." when the item has none;
 *  - user message: videos, then images, then the text; an item with nothing becomes the text "NULL";
 *  - `apply_chat_template(add_generation_prompt=True)`: the prompt ends "<|im_start|>assistant\n";
 *  - a frame list longer than MAX_FRAMES (64) is sampled with np.linspace(0, n-1, 64, dtype=int);
 *  - pixels: image factor 32, min_pixels 4·32·32, max_pixels 1800·32·32; a video's frames as qwen-vl-utils'
 *    fetch_video bounds them for a frame list given only total_pixels (`qwen3VideoFramePixels`).
 * Where instructions and frame counts differ from VLM2Vec's (per-task instructions, 64 frames for video
 * classification) is the eval profile's business, not the protocol's.
 */
import { linspaceIndices } from '../../items/frames.js';
import { RAW_IMAGE_TOKEN } from '../../items/tokens.js';
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

const VIDEO_FRAME_MIN_PIXELS = 128 * FACTOR * FACTOR;
const VIDEO_FRAME_MAX_PIXELS = 768 * FACTOR * FACTOR;
/** qwen3_vl_embedding.py MAX_TOTAL_PIXELS, the only video bound the embedder passes (format_model_input). */
const VIDEO_TOTAL_PIXELS = 10 * VIDEO_FRAME_MAX_PIXELS;

/**
 * The per-frame pixel limits qwen-vl-utils' fetch_video (QwenLM/Qwen3-VL vision_process.py) gives a frame list
 * of `frames` frames when only total_pixels is set: the list is padded to an even count n with its last frame,
 * then each frame resized to at least VIDEO_MIN_TOKEN_NUM·32² and at most
 * max(min(VIDEO_MAX_TOKEN_NUM·32², total_pixels / n · 2), int(min · 1.05)) — 245,760 at 64 frames, not the
 * 768·32² cap, which only binds up to 20 frames. The processor then runs with do_resize=False. Sent as an
 * integer: for the n where the bound is fractional (22, 26, 28, ... frames) the size a resize picks can then
 * differ by one 32-px step when a side's scaled length lies within ~1e-5 of a multiple of 32. Sent twice: as
 * per-frame min_pixels/max_pixels (processors that take them per frame, as qwen-vl-utils does), and as the
 * `size` budget transformers' Qwen3-VL video processor reads instead (read in its source and vLLM's; not yet
 * checked against a live server: a 64-frame request's usage.prompt_tokens shows it).
 */
export function qwen3VideoFramePixels(frames: number): {
  min_pixels: number;
  max_pixels: number;
  size: { shortest_edge: number; longest_edge: number };
} {
  const n = frames + (frames % 2);
  // the per-frame bound times `scale` frames, from its own terms (so that 2·total·frames / n stays exact)
  const bound = (scale: number) =>
    Math.floor(
      Math.max(
        Math.min(VIDEO_FRAME_MAX_PIXELS * scale, (2 * VIDEO_TOTAL_PIXELS * scale) / n),
        Math.floor(VIDEO_FRAME_MIN_PIXELS * 1.05) * scale,
      ),
    );
  return {
    min_pixels: VIDEO_FRAME_MIN_PIXELS,
    max_pixels: bound(1),
    // transformers' Qwen3-VL video processor (the one vLLM's Qwen3-VL processor calls, one video at a time)
    // takes no min_pixels/max_pixels: its smart_resize bounds frames × height × width by `size`, so the same
    // bounds go out as a budget for the frames sent. Its resize factor is then the reference's per frame
    // (sqrt(h·w / max)); for an even count the test for resizing at all is the same too.
    size: { shortest_edge: VIDEO_FRAME_MIN_PIXELS * frames, longest_edge: bound(frames) },
  };
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
  revision: 2,
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
      else {
        const all = Array.from({ length: m.count }, (_, f) => f);
        videos.push({ type: 'video', media: i, frames: m.count > QWEN3_MAX_FRAMES ? linspaceIndices(m.count, QWEN3_MAX_FRAMES) : all });
      }
    });
    const media = [...videos, ...images];
    const content: PlanPart[] = [...media];
    if (text) content.push({ type: 'text', text });
    if (!content.length) content.push({ type: 'text', text: 'NULL' });
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
      mmProcessorKwargs: videos.length
        ? qwen3VideoFramePixels(videos[0].frames.length)
        : images.length
          ? { min_pixels: 4 * FACTOR * FACTOR, max_pixels: 1800 * FACTOR * FACTOR }
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
