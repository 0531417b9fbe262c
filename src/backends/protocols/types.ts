/**
 * A model protocol: how one published model family was fed in its reference evaluation — the exact prompt
 * (chat wrapping included), where media go and in which order, whether a video is sent as frames or as one
 * frame, pixel limits, request flags, and where a reasoning trace goes. Protocols are pure functions of an
 * item; the HTTP client (openai.ts), local embedders (registry.ts) and `render` all use the same plan.
 */
import type { ItemParts } from '../../items/types.js';
import type { FrameListChain } from '../../media/qwen-vl-utils.js';

/** The shape of an item's media, in item order (an image, or a video's frames). */
export type MediaShape = { kind: 'image' } | { kind: 'frames'; count: number };

export interface ProtocolItem {
  role: 'query' | 'target';
  /** The EvalSet's string (VLM2Vec's Qwen2-VL rendering, trace included when there is one and no parts). */
  text: string;
  /** Structured parts; when absent, `text` is taken as the item's whole text. */
  parts?: ItemParts;
  media: MediaShape[];
  /** A reasoning trace (think pipelines): the protocol decides where it goes. Only read with `parts`. */
  trace?: string | null;
}

/** One piece of media as sent: an image (a whole image item, or one frame of a video) or a video's frames. */
export type SentMedia = { type: 'image'; media: number; frame?: number } | { type: 'video'; media: number; frames: number[] };

export type PlanPart = { type: 'text'; text: string } | SentMedia;

/**
 * A request's `mm_processor_kwargs`: the pixel limits the server's processor resizes to, or (where the client
 * resized the media as the reference did) `do_resize: false`, plus whatever else the processor reads.
 */
export interface ProcessorKwargs {
  min_pixels?: number;
  max_pixels?: number;
  do_resize?: boolean;
  [key: string]: unknown;
}

/**
 * Media the client resizes itself, as the reference's preprocessing did before a processor that ran with
 * `do_resize=False`: a video's frames through a frame-list chain (src/media/qwen-vl-utils.ts), and the
 * item's images to `images`' bounds (qwen-vl-utils fetch_image: Pillow bicubic to smart_resize's size).
 */
export interface ClientResize {
  frames: FrameListChain;
  images: { factor: number; minPixels: number; maxPixels: number };
}

export interface PlanMessage {
  role: 'system' | 'user' | 'assistant';
  content: PlanPart[];
}

export interface Plan {
  /** The exact text the model tokenizes: after the chat template, before vision tokens are expanded. */
  prompt: string;
  /** Media in the order they are sent (and appear in the prompt). */
  media: SentMedia[];
  /** The chat messages for a `messages` request (rendered by the protocol's template into `prompt`). */
  messages: PlanMessage[];
  /** Template file under templates/ that renders `messages` into `prompt`; null: no chat template. */
  template: string | null;
  /** Chat options the server must use (vLLM pooling/chat request fields). */
  flags: { add_generation_prompt: boolean; continue_final_message: boolean; add_special_tokens: boolean };
  /** Processor limits sent as `mm_processor_kwargs` (null: none). */
  mmProcessorKwargs: ProcessorKwargs | null;
  /**
   * Media loader settings sent as `media_io_kwargs` (null: none): for a video, how many of the sent frames the
   * server keeps (newer vLLM keeps only the first `num_frames`, default 32) and the frame rate it assumes.
   */
  mediaIoKwargs: { video: Record<string, number> } | null;
  /**
   * The client resizes media as the reference's preprocessing did and the request says `do_resize: false`
   * (null: the server's processor resizes to `mmProcessorKwargs`' limits).
   */
  clientResize: ClientResize | null;
  /** Images with a side under `minSide` px are resized to `to` before sending (VLM2Vec's rare-case rule). */
  resizeSmall: { minSide: number; to: [number, number] } | null;
  /**
   * Drop an image's alpha channel before sending, as the reference's PIL `convert("RGB")` does (it keeps the
   * colours stored under transparent pixels); newer vLLM composites RGBA onto white instead. False: the
   * server's conversion stands.
   */
  dropAlpha: boolean;
  /**
   * An image whose aspect ratio is above `ratio` is resized before sending to the size a square of its longer
   * side gets under `mmProcessorKwargs`' pixel limits (multiples of `factor`): VLM2Vec's vendored Qwen2-VL
   * processor does so, where a server's processor refuses such an image. Null: sent as it is.
   */
  squareAboveRatio: { ratio: number; factor: number } | null;
  /**
   * Text-only items may go out as a plain `input` string (the whole prompt, no chat template on the server)
   * when that is exactly what the reference tokenizes.
   */
  textOnlyAsInput: boolean;
  /**
   * The prompt is the whole token text: the server must add no special tokens of its own (an `input`
   * request then carries `add_special_tokens: false`). False for models whose tokenizer adds the tokens the
   * model pools from (CLIP's <|endoftext|>).
   */
  exactPrompt: boolean;
}

export interface Protocol {
  readonly name: string;
  /**
   * Bumped whenever what the protocol sends for an item changes (prompt, media handling, processor kwargs): it
   * is part of the embedder's id (`protocolId`), so cached vectors of an earlier rendering are not reused.
   */
  readonly revision: number;
  /** What the model was published with (shown in docs and errors). */
  readonly description: string;
  plan(item: ProtocolItem): Plan;
}

/**
 * A protocol as it enters an embedder's id, and so every cache key: its name, then `@revision` from revision
 * 2 on (revision 1 keeps the plain name, so the caches of protocols that never changed stay valid).
 */
export function protocolId(protocol: Protocol): string {
  return protocol.revision > 1 ? `${protocol.name}@${protocol.revision}` : protocol.name;
}

/** The item's parts, or a stand-in that takes its whole text as the text (items built by hand, `embed`). */
export function partsOf(item: ProtocolItem): ItemParts {
  return item.parts ?? { instruction: '', text: item.text, rule: { kind: 'raw' } };
}

/** TTE's convention: the trace follows the input text on a new line. */
export function appendTrace(text: string, trace: string | null | undefined): string {
  return trace ? `${text}\n${trace}` : text;
}

/** Every image as itself, every video as all its frames: the media as the item has them. */
export function allMedia(media: MediaShape[]): SentMedia[] {
  return media.map((m, i) =>
    m.kind === 'image' ? { type: 'image', media: i } : { type: 'video', media: i, frames: Array.from({ length: m.count }, (_, f) => f) },
  );
}

/** Keep every frame sent (and, when given, assume this frame rate): the video's `media_io_kwargs`. */
export function videoIo(media: SentMedia[], fps?: number): Plan['mediaIoKwargs'] {
  const v = media.find((m): m is Extract<SentMedia, { type: 'video' }> => m.type === 'video');
  return v ? { video: { num_frames: v.frames.length, ...(fps ? { fps } : {}) } } : null;
}

export const NO_FLAGS = { add_generation_prompt: false, continue_final_message: false, add_special_tokens: false };
