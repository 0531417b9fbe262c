/**
 * The Qwen3-VL-Reranker protocol: each (query, document) pair exactly as Qwen's MMEB-V2 reranker evaluation
 * builds and scores it (QwenLM/Qwen3-VL-Embedding @8ce3aab, src/evaluation/mmeb_v2/eval_reranker.py and
 * src/models/qwen3_vl_reranker.py; qwen-vl-utils 0.0.14 = QwenLM/Qwen3-VL @0dcc180,
 * qwen-vl-utils/src/qwen_vl_utils/vision_process.py):
 *  - instruction: the query's own task instruction (eval_reranker.py:98 pops `instruction` from the query
 *    input; the dataset modules set it per task), the reranker's default instruction when it has none
 *    (qwen3_vl_reranker.py:339 `instruct or self.default_instruction`; default from arguments.py:50-53);
 *  - messages (format_mm_instruction, :316-364): a fixed system prompt, then one user turn
 *    "<Instruct>: " + instruction, "<Query>:", query videos, images, text, "\n<Document>:", document videos,
 *    images, text; a side with none of them is the text "NULL" (format_mm_content, :222-312). The query and
 *    document contents are the dataset modules' raw fields (query text, caption, label, page): no VLM2Vec
 *    instruction, no embedding instruction;
 *  - a video is ONE video part: its frame list cut to MAX_FRAMES=64 by np.linspace(dtype=int) (sample_frames,
 *    :56-67), given `total_pixels` only (:265); qwen-vl-utils' fetch_video pads the list to an even count with
 *    its last frame, resizes every frame with fetch_image at image_patch_size=32 (factor 64, Pillow bicubic),
 *    then the whole stack with torchvision's resize (torch's float32 antialiased bicubic) to its smart_resize under the per-frame bound
 *    max(min(768·32², total_pixels / n · 2), int(128·32² · 1.05)) (vision_process.py:403-478);
 *  - an image: fetch_image at image_patch_size=16 (factor 32) with min_pixels 4·32², max_pixels 1800·32²
 *    (:285-291; vision_process.py:93-141): RGBA composited onto white (to_rgb, :84-90), Pillow bicubic;
 *  - the processor runs with do_resize=False (:178-187), so those resized pixels are what the model sees. The
 *    client resizes media the same way (src/media: Pillow- and torch-exact resamplers) and sends the results
 *    losslessly, sized so that a server's processor keeps them;
 *  - max_length 10240 (:18): a pair longer than 10240 + 5 tokens would be cut by truncate_tokens_optimized
 *    (:133-156), which keeps every special token and the first non-special ones — a cut no server reproduces,
 *    so such a pair is an error, not a silently different score;
 *  - the score is sigmoid(h · (W[yes] − W[no])) on the last position (:114-131) with yes/no the vocabulary ids
 *    of the bare tokens "yes" and "no" (`get_vocab()["yes"]`, :112-113): 9693 and 2152 in the Qwen vocabulary.
 *    Over chat completions that is sigmoid(logprob(9693) − logprob(2152)) of the first generated token.
 */
import { BackendError } from '../errors.js';
import { decodeRgb } from '../media/decode.js';
import { resizePillowBicubic, resizeTorchvisionBicubicFloat } from '../media/resize.js';
import { QWEN_VL_UTILS_0_0_14_FRAME_LIST, qwenSmartResize } from '../media/qwen-vl-utils.js';
import { RAW_IMAGE_TOKEN } from '../items/tokens.js';
import type { ItemParts } from '../items/types.js';
import type { LoadedMedia } from '../backends/types.js';
import { imageHeader } from '../util/image-header.js';
import { pyStrip } from '../util/pytext.js';
import { loadSharp } from '../util/sharp.js';
import type { RerankItem } from './types.js';

export const QWEN3_VL_RERANKER_SYSTEM =
  'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".';
export const QWEN3_VL_RERANKER_INSTRUCTION = 'Given a search query, retrieve relevant candidates that answer the query.';
/**
 * Part of every cached score's key. 2: the instruction is each query's task instruction, the sides carry the
 * raw query/document fields (no VLM2Vec text), a video is one video_url of 64 frames at most, padded to an
 * even count, media are resized client-side as qwen-vl-utils does, and yes/no are read by token id — scores
 * of revision 1 were computed from other inputs.
 */
// 3: video frames' second step is torchvision's float32 resize (what qwen-vl-utils runs), no longer torch's uint8 kernel
export const QWEN3_VL_RERANKER_VERSION = 'qwen3-vl-reranker@3';

export const QWEN3_VL_MAX_FRAMES = 64;
export const QWEN3_VL_RERANKER_MAX_LENGTH = 10240;
/** The tokens after the truncated part: "<|im_end|>", "\n", "<|im_start|>", "assistant", "\n" (`[:-5]`). */
export const QWEN3_VL_RERANKER_TAIL_TOKENS = 5;
export const QWEN3_YES_TOKEN_ID = 9693;
export const QWEN3_NO_TOKEN_ID = 2152;
export const QWEN3_IMAGE_PAD_ID = 151655;
export const QWEN3_VIDEO_PAD_ID = 151656;

const FACTOR = 32;
export const RERANK_IMAGE_MIN_PIXELS = 4 * FACTOR * FACTOR;
export const RERANK_IMAGE_MAX_PIXELS = 1800 * FACTOR * FACTOR;
const VIDEO_FRAME_MIN_PIXELS = 128 * FACTOR * FACTOR;
const VIDEO_FRAME_MAX_PIXELS = 768 * FACTOR * FACTOR;
const VIDEO_TOTAL_PIXELS = 10 * VIDEO_FRAME_MAX_PIXELS;
/** fetch_video's frame-list branch: frames go through fetch_image with image_patch_size = 32 (factor 64). */
const FRAME_PRE_FACTOR = 64;
/** qwen-vl-utils' nominal rate of a frame list (`sample_fps`, default 2.0): the server is told the same. */
export const QWEN3_FRAME_LIST_FPS = 2;

export type RerankSide = 'query' | 'document';

/** One content part of the user turn: text, an image of a side, or a video of a side (frame indices sent). */
export type RerankPart =
  | { type: 'text'; text: string }
  | { type: 'image'; side: RerankSide; media: number }
  | { type: 'video'; side: RerankSide; media: number; frames: number[] };

export interface Qwen3RerankerPlan {
  system: string;
  instruction: string;
  user: RerankPart[];
  /** The exact text after the chat template (add_generation_prompt=True), before vision tokens are expanded. */
  prompt: string;
}

/** numpy's linspace(0, n − 1, k, dtype=int): truncated toward zero, the last index exact. */
export function linspaceInt(n: number, k: number): number[] {
  const step = (n - 1) / (k - 1);
  return Array.from({ length: k }, (_, i) => (i === k - 1 ? n - 1 : Math.trunc(i * step)));
}

/** sample_frames (qwen3_vl_reranker.py:56-67): every frame up to `max`, else linspace-picked. */
export function sampleFrames<T>(frames: T[], max = QWEN3_VL_MAX_FRAMES): T[] {
  return frames.length <= max ? frames : linspaceInt(frames.length, max).map((i) => frames[i]);
}

/**
 * The instruction the evaluation hands the reranker for a query. Image dataset modules give the row's qry_inst
 * with "<|image_1|>" removed and whitespace stripped (image_cls_dataset.py:21, image_t2i_eval.py:21); video and
 * visdoc modules give their constant as it is (video_classification_datasets.py:24-26 keeps Breakfast's final
 * space). The reranker itself adds nothing (no final '.', unlike the embedder).
 */
export function rerankerInstruction(parts: ItemParts | undefined, fallback: string): string {
  if (!parts) return fallback;
  const image = parts.rule.kind === 'image-query' || parts.rule.kind === 't2i-query' || parts.rule.kind === 'image-target';
  const inst = image ? pyStrip(parts.instruction.split(RAW_IMAGE_TOKEN).join('')) : parts.instruction;
  return inst || fallback;
}

/**
 * A side's own text: the dataset module's raw field (the item's text without placeholders when it has no parts).
 * A t2i candidate's caption is stripped and left out when empty (image_t2i_eval.py:38-39); an empty text adds
 * nothing to the prompt (the reference's empty text part renders as nothing).
 */
function sideText(item: RerankItem): string {
  if (!item.parts) return item.text;
  return item.parts.rule.kind === 'image-target' ? pyStrip(item.parts.text) : item.parts.text;
}

function sideParts(item: RerankItem, side: RerankSide, prefix: string): RerankPart[] {
  const parts: RerankPart[] = [{ type: 'text', text: prefix }];
  const videos: RerankPart[] = [];
  const images: RerankPart[] = [];
  item.media.forEach((m, i) => {
    if (m.kind === 'image') images.push({ type: 'image', side, media: i });
    else {
      const picked = m.paths.length > QWEN3_VL_MAX_FRAMES ? linspaceInt(m.paths.length, QWEN3_VL_MAX_FRAMES) : m.paths.map((_, f) => f);
      // fetch_video pads a frame list to an even length with its last frame
      if (picked.length % 2) picked.push(picked[picked.length - 1]);
      videos.push({ type: 'video', side, media: i, frames: picked });
    }
  });
  const text = sideText(item);
  if (!text && !videos.length && !images.length) return [...parts, { type: 'text', text: 'NULL' }];
  parts.push(...videos, ...images);
  if (text) parts.push({ type: 'text', text });
  return parts;
}

export function renderQwen3RerankerPrompt(system: string, user: RerankPart[]): string {
  const body = user
    .map((p) =>
      p.type === 'text'
        ? p.text
        : p.type === 'image'
          ? '<|vision_start|><|image_pad|><|vision_end|>'
          : '<|vision_start|><|video_pad|><|vision_end|>',
    )
    .join('');
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${body}<|im_end|>\n<|im_start|>assistant\n`;
}

/** The pair as the evaluation formats it; `defaultInstruction` is the reranker's (config `instruction`). */
export function qwen3RerankerPlan(query: RerankItem, doc: RerankItem, defaultInstruction?: string): Qwen3RerankerPlan {
  const instruction = rerankerInstruction(query.parts, defaultInstruction || QWEN3_VL_RERANKER_INSTRUCTION);
  const user: RerankPart[] = [
    { type: 'text', text: `<Instruct>: ${instruction}` },
    ...sideParts(query, 'query', '<Query>:'),
    ...sideParts(doc, 'document', '\n<Document>:'),
  ];
  return { system: QWEN3_VL_RERANKER_SYSTEM, instruction, user, prompt: renderQwen3RerankerPrompt(QWEN3_VL_RERANKER_SYSTEM, user) };
}

// ---- pixels: qwen-vl-utils' smart_resize and the two resize paths ----

/** Python's round(): halves to the even neighbour. */
/** smart_resize (vision_process.py:56-81): [height, width]; the one implementation in src/media, raising a BackendError. */
export function smartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  try {
    return qwenSmartResize(height, width, factor, minPixels, maxPixels);
  } catch (err) {
    throw new BackendError((err as Error).message);
  }
}

/** The size [w, h] an image of w × h pixels reaches the model at. */
export function rerankImageSize(w: number, h: number): [number, number] {
  const [rh, rw] = smartResize(h, w, FACTOR, RERANK_IMAGE_MIN_PIXELS, RERANK_IMAGE_MAX_PIXELS);
  return [rw, rh];
}

/** fetch_video's per-frame pixel bound for a list of `frames` frames (already even). */
export function rerankVideoMaxPixels(frames: number): number {
  return Math.max(Math.min(VIDEO_FRAME_MAX_PIXELS, (VIDEO_TOTAL_PIXELS / frames) * 2), Math.trunc(VIDEO_FRAME_MIN_PIXELS * 1.05));
}

/** A video's two sizes [w, h]: after fetch_image (factor 64), and as the model sees every frame. */
export function rerankVideoSizes(w: number, h: number, frames: number): { pre: [number, number]; final: [number, number] } {
  const [ph, pw] = smartResize(h, w, FRAME_PRE_FACTOR, 4 * FRAME_PRE_FACTOR ** 2, 16384 * FRAME_PRE_FACTOR ** 2);
  const [fh, fw] = smartResize(ph, pw, FACTOR, VIDEO_FRAME_MIN_PIXELS, rerankVideoMaxPixels(frames));
  return { pre: [pw, ph], final: [fw, fh] };
}

/** Vision tokens a w × h image (already at its final size) or a video of `frames` such frames expands to. */
export function visionTokens(w: number, h: number, frames = 1): number {
  // patch 16, 2×2 merge, temporal patch 2 for videos
  return ((w / 16) * (h / 16) * (frames === 1 ? 1 : frames / 2)) / 4;
}

function isPngRgba(b: Uint8Array): boolean {
  return b.length > 25 && b[0] === 0x89 && b[1] === 0x50 && b[12] === 0x49 && b[13] === 0x48 && b[25] === 6;
}

/**
 * to_rgb (vision_process.py:84-90): an RGBA image is pasted onto white through its alpha (Pillow's paste with a
 * mask: DIV255(in·a + 255·(255 − a))); every other mode is convert("RGB"). RGBA is taken as a PNG of colour
 * type 6 (what Pillow opens as RGBA among the formats MMEB ships).
 */
async function qwenRgb(data: Uint8Array, path: string): Promise<{ data: Uint8Array; width: number; height: number; composited: boolean }> {
  if (!isPngRgba(data)) return { ...(await decodeRgb(data, path)), composited: false };
  const sharp = await loadSharp();
  const { data: raw, info } = await sharp(data, { ignoreIcc: true, autoOrient: false, limitInputPixels: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) return { ...(await decodeRgb(data, path)), composited: false };
  const out = new Uint8Array(info.width * info.height * 3);
  for (let p = 0, q = 0; p < raw.length; p += 4, q += 3) {
    const a = raw[p + 3];
    for (let c = 0; c < 3; c++) {
      const t = raw[p + c] * a + 255 * (255 - a) + 128;
      out[q + c] = ((t >> 8) + t) >> 8;
    }
  }
  return { data: out, width: info.width, height: info.height, composited: true };
}

async function png(pixels: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  return new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

export interface PreparedImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const preparedImages = new WeakMap<Uint8Array, Promise<PreparedImage>>();
const preparedVideos = new WeakMap<Uint8Array, Map<string, Promise<PreparedImage[]>>>();

/** An image as the model sees it: the bytes as read when nothing changes them, else a PNG of the exact pixels. */
export function prepareRerankImage(data: Uint8Array, path: string): Promise<PreparedImage> {
  let p = preparedImages.get(data);
  if (!p) {
    p = (async () => {
      const head = imageHeader(data);
      if (head && !head.hasAlpha) {
        const [w, h] = rerankImageSize(head.width, head.height);
        if (w === head.width && h === head.height) return { data, width: w, height: h };
      }
      const rgb = await qwenRgb(data, path);
      const [w, h] = rerankImageSize(rgb.width, rgb.height);
      if (w === rgb.width && h === rgb.height && !rgb.composited && head && !head.hasAlpha) return { data, width: w, height: h };
      return { data: await png(resizePillowBicubic(rgb.data, rgb.width, rgb.height, w, h), w, h), width: w, height: h };
    })();
    preparedImages.set(data, p);
  }
  return p;
}

/**
 * A video's frames (indices into `frames`, padded already) as the model sees them: each decoded, Pillow-resized
 * to multiples of 64, then resized together with torchvision's float32 antialiased bicubic; sent as PNG.
 */
export function prepareRerankVideo(frames: Uint8Array[], paths: string[], picked: number[]): Promise<PreparedImage[]> {
  const key = picked.join(',');
  let byKey = preparedVideos.get(frames[0]);
  if (!byKey) preparedVideos.set(frames[0], (byKey = new Map()));
  let p = byKey.get(key);
  if (!p) {
    p = (async () => {
      const decoded = await Promise.all([...new Set(picked)].map(async (i) => [i, await qwenRgb(frames[i], paths[i])] as const));
      const byIndex = new Map(decoded);
      const first = byIndex.get(picked[0]) as Awaited<ReturnType<typeof qwenRgb>>;
      const { pre, final } = rerankVideoSizes(first.width, first.height, picked.length);
      const out = new Map<number, Promise<PreparedImage>>();
      for (const [i, rgb] of byIndex) {
        out.set(
          i,
          (async () => {
            const step1 = resizePillowBicubic(rgb.data, rgb.width, rgb.height, pre[0], pre[1]);
            // frames of another size than the first cannot be stacked (torch.stack in fetch_video)
            if (rgb.width !== first.width || rgb.height !== first.height)
              throw new BackendError(
                `video frame ${paths[i]} is ${rgb.width}×${rgb.height}, the video's first frame ${first.width}×${first.height}`,
              );
            const step2 = resizeTorchvisionBicubicFloat(step1, pre[0], pre[1], final[0], final[1], 3, {
              cubic: QWEN_VL_UTILS_0_0_14_FRAME_LIST.torchvisionCubic,
            });
            return { data: await png(step2, final[0], final[1]), width: final[0], height: final[1] };
          })(),
        );
      }
      return Promise.all(picked.map((i) => out.get(i) as Promise<PreparedImage>));
    })();
    byKey.set(key, p);
  }
  return p;
}

/** Media sizes without decoding pixels (render): from the image headers. */
export function plannedSize(m: LoadedMedia, part: RerankPart): [number, number] | null {
  if (part.type === 'image' && m.kind === 'image') {
    const head = imageHeader(m.data);
    return head ? rerankImageSize(head.width, head.height) : null;
  }
  if (part.type === 'video' && m.kind === 'frames') {
    const head = imageHeader(m.data[part.frames[0]]);
    return head ? rerankVideoSizes(head.width, head.height, part.frames.length).final : null;
  }
  return null;
}

// ---- requests ----

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'video_url'; video_url: { url: string } };

/** How prepared media become URLs: data URLs on the wire, a description in `render`. */
export interface RerankUrls {
  image(img: PreparedImage): string;
  video(frames: PreparedImage[]): string;
}

const b64 = (d: Uint8Array) => Buffer.from(d).toString('base64');
const mime = (d: Uint8Array) =>
  d[0] === 0xff && d[1] === 0xd8 ? 'image/jpeg' : d[0] === 0x89 && d[1] === 0x50 ? 'image/png' : 'image/webp';

export const RERANK_DATA_URLS: RerankUrls = {
  image: (img) => `data:${mime(img.data)};base64,${b64(img.data)}`,
  // vLLM's VideoMediaIO splits a "video/jpeg" payload on commas and opens every piece as an image (any format)
  video: (frames) => `data:video/jpeg;base64,${frames.map((f) => b64(f.data)).join(',')}`,
};

/** What a server is sent beside the messages so that its processor keeps the client's sizes. */
export interface RerankMediaKwargs {
  mm_processor_kwargs?: Record<string, unknown>;
  media_io_kwargs?: { video: { num_frames: number; fps: number } };
}

export interface BuiltContent {
  /** Per side, its content parts (prefix text dropped: a /score template writes it) and the whole user turn. */
  user: ChatContentPart[];
  query: ChatContentPart[];
  document: ChatContentPart[];
  kwargs: RerankMediaKwargs;
}

/**
 * The plan's user turn as OpenAI content parts, media prepared, and the processor kwargs: images bounded by
 * the reference's own min/max pixels (already met, so kept); a video given its exact frames × height × width as
 * the Qwen3-VL video processor's `size` budget (kept as sent) — omitted when the pair also has an image, since
 * `size` would reach the image processor too, and the video processor's default budget already keeps
 * anything under 64 × 768·32² pixels.
 */
export async function buildContent(
  plan: Qwen3RerankerPlan,
  query: RerankItem,
  doc: RerankItem,
  urls: RerankUrls = RERANK_DATA_URLS,
  /** Instead of preparing media, the size each part is sent at (render: nothing decoded). */
  sizeOnly?: (p: RerankPart) => PreparedImage,
): Promise<BuiltContent> {
  const sides = { query, document: doc };
  let images = 0;
  const videos: { frames: number; pixels: number; w: number; h: number }[] = [];
  const bySide: Record<RerankSide, ChatContentPart[]> = { query: [], document: [] };
  let current: RerankSide = 'query';
  const user: ChatContentPart[] = [];
  for (const p of plan.user) {
    let part: ChatContentPart;
    if (p.type === 'text') {
      if (p.text === '<Query>:') current = 'query';
      else if (p.text === '\n<Document>:') current = 'document';
      part = p;
      user.push(part);
      if (p.text !== '<Query>:' && p.text !== '\n<Document>:' && !p.text.startsWith('<Instruct>: ')) bySide[current].push(part);
      continue;
    }
    const m = sides[p.side].media[p.media];
    if (p.type === 'image') {
      if (m.kind !== 'image') throw new BackendError('an image part names a video');
      const img = sizeOnly ? sizeOnly(p) : await prepareRerankImage(m.data, m.path);
      images++;
      part = { type: 'image_url', image_url: { url: urls.image(img) } };
    } else {
      if (m.kind !== 'frames') throw new BackendError('a video part names an image');
      const frames = sizeOnly ? p.frames.map(() => sizeOnly(p)) : await prepareRerankVideo(m.data, m.paths, p.frames);
      videos.push({
        frames: frames.length,
        pixels: frames.length * frames[0].width * frames[0].height,
        w: frames[0].width,
        h: frames[0].height,
      });
      part = { type: 'video_url', video_url: { url: urls.video(frames) } };
    }
    user.push(part);
    bySide[p.side].push(part);
  }
  const kwargs: RerankMediaKwargs = {};
  if (images) kwargs.mm_processor_kwargs = { min_pixels: RERANK_IMAGE_MIN_PIXELS, max_pixels: RERANK_IMAGE_MAX_PIXELS };
  else if (videos.length) {
    const totals = videos.map((v) => v.pixels);
    kwargs.mm_processor_kwargs = { size: { shortest_edge: Math.min(...totals), longest_edge: Math.max(...totals) } };
  }
  if (videos.length)
    kwargs.media_io_kwargs = { video: { num_frames: Math.max(...videos.map((v) => v.frames)), fps: QWEN3_FRAME_LIST_FPS } };
  return { user, query: bySide.query, document: bySide.document, kwargs };
}

/** The /chat/completions body: one generated token with the log-probabilities of the top 20, tokens as ids. */
export function chatBody(model: string, plan: Qwen3RerankerPlan, built: BuiltContent): Record<string, unknown> {
  return {
    model,
    messages: [
      { role: 'system', content: [{ type: 'text', text: plan.system }] },
      { role: 'user', content: built.user },
    ],
    max_tokens: 1,
    temperature: 0,
    logprobs: true,
    top_logprobs: 20,
    // vLLM: tokens come back as "token_id:<id>", so yes/no are told apart by id, not by decoded text
    return_tokens_as_token_ids: true,
    ...built.kwargs,
  };
}

/** A content list as a /score side: a plain string when it is one text. */
export function scoreSide(parts: ChatContentPart[]): string | { content: ChatContentPart[] } {
  if (!parts.length) return '';
  return parts.length === 1 && parts[0].type === 'text' ? parts[0].text : { content: parts };
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

/** The token id a top-logprob entry names: "token_id:<id>" (vLLM return_tokens_as_token_ids), else its exact text. */
function idOf(t: TopLogprob): number | null {
  const m = /^token_id:(\d+)$/.exec(t.token);
  if (m) return Number(m[1]);
  // a server that ignores return_tokens_as_token_ids: ids 9693 and 2152 decode to exactly "yes" and "no"
  if (t.token === 'yes') return QWEN3_YES_TOKEN_ID;
  if (t.token === 'no') return QWEN3_NO_TOKEN_ID;
  return null;
}

/**
 * sigmoid(logprob(yes) − logprob(no)) — the log-softmax shift cancels, so this is the reference's
 * sigmoid(logit_yes − logit_no). When one of the two is not among the top log-probabilities its log-probability
 * is at most the smallest listed one, which is used (a bound; `exact: false`). Null when neither is listed.
 */
export function yesNoScore(top: TopLogprob[]): { score: number; exact: boolean } | null {
  let yes: number | null = null;
  let no: number | null = null;
  for (const t of top) {
    const id = idOf(t);
    if (id === QWEN3_YES_TOKEN_ID) yes = Math.max(yes ?? -Infinity, t.logprob);
    if (id === QWEN3_NO_TOKEN_ID) no = Math.max(no ?? -Infinity, t.logprob);
  }
  if (yes === null && no === null) return null;
  const floor = Math.min(...top.map((t) => t.logprob));
  const y = yes ?? floor;
  const n = no ?? floor;
  return { score: 1 / (1 + Math.exp(n - y)), exact: yes !== null && no !== null };
}
