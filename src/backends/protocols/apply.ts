/** Applying a protocol's plan to loaded media: which bytes go where, and local embedders behind a protocol. */
import { type ImageHeader, imageHeader } from '../../util/image-header.js';
import { loadSharp } from '../../util/sharp.js';
import { decodeRgb } from '../../media/decode.js';
import { resizePillowBicubic } from '../../media/resize.js';
import { prepareFrameList, prepareImageFetch } from '../../media/qwen-vl-utils.js';
import { BackendError } from '../../errors.js';
import type { MediaRef } from '../../items/types.js';
import type { EmbedContext, EmbedInput, Embedder, LoadedMedia } from '../types.js';
import { type MediaShape, type Plan, type ProcessorKwargs, type Protocol, protocolId, type SentMedia } from './types.js';

/** What a protocol plans from: images and frame counts. Audio is refused until a protocol sends it. */
export function shapeOf(media: (LoadedMedia | MediaRef)[]): MediaShape[] {
  return media.map((m) => {
    if (m.kind === 'audio') throw audioRefused(m.path);
    return m.kind === 'image' ? { kind: 'image' } : { kind: 'frames', count: m.paths.length };
  });
}

/** No model protocol sends audio yet (MMEB-V3's audio tasks): a clear refusal naming the clip. */
export function audioRefused(path: string): BackendError {
  return new BackendError(
    `audio input ${path}: no model protocol sends audio yet; MMEB-V3 audio tasks cannot be embedded with this version`,
  );
}

export function planFor(protocol: Protocol, it: EmbedInput): Plan {
  return protocol.plan({ role: it.role, text: it.text, parts: it.parts, media: shapeOf(it.media), trace: it.trace });
}

/** The media a plan sends, as paths (what `render` lists). */
export function sentPaths(sent: SentMedia, media: MediaRef[]): { type: 'image'; path: string } | { type: 'video'; frames: string[] } {
  const m = media[sent.media];
  if (sent.type === 'video') {
    if (m.kind !== 'frames') throw new BackendError('a video part names an image');
    return { type: 'video', frames: sent.frames.map((f) => m.paths[f]) };
  }
  if (m.kind === 'audio') throw audioRefused(m.path);
  return { type: 'image', path: m.kind === 'image' ? m.path : m.paths[sent.frame ?? 0] };
}

/** The bytes a plan sends: an image (or one frame of a video), or a video's chosen frames. */
export function sentLoaded(sent: SentMedia, media: LoadedMedia[]): LoadedMedia {
  const m = media[sent.media];
  if (sent.type === 'video') {
    if (m.kind !== 'frames') throw new BackendError('a video part names an image');
    return { kind: 'frames', paths: sent.frames.map((f) => m.paths[f]), data: sent.frames.map((f) => m.data[f]) };
  }
  if (m.kind === 'image') return m;
  const f = sent.frame ?? 0;
  return { kind: 'image', path: m.paths[f], data: m.data[f] };
}

import { pyRound } from '../../media/qwen-vl-utils.js';

/**
 * The side VLM2Vec's vendored Qwen2-VL smart_resize (src/model/vlm_backbone/qwen2_vl/image_processing_qwen2_vl.py
 * lines 78-90) gives an image it takes as a square of side `side`: rounded to a multiple of `factor`, within
 * the pixel limits.
 */
function squareSide(side: number, factor: number, limits: { min_pixels: number; max_pixels: number }): number {
  const bar = pyRound(side / factor) * factor;
  if (bar * bar > limits.max_pixels) return Math.floor(side / Math.sqrt((side * side) / limits.max_pixels) / factor) * factor;
  if (bar * bar < limits.min_pixels) return Math.ceil((side * Math.sqrt(limits.min_pixels / (side * side))) / factor) * factor;
  return bar;
}

/** The pixel limits of a plan's processor kwargs, when it has both. */
function pixelLimits(k: ProcessorKwargs | null): { min_pixels: number; max_pixels: number } | null {
  return k && typeof k.min_pixels === 'number' && typeof k.max_pixels === 'number'
    ? { min_pixels: k.min_pixels, max_pixels: k.max_pixels }
    : null;
}

/** What sharp reads of an image's header, for the formats (and the PNG cases) imageHeader leaves to it. */
async function sharpHeader(data: Uint8Array, path: string): Promise<ImageHeader> {
  try {
    const meta = await (await loadSharp())(data).metadata();
    return { width: meta.width ?? 0, height: meta.height ?? 0, hasAlpha: meta.hasAlpha };
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
}

/** The size the plan's resize rules give a w × h image, or null where it keeps its own. */
function resizedSize(w: number, h: number, plan: Plan): readonly [number, number] | null {
  const { resizeSmall: small, squareAboveRatio: square } = plan;
  const limits = pixelLimits(plan.mmProcessorKwargs);
  if (small && (w < small.minSide || h < small.minSide)) return small.to;
  if (square && limits && Math.max(w, h) / Math.min(w, h) > square.ratio) {
    const side = squareSide(Math.max(square.factor, w, h), square.factor, limits);
    return [side, side];
  }
  return null;
}

/**
 * An image as a plan sends it (one decode of its header; images no rule touches go out byte for byte):
 *  - `dropAlpha`: PIL's `convert("RGB")`, as the references run it before their processors (transformers'
 *    convert_to_rgb for VLM2Vec's Qwen2-VL, GME's fetch_image): the alpha channel is dropped and the colours
 *    stored under transparent pixels kept, where newer vLLM would composite RGBA onto white;
 *  - `resizeSmall`, VLM2Vec's rare-case rule (Qwen2_VL_process_fn, src/model/processor.py:331): an image with
 *    a side under `minSide` px is resized to `to` before processing with PIL's default, bicubic;
 *  - `squareAboveRatio`: VLM2Vec's vendored processor takes an image whose aspect ratio is above the ratio as
 *    a square of its longer side and stretches it to that square's size (PIL bicubic, transformers' resize),
 *    which transformers' own smart_resize refuses; the client sends it at that size (multiples of the factor
 *    within the limits: a server keeps it).
 * A resized image is decoded as Pillow decodes it and resized with Pillow's bicubic bit for bit
 * (src/media/resize.ts), alpha dropped first: Pillow would resize an RGBA source premultiplied and a palette
 * one with nearest-neighbour (docs/exactness-resize.md).
 */
export async function prepareImage(data: Uint8Array, path: string, plan: Plan): Promise<Uint8Array> {
  const { resizeSmall: small, squareAboveRatio: square } = plan;
  const limits = pixelLimits(plan.mmProcessorKwargs);
  if (!plan.dropAlpha && !small && !(square && limits)) return data;
  const header = imageHeader(data) ?? (await sharpHeader(data, path));
  const alpha = plan.dropAlpha && header.hasAlpha;
  const resizeTo = resizedSize(header.width, header.height, plan);
  // most images meet no rule: they go out as read, and sharp is not asked to decode them
  if (!alpha && !resizeTo) return data;
  const sharp = await loadSharp();
  if (!resizeTo) return new Uint8Array(await sharp(data).removeAlpha().png().toBuffer());
  // decoded as Pillow's convert("RGB") and resized as Pillow's bicubic, bit for bit; sent as PNG (lossless, so
  // the server's decoder sees these exact pixels)
  const rgb = await decodeRgb(data, path);
  const pixels = resizePillowBicubic(rgb.data, rgb.width, rgb.height, resizeTo[0], resizeTo[1]);
  const raw = { width: resizeTo[0], height: resizeTo[1], channels: 3 as const };
  return new Uint8Array(await sharp(pixels, { raw }).png().toBuffer());
}

/** What the client did to one sent piece of media, W×H (shown by `render`). */
export type SentResize =
  | { type: 'image'; from: string; to: string }
  | { type: 'video'; frames: number; from: string; frameSize: string; to: string; maxPixels: number };

const wxh = ([w, h]: readonly [number, number]) => `${w}×${h}`;

/**
 * One piece of media as a plan sends it: with `clientResize`, a video's frames through the frame-list chain and
 * an image through fetch_image's resize (src/media/qwen-vl-utils.ts); otherwise images by `prepareImage`'s
 * rules and frames byte for byte. `resize` says what was done (null: sent as read).
 */
export async function prepareSent(m: LoadedMedia, plan: Plan): Promise<{ media: LoadedMedia; resize: SentResize | null }> {
  const cr = plan.clientResize;
  if (m.kind === 'frames') {
    if (!cr) return { media: m, resize: null };
    const p = await prepareFrameList(m.data, m.paths, cr.frames);
    return {
      media: { kind: 'frames', paths: m.paths, data: p.data },
      resize: {
        type: 'video',
        frames: p.sizes.frames,
        from: wxh(p.sourceSize),
        frameSize: wxh(p.sizes.frameSize),
        to: wxh(p.sizes.videoSize),
        maxPixels: p.sizes.maxPixels,
      },
    };
  }
  if (cr) {
    const p = await prepareImageFetch(m.data, m.path, cr.images, cr.frames.pillowTallVerticalFirst);
    return { media: { ...m, data: p.data }, resize: { type: 'image', from: wxh(p.sourceSize), to: wxh(p.size) } };
  }
  return { media: { ...m, data: await prepareImage(m.data, m.path, plan) }, resize: null };
}

/**
 * A local embedder behind a protocol: each item is turned into the protocol's prompt and media before the
 * model sees it (e.g. a decoder embedder gets the chat-wrapped text, GME's video its middle frame).
 */
export class ProtocolEmbedder implements Embedder {
  readonly id: string;
  constructor(
    readonly inner: Embedder,
    readonly protocol: Protocol,
  ) {
    this.id = `${inner.id}+${protocolId(protocol)}`;
  }

  get dim(): number | undefined {
    return this.inner.dim;
  }

  async embed(items: EmbedInput[], ctx?: EmbedContext): Promise<Float32Array[]> {
    const mapped = await Promise.all(
      items.map(async (it) => {
        const plan = planFor(this.protocol, it);
        const media = await Promise.all(plan.media.map(async (s) => (await prepareSent(sentLoaded(s, it.media), plan)).media));
        return { text: plan.prompt, media, role: it.role };
      }),
    );
    return this.inner.embed(mapped, ctx);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
