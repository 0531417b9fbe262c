/**
 * Local backends on @huggingface/transformers (transformers.js) + onnxruntime-node, loading from a local
 * folder with remote loading switched off:
 *  - dual encoders (CLIP, SigLIP): text and image towers, L2-normalised; an item with text and media is the
 *    normalised mean of its parts; a video is the mean of its frames;
 *  - decoder embedders: last-layer hidden state at the last non-padding token (right padding), L2-normalised —
 *    the VLM2Vec / TTE pooling;
 *  - causal LMs as reasoners (greedy generation), and as unified models (reason, then embed from the
 *    hidden state of the last token of prompt + trace, in the same network).
 *
 * Tokenisation with a length limit is done here, not by transformers.js: its `truncation` cuts after the
 * special tokens are added, which drops CLIP's <|endoftext|> (the token CLIP pools from) and SigLIP's </s>.
 * Hugging Face keeps them; so do we.
 */
import {
  AutoModel,
  AutoModelForCausalLM,
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  SiglipTextModel,
  SiglipVisionModel,
  Tensor,
  env,
} from '@huggingface/transformers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { BackendError, ConfigError } from '../errors.js';
import { disableOrtTelemetry } from '../util/ort-telemetry.js';
import { l2normalize } from '../util/vector.js';
import { modelArchitecture, type TransformersArchitecture } from './transformers-arch.js';
import type { EmbedInput, Embedder, ReasonInput, Reasoner, Trace } from './types.js';

export interface TransformersConfig {
  model: string;
  architecture?: TransformersArchitecture;
  dtype?: string;
  /** Allow fetching from the Hub when the folder is not local (off by default: runs are offline). */
  allowRemote?: boolean;
  maxLength?: number;
  maxNewTokens?: number;
  intraOpNumThreads?: number;
}

type Tok = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
type AnyModel = { (inputs: Record<string, unknown>): Promise<Record<string, Tensor>>; dispose?: () => Promise<unknown> };

function configure(cfg: TransformersConfig): Record<string, unknown> {
  disableOrtTelemetry();
  env.allowRemoteModels = cfg.allowRemote === true;
  env.allowLocalModels = true;
  return {
    dtype: cfg.dtype ?? 'fp32',
    local_files_only: cfg.allowRemote !== true,
    session_options: {
      ...(cfg.intraOpNumThreads ? { intraOpNumThreads: cfg.intraOpNumThreads } : {}),
      // onnxruntime's intra-op threads spin-wait between operators by default. Here the same process also
      // decodes images and tokenises, and spinning threads take the cores that work needs: with the tiny
      // CLIP, one worker with two threads embedded 1440-1680 items/s spinning and 1820-2370 without
      // (bench/onnx-workers.ts). Large operators are unaffected: a woken thread costs microseconds.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    },
  };
}

function ids(t: Tensor): number[] {
  return (t.tolist() as unknown[][])[0].map(Number);
}

const spans = new WeakMap<Tok, { prefix: number[]; suffix: number[] }>();

/** The special tokens the tokenizer adds before and after a text (worked out once per tokenizer). */
function specialSpan(tok: Tok): { prefix: number[]; suffix: number[] } {
  const known = spans.get(tok);
  if (known) return known;
  const probe = 'a b';
  const withSp = tok.encode(probe);
  const without = tok.encode(probe, { add_special_tokens: false });
  let span = { prefix: [] as number[], suffix: [] as number[] };
  for (let p = 0; p + without.length <= withSp.length; p++) {
    if (without.every((v, i) => withSp[p + i] === v)) {
      span = { prefix: withSp.slice(0, p), suffix: withSp.slice(p + without.length) };
      break;
    }
  }
  spans.set(tok, span);
  return span;
}

export interface Encoded {
  inputIds: number[][];
  attentionMask: number[][];
}

/**
 * Tokenise a batch as Hugging Face does with truncation: the body is cut so that the special tokens still
 * fit; then pad to the longest row (or to maxLength) on the right.
 */
export function encodeBatch(tok: Tok, texts: string[], maxLength: number, padding: 'longest' | 'max_length'): Encoded {
  const { prefix, suffix } = specialSpan(tok);
  const rows = texts.map((t) => {
    const body = tok.encode(t, { add_special_tokens: false });
    const room = Math.max(0, maxLength - prefix.length - suffix.length);
    return [...prefix, ...body.slice(0, room), ...suffix];
  });
  const width = padding === 'max_length' ? maxLength : Math.max(...rows.map((r) => r.length));
  const pad = Number(tok.pad_token_id ?? 0);
  return {
    inputIds: rows.map((r) => [...r, ...new Array(width - r.length).fill(pad)]),
    attentionMask: rows.map((r) => [...r.map(() => 1), ...new Array(width - r.length).fill(0)]),
  };
}

/** Token ids / masks as an int64 tensor, written without a BigInt allocation per element. */
function int64(rows: number[][]): Tensor {
  const width = rows[0]?.length ?? 0;
  const out = new BigInt64Array(rows.length * width);
  // low word, then high word (the sign): onnxruntime-node ships only for little-endian x64 and arm64
  const words = new Int32Array(out.buffer);
  rows.forEach((row, r) =>
    row.forEach((v, c) => {
      words[2 * (r * width + c)] = v;
      words[2 * (r * width + c) + 1] = v < 0 ? -1 : 0;
    }),
  );
  return new Tensor('int64', out, [rows.length, width]);
}

// libvips' operation cache keys on input buffers; every image here is decoded once, so it only costs.
sharp.cache(false);

/**
 * Decode an image file to its pixels in one libvips call. Unlike RawImage.fromBlob this applies no EXIF
 * orientation — PIL's Image.open (what the Hugging Face processors and VLM2Vec see) does not either — and
 * skips the separate metadata pass, which on small images cost as much as the decode itself.
 */
export async function decodeImage(data: Uint8Array, path: string): Promise<RawImage> {
  try {
    const { data: px, info } = await sharp(data).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return new RawImage(
      new Uint8ClampedArray(px.buffer, px.byteOffset, px.length),
      info.width,
      info.height,
      info.channels as 1 | 2 | 3 | 4,
    );
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
}

function meanNormalised(vectors: Float32Array[]): Float32Array | null {
  if (!vectors.length) return null;
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) {
    const n = l2normalize(Float32Array.from(v));
    for (let i = 0; i < out.length; i++) out[i] += n[i] / vectors.length;
  }
  return out;
}

/** CLIP / SigLIP dual encoder. */
export class DualEncoderEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    private readonly arch: 'clip' | 'siglip',
    private readonly tok: Tok,
    private readonly processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>,
    private readonly textModel: AnyModel,
    private readonly visionModel: AnyModel,
    private readonly maxLength: number,
  ) {}

  static async load(cfg: TransformersConfig): Promise<DualEncoderEmbedder> {
    const arch = cfg.architecture === 'siglip' ? 'siglip' : 'clip';
    const opts = configure(cfg);
    const tok = await AutoTokenizer.from_pretrained(cfg.model, opts);
    const processor = await AutoProcessor.from_pretrained(cfg.model, opts);
    const [T, V] = arch === 'clip' ? [CLIPTextModelWithProjection, CLIPVisionModelWithProjection] : [SiglipTextModel, SiglipVisionModel];
    const textModel: AnyModel = await T.from_pretrained(cfg.model, opts);
    const visionModel: AnyModel = await V.from_pretrained(cfg.model, opts);
    const maxLength = cfg.maxLength ?? Number(tok.model_max_length ?? (arch === 'clip' ? 77 : 64));
    return new DualEncoderEmbedder(`transformers:${arch}:${cfg.model}`, arch, tok, processor, textModel, visionModel, maxLength);
  }

  /** Raw (unnormalised) text embeddings. */
  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (!texts.length) return [];
    const enc = encodeBatch(this.tok, texts, this.maxLength, this.arch === 'siglip' ? 'max_length' : 'longest');
    const inputs: Record<string, Tensor> = { input_ids: int64(enc.inputIds) };
    if (this.arch === 'clip') inputs.attention_mask = int64(enc.attentionMask);
    const out = await this.textModel(inputs);
    const t = this.arch === 'clip' ? out.text_embeds : out.pooler_output;
    const dim = t.dims[1];
    const data = t.data as Float32Array;
    return texts.map((_, i) => Float32Array.from(data.subarray(i * dim, (i + 1) * dim)));
  }

  /** Raw (unnormalised) image embeddings; images are preprocessed one by one and run as one batch. */
  async embedImages(images: { data: Uint8Array; path: string }[]): Promise<Float32Array[]> {
    if (!images.length) return [];
    const pixels = await this.processor(await Promise.all(images.map((im) => decodeImage(im.data, im.path))));
    const o = await this.visionModel(pixels as Record<string, unknown>);
    const t = this.arch === 'clip' ? o.image_embeds : o.pooler_output;
    const dim = t.dims[1];
    const data = t.data as Float32Array;
    return images.map((_, i) => Float32Array.from(data.subarray(i * dim, (i + 1) * dim)));
  }

  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    const clip = items.flatMap((it) => it.media).find((m) => m.kind === 'audio');
    if (clip) throw new BackendError(`audio input ${clip.path}: dual-encoder (CLIP/SigLIP) models take no audio`);
    const cleaned = items.map((it) => it.text.replace(/<\|(?:image|video)_pad\|> ?/g, '').trim());
    const withText = cleaned.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
    const textVecs = await this.embedTexts(withText.map((i) => cleaned[i]));
    const byItem = new Map(withText.map((i, k) => [i, textVecs[k]]));
    // every image and frame of the batch in one vision call
    const frames = items.flatMap((it, i) =>
      it.media.flatMap((m, j) =>
        m.kind === 'image'
          ? [{ i, j, data: m.data, path: m.path }]
          : m.kind === 'frames'
            ? m.data.map((d, f) => ({ i, j, data: d, path: m.paths[f] }))
            : [],
      ),
    );
    const imageVecs = await this.embedImages(frames);
    const out: Float32Array[] = [];
    for (const [i, it] of items.entries()) {
      const parts: Float32Array[] = [];
      const tv = byItem.get(i);
      if (tv) parts.push(tv);
      it.media.forEach((_, j) => {
        const mv = meanNormalised(imageVecs.filter((_, k) => frames[k].i === i && frames[k].j === j));
        if (mv) parts.push(mv);
      });
      const v = meanNormalised(parts);
      if (!v) throw new BackendError(`item ${i} has neither text nor media`);
      out.push(l2normalize(v));
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.textModel.dispose?.(), this.visionModel.dispose?.()]);
  }
}

/** Last-token pooling: the hidden state at the last non-padding position of each row, L2-normalised. */
export function lastTokenPool(hidden: Tensor, attentionMask: number[][], normalise = true): Float32Array[] {
  const [, seq, dim] = hidden.dims;
  const data = hidden.data as Float32Array;
  return attentionMask.map((mask, b) => {
    const last = mask.reduce((a, v) => a + v, 0) - 1;
    // an all-padding row has no token to pool from: reading position -1 would take another row's state
    if (last < 0) throw new BackendError(`last-token pooling: row ${b} of the batch is all padding (an empty input after tokenisation)`);
    const v = Float32Array.from(data.subarray((b * seq + last) * dim, (b * seq + last + 1) * dim));
    return normalise ? l2normalize(v) : v;
  });
}

/** Decoder-only text embedder with last-token pooling (text only: media is refused). */
export class DecoderEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    private readonly tok: Tok,
    private readonly model: AnyModel,
    private readonly maxLength: number,
  ) {}

  static async load(cfg: TransformersConfig): Promise<DecoderEmbedder> {
    const opts = configure(cfg);
    const tok = await AutoTokenizer.from_pretrained(cfg.model, opts);
    const model: AnyModel = await AutoModel.from_pretrained(cfg.model, opts);
    return new DecoderEmbedder(`transformers:decoder-last-token:${cfg.model}`, tok, model, cfg.maxLength ?? 8192);
  }

  async embedRaw(texts: string[], normalise = true): Promise<Float32Array[]> {
    const enc = encodeBatch(this.tok, texts, this.maxLength, 'longest');
    const out = await this.model({ input_ids: int64(enc.inputIds), attention_mask: int64(enc.attentionMask) });
    return lastTokenPool(out.last_hidden_state, enc.attentionMask, normalise);
  }

  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    const withMedia = items.findIndex((it) => it.media.length > 0);
    if (withMedia >= 0) throw new BackendError(`${this.id} is a text-only embedder but item ${withMedia} has media`);
    return this.embedRaw(items.map((it) => it.text));
  }

  async close(): Promise<void> {
    await this.model.dispose?.();
  }
}

/**
 * A local causal LM: greedy reasoner, and — when its ONNX graph exposes `last_hidden_state` — a unified
 * model that embeds prompt + trace from its own last-token hidden state.
 */
export class CausalLm implements Reasoner, Embedder {
  private constructor(
    readonly id: string,
    private readonly tok: Tok,
    private readonly model: Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>,
    private readonly maxNewTokens: number,
    private readonly chatTemplate: string | undefined,
  ) {}

  static async load(cfg: TransformersConfig): Promise<CausalLm> {
    const opts = configure(cfg);
    const tok = await AutoTokenizer.from_pretrained(cfg.model, opts);
    const model = await AutoModelForCausalLM.from_pretrained(cfg.model, opts);
    // Newer exports keep the template in chat_template.jinja, which transformers.js 4.3 does not read.
    const jinja = join(cfg.model, 'chat_template.jinja');
    const template = !tok.chat_template && existsSync(jinja) ? readFileSync(jinja, 'utf8') : undefined;
    return new CausalLm(`transformers:causal-lm:${cfg.model}`, tok, model, cfg.maxNewTokens ?? 128, template);
  }

  /** The chat-formatted prompt for a user message (the model's own chat template). */
  chatPrompt(userText: string): string {
    return this.tok.apply_chat_template([{ role: 'user', content: userText }], {
      add_generation_prompt: true,
      tokenize: false,
      ...(this.chatTemplate ? { chat_template: this.chatTemplate } : {}),
    }) as string;
  }

  /** Greedy new token ids for an already formatted prompt. */
  async generateIds(prompt: string, maxNewTokens = this.maxNewTokens): Promise<{ promptIds: number[]; newIds: number[] }> {
    const inputs = this.tok(prompt, { add_special_tokens: false });
    const promptIds = ids(inputs.input_ids as Tensor);
    const seq = (await this.model.generate({
      ...inputs,
      max_new_tokens: maxNewTokens,
      do_sample: false,
    })) as Tensor;
    return { promptIds, newIds: ids(seq).slice(promptIds.length) };
  }

  /** Last-layer hidden state at the last token of a token sequence (raw). */
  async lastHidden(tokenIds: number[]): Promise<Float32Array> {
    const out = (await this.model({
      input_ids: int64([tokenIds]),
      attention_mask: int64([tokenIds.map(() => 1)]),
    })) as Record<string, Tensor>;
    if (!out.last_hidden_state)
      throw new ConfigError(`${this.id}: the ONNX graph has no last_hidden_state output, so it cannot embed (unified)`);
    return lastTokenPool(out.last_hidden_state, [tokenIds.map(() => 1)], false)[0];
  }

  /** As an embedder (unified targets): the last-token state of the chat-formatted text. */
  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const it of items) {
      if (it.media.length) throw new BackendError(`${this.id} is text-only and cannot embed images or video`);
      const promptIds = ids(this.tok(this.chatPrompt(it.text), { add_special_tokens: false }).input_ids as Tensor);
      out.push(l2normalize(await this.lastHidden(promptIds)));
    }
    return out;
  }

  async reason(items: ReasonInput[]): Promise<Trace[]> {
    const out: Trace[] = [];
    for (const it of items) {
      if (it.media.length) throw new BackendError(`${this.id} is text-only and cannot reason over images or video`);
      const { promptIds, newIds } = await this.generateIds(this.chatPrompt(it.text));
      out.push({
        text: this.tok.decode(newIds, { skip_special_tokens: true }),
        usage: { promptTokens: promptIds.length, completionTokens: newIds.length },
      });
    }
    return out;
  }

  /** Unified TTE: reason, then embed prompt + trace from the same network's last hidden state. */
  async reasonAndEmbed(items: ReasonInput[]): Promise<{ trace: Trace; vector: Float32Array }[]> {
    const out: { trace: Trace; vector: Float32Array }[] = [];
    for (const it of items) {
      if (it.media.length) throw new BackendError(`${this.id} is text-only and cannot reason over images or video`);
      const { promptIds, newIds } = await this.generateIds(this.chatPrompt(it.text));
      out.push({
        trace: {
          text: this.tok.decode(newIds, { skip_special_tokens: true }),
          usage: { promptTokens: promptIds.length, completionTokens: newIds.length },
        },
        vector: l2normalize(await this.lastHidden([...promptIds, ...newIds])),
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}

/** A loaded local model, tagged with the architecture it was loaded as. */
export type LocalModel =
  | { architecture: 'clip' | 'siglip'; model: DualEncoderEmbedder }
  | { architecture: 'decoder-last-token'; model: DecoderEmbedder }
  | { architecture: 'causal-lm'; model: CausalLm };

/** Loads a local model with the class its architecture needs (transformers-arch.ts decides, for every loader). */
export async function loadLocalModel(cfg: TransformersConfig): Promise<LocalModel> {
  const architecture = modelArchitecture(cfg);
  const resolved = { ...cfg, architecture };
  if (architecture === 'clip' || architecture === 'siglip') return { architecture, model: await DualEncoderEmbedder.load(resolved) };
  if (architecture === 'decoder-last-token') return { architecture, model: await DecoderEmbedder.load(resolved) };
  return { architecture, model: await CausalLm.load(resolved) };
}
