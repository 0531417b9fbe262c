/** Applying a protocol's plan to loaded media: which bytes go where, and local embedders behind a protocol. */
import type sharp from 'sharp';
import { loadSharp } from '../../util/sharp.js';
import { BackendError } from '../../errors.js';
import type { MediaRef } from '../../datasets/types.js';
import type { EmbedContext, EmbedInput, Embedder, LoadedMedia } from '../types.js';
import type { MediaShape, Plan, Protocol, SentMedia } from './types.js';

export function shapeOf(media: (LoadedMedia | MediaRef)[]): MediaShape[] {
  return media.map((m) => (m.kind === 'image' ? { kind: 'image' } : { kind: 'frames', count: m.paths.length }));
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

/**
 * VLM2Vec's rare-case rule (Qwen2_VL_process_fn): an image with a side under `minSide` px is resized to
 * `to` before processing. PIL's default resampling there is bicubic; libvips' cubic kernel is the nearest
 * match (the pixels may differ slightly). Other images pass through untouched.
 */
export async function applyResize(data: Uint8Array, path: string, rule: Plan['resizeSmall']): Promise<Uint8Array> {
  if (!rule) return data;
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await (await loadSharp())(data).metadata();
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  if ((meta.width ?? 0) >= rule.minSide && (meta.height ?? 0) >= rule.minSide) return data;
  const out = await (await loadSharp())(data).resize(rule.to[0], rule.to[1], { fit: 'fill', kernel: 'cubic' }).png().toBuffer();
  return new Uint8Array(out);
}

/**
 * PIL's `convert("RGB")` on an image with an alpha channel, as the references run it before their processors
 * (transformers' convert_to_rgb for VLM2Vec's Qwen2-VL, GME's fetch_image): the alpha channel is dropped and
 * the colours stored under transparent pixels kept; newer vLLM would composite RGBA onto white instead.
 * Images without alpha pass through untouched (same bytes).
 */
export async function dropAlpha(data: Uint8Array, path: string): Promise<Uint8Array> {
  const load = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await load(data).metadata();
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  if (!meta.hasAlpha) return data;
  return new Uint8Array(await load(data).removeAlpha().png().toBuffer());
}

/** Python's round(): a half goes to the even neighbour. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * VLM2Vec's vendored Qwen2-VL smart_resize (src/model/vlm_backbone/qwen2_vl/image_processing_qwen2_vl.py lines
 * 78-90) for an image whose aspect ratio is above `rule.ratio`: the image is taken as a square of its longer
 * side, whose size is then rounded to multiples of `rule.factor` within the pixel limits, and the image is
 * stretched to that size. transformers' own smart_resize refuses such an image, so the client sends it at that
 * size (which a server keeps: multiples of the factor, within the limits). Other images pass through untouched.
 */
export async function squareExtreme(
  data: Uint8Array,
  path: string,
  rule: Plan['squareAboveRatio'],
  limits: Plan['mmProcessorKwargs'],
): Promise<Uint8Array> {
  if (!rule || !limits) return data;
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await (await loadSharp())(data).metadata();
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  const [w, h] = [meta.width ?? 0, meta.height ?? 0];
  if (!w || !h || Math.max(w, h) / Math.min(w, h) <= rule.ratio) return data;
  const side = Math.max(rule.factor, w, h);
  const f = rule.factor;
  let bar = pyRound(side / f) * f;
  if (bar * bar > limits.max_pixels) bar = Math.floor(side / Math.sqrt((side * side) / limits.max_pixels) / f) * f;
  else if (bar * bar < limits.min_pixels) bar = Math.ceil((side * Math.sqrt(limits.min_pixels / (side * side))) / f) * f;
  const out = await (await loadSharp())(data).resize(bar, bar, { fit: 'fill', kernel: 'cubic' }).png().toBuffer();
  return new Uint8Array(out);
}

/**
 * An image as a plan sends it: alpha dropped when the plan says so, then VLM2Vec's small-image rule, then its
 * extreme-aspect-ratio rule.
 */
export async function prepareImage(data: Uint8Array, path: string, plan: Plan): Promise<Uint8Array> {
  const sized = await applyResize(plan.dropAlpha ? await dropAlpha(data, path) : data, path, plan.resizeSmall);
  return squareExtreme(sized, path, plan.squareAboveRatio, plan.mmProcessorKwargs);
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
    this.id = `${inner.id}+${protocol.name}`;
  }

  get dim(): number | undefined {
    return this.inner.dim;
  }

  async embed(items: EmbedInput[], ctx?: EmbedContext): Promise<Float32Array[]> {
    const mapped = await Promise.all(
      items.map(async (it) => {
        const plan = planFor(this.protocol, it);
        const media = await Promise.all(
          plan.media.map(async (s) => {
            const m = sentLoaded(s, it.media);
            return m.kind === 'image' ? { ...m, data: await prepareImage(m.data, m.path, plan) } : m;
          }),
        );
        return { text: plan.prompt, media, role: it.role };
      }),
    );
    return this.inner.embed(mapped, ctx);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
