/**
 * OpenAI-compatible backends. Reasoner: /chat/completions with images as image_url data URLs and each video
 * as ONE video_url part. Embedder: /embeddings in two request formats — "input" (OpenAI: batched texts) and
 * "messages" (vLLM's multimodal embedding request, one item per request, optionally with a `chat_template`),
 * or, with a model `protocol`, exactly the request the protocol's plan describes (`protocolRequest`).
 *
 * A video goes out as one `video_url` whose URL is `data:video/jpeg;base64,<frame 1>,<frame 2>,…`: vLLM's
 * VideoMediaIO.load_base64 splits a "video/jpeg" payload on commas and decodes every piece as an image
 * (vllm/multimodal/media/video.py; newer versions keep only the first `num_frames`, default 32, hence the
 * `media_io_kwargs` sent with it — docs/protocols.md), so the server gets one video of exactly these frames,
 * with no re-sampling. (Each piece is opened by PIL, so PNG frames decode too.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendError, ConfigError } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { l2normalize, l2normalizeFinite } from '../util/vector.js';
import { HttpClient, imageDataUrl, type HttpOptions } from './http.js';
import { getProtocol } from './protocols/index.js';
import { planFor, prepareSent, type SentResize, sentLoaded } from './protocols/apply.js';
import { type Plan, type Protocol, protocolId } from './protocols/types.js';
import type { EmbedContext, EmbedInput, Embedder, LoadedMedia, ReasonContext, ReasonInput, Reasoner, TokenUsage, Trace } from './types.js';

export interface OpenAIModelConfig extends HttpOptions {
  model: string;
  requestFormat?: 'input' | 'messages';
  /** Sent as vLLM's `chat_template` request field (messages format). */
  chatTemplate?: string;
  maxTokens?: number;
  temperature?: number;
  systemPrompt?: string;
  /** A model protocol (src/backends/protocols/) deciding the exact request. */
  protocol?: string;
  /** Send the protocol's template as `chat_template` (default true; false when the server has it via --chat-template). */
  sendChatTemplate?: boolean;
}

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'video_url'; video_url: { url: string } };

/** How media bytes become URLs: real data URLs on the wire, shortened ones in `render`. */
export interface UrlMaker {
  image(data: Uint8Array, path: string): string;
  video(frames: Uint8Array[], paths: string[]): string;
}

export const DATA_URLS: UrlMaker = {
  image: (d) => imageDataUrl(d),
  video: (frames) => `data:video/jpeg;base64,${frames.map((f) => Buffer.from(f).toString('base64')).join(',')}`,
};

function mediaPart(m: LoadedMedia, urls: UrlMaker): ContentPart {
  return m.kind === 'image'
    ? { type: 'image_url', image_url: { url: urls.image(m.data, m.path) } }
    : { type: 'video_url', video_url: { url: urls.video(m.data, m.paths) } };
}

/** Media first (each video as one video_url part), then the text. */
function contentParts(text: string, media: LoadedMedia[]): ContentPart[] {
  return [...media.map((m) => mediaPart(m, DATA_URLS)), { type: 'text', text }];
}

const templates = new Map<string, string>();
/** A chat template shipped in templates/. */
export function readTemplate(name: string): string {
  let t = templates.get(name);
  if (t === undefined) {
    t = readFileSync(join(PACKAGE_ROOT, 'templates', name), 'utf8');
    templates.set(name, t);
  }
  return t;
}

/**
 * The HTTP request (path and JSON body) a protocol's plan becomes for vLLM's /v1/embeddings:
 *  - text-only items of protocols whose reference tokenizes a plain string go out as `input` (the whole
 *    prompt; no server-side template is involved);
 *  - everything else as `messages` with the protocol's template as `chat_template` (unless
 *    `sendChatTemplate` is false: then the server must run with `--chat-template templates/<name>`), the
 *    chat flags, and the pixel limits as `mm_processor_kwargs`.
 */
export async function protocolRequest(
  plan: Plan,
  media: LoadedMedia[],
  opts: { model: string; sendChatTemplate?: boolean; urls?: UrlMaker },
): Promise<{ path: string; body: Record<string, unknown>; resized: (SentResize | null)[] }> {
  const urls = opts.urls ?? DATA_URLS;
  if (!plan.media.length && plan.textOnlyAsInput) {
    const body: Record<string, unknown> = { model: opts.model, input: plan.prompt, encoding_format: 'float' };
    if (plan.exactPrompt) body.add_special_tokens = false;
    return { path: '/embeddings', body, resized: [] };
  }
  const resized: (SentResize | null)[] = [];
  const messages = await Promise.all(
    plan.messages.map(async (msg) => ({
      role: msg.role,
      content: await Promise.all(
        msg.content.map(async (p): Promise<ContentPart> => {
          if (p.type === 'text') return p;
          const sent = await prepareSent(sentLoaded(p, media), plan);
          resized[plan.media.indexOf(p)] = sent.resize;
          return mediaPart(sent.media, urls);
        }),
      ),
    })),
  );
  // Chat flags belong with the protocol's own template; without one the server's defaults stand.
  const body: Record<string, unknown> = { model: opts.model, messages, encoding_format: 'float', ...(plan.template ? plan.flags : {}) };
  if (plan.template && opts.sendChatTemplate !== false) body.chat_template = readTemplate(plan.template);
  if (plan.mmProcessorKwargs) body.mm_processor_kwargs = plan.mmProcessorKwargs;
  if (plan.mediaIoKwargs) body.media_io_kwargs = plan.mediaIoKwargs;
  return { path: '/embeddings', body, resized: Array.from(plan.media, (_, i) => resized[i] ?? null) };
}

interface EmbeddingResponse {
  data?: { index?: number; embedding?: unknown }[];
  usage?: { prompt_tokens?: number };
}

/**
 * The answers in the order of the inputs: by their `index` fields (OpenAI's format, which vLLM follows), each
 * of which must name one input and no input twice; in list order only when no answer carries one. A repeated,
 * missing or out-of-range index would otherwise give an input another input's vector: a wrong score, silently.
 */
function inInputOrder<T extends { index?: unknown }>(data: T[], url: string): T[] {
  if (data.every((d) => d.index === undefined)) return data;
  const ordered: T[] = new Array(data.length);
  data.forEach((d, i) => {
    const at = d.index;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= data.length || ordered[at] !== undefined) {
      throw new BackendError(
        `${url}: answer ${i} of ${data.length} has index ${JSON.stringify(at) ?? 'none'}: each input must be answered once, by its index 0..${data.length - 1}`,
      );
    }
    ordered[at] = d;
  });
  return ordered;
}

function readEmbeddings(res: EmbeddingResponse, expected: number, url: string): Float32Array[] {
  if (!Array.isArray(res.data) || res.data.length !== expected) {
    throw new BackendError(`${url}: expected ${expected} embedding(s), got ${Array.isArray(res.data) ? res.data.length : 'none'}`);
  }
  return inInputOrder(res.data, url).map((d, i) => {
    if (typeof d.embedding === 'string') {
      // encoding_format 'base64' (asked for below): the float32 values themselves, little-endian — the same
      // numbers as the JSON list, without parsing thousands of decimals per vector
      const v = decodeFloat32(d.embedding);
      if (v === null)
        throw new BackendError(`${url}: embedding ${i} is not base64 float32 (${Buffer.from(d.embedding, 'base64').length} bytes)`);
      // the finite check rides on the norm's pass (no separate scan per answer)
      const unit = l2normalizeFinite(v);
      if (unit === null) throw new BackendError(`${url}: embedding ${i} has a non-finite value`);
      return unit;
    }
    if (!Array.isArray(d.embedding) || !d.embedding.every((x) => typeof x === 'number')) {
      throw new BackendError(`${url}: embedding ${i} is not a list of numbers`);
    }
    if (!d.embedding.length) throw new BackendError(`${url}: embedding ${i} is empty`);
    const bad = (d.embedding as number[]).findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new BackendError(`${url}: embedding ${i} has a non-finite value (${String(d.embedding[bad])}) at index ${bad}`);
    return l2normalize(Float32Array.from(d.embedding as number[]));
  });
}

/**
 * Base64 float32 straight into the vector's own buffer (no intermediate Buffer and copy); null when the text
 * does not decode to a whole, non-zero number of float32 values.
 */
function decodeFloat32(text: string): Float32Array | null {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const size = text.length % 4 === 0 ? (text.length / 4) * 3 - pad : -1;
  if (size > 0 && size % 4 === 0) {
    const v = new Float32Array(size / 4);
    // exactly `size` bytes for canonical base64; anything else (line breaks, say) is decoded the general way
    if (Buffer.from(v.buffer).write(text, 'base64') === size) return v;
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
  const v = new Float32Array(bytes.length / 4);
  new Uint8Array(v.buffer).set(bytes);
  return v;
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly client: HttpClient;
  promptTokens = 0;
  readonly protocol: Protocol | null;

  constructor(readonly cfg: OpenAIModelConfig) {
    if (!cfg.model) throw new ConfigError('openai embedder needs a model');
    this.client = new HttpClient(cfg);
    this.protocol = cfg.protocol ? getProtocol(cfg.protocol) : null;
    this.id = this.protocol ? `openai:${cfg.model}:${protocolId(this.protocol)}` : `openai:${cfg.model}:${cfg.requestFormat ?? 'input'}`;
  }

  async embed(items: EmbedInput[], ctx?: EmbedContext): Promise<Float32Array[]> {
    const protocol = this.protocol;
    if (protocol) {
      return Promise.all(
        items.map(async (it) => {
          const { path, body } = await protocolRequest(planFor(protocol, it), it.media, this.cfg);
          const res = await this.client.post<EmbeddingResponse>(path, body, ctx?.signal);
          this.promptTokens += res.usage?.prompt_tokens ?? 0;
          return readEmbeddings(res, 1, String(this.cfg.baseURL))[0];
        }),
      );
    }
    if ((this.cfg.requestFormat ?? 'input') === 'input') {
      const i = items.findIndex((it) => it.media.length);
      if (i >= 0) throw new BackendError(`requestFormat "input" is text-only, but item ${i} has media; use "messages"`);
      const res = await this.client.post<EmbeddingResponse>(
        '/embeddings',
        { model: this.cfg.model, input: items.map((it) => it.text), encoding_format: 'base64' },
        ctx?.signal,
      );
      this.promptTokens += res.usage?.prompt_tokens ?? 0;
      return readEmbeddings(res, items.length, String(this.cfg.baseURL));
    }
    return Promise.all(
      items.map(async (it) => {
        const body: Record<string, unknown> = {
          model: this.cfg.model,
          messages: [{ role: 'user', content: contentParts(it.text, it.media) }],
          encoding_format: 'base64',
        };
        if (this.cfg.chatTemplate) body.chat_template = this.cfg.chatTemplate;
        const res = await this.client.post<EmbeddingResponse>('/embeddings', body, ctx?.signal);
        this.promptTokens += res.usage?.prompt_tokens ?? 0;
        return readEmbeddings(res, 1, String(this.cfg.baseURL))[0];
      }),
    );
  }
}

interface ChatResponse {
  choices?: { message?: { content?: unknown } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export class OpenAIReasoner implements Reasoner {
  readonly id: string;
  readonly client: HttpClient;
  readonly usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };

  constructor(readonly cfg: OpenAIModelConfig) {
    if (!cfg.model) throw new ConfigError('openai reasoner needs a model');
    this.client = new HttpClient(cfg);
    this.id = `openai:${cfg.model}`;
  }

  async reason(items: ReasonInput[], ctx?: ReasonContext): Promise<Trace[]> {
    return Promise.all(
      items.map(async (it) => {
        const messages: unknown[] = [];
        if (this.cfg.systemPrompt) messages.push({ role: 'system', content: this.cfg.systemPrompt });
        messages.push({ role: 'user', content: contentParts(it.text, it.media) });
        const body: Record<string, unknown> = {
          model: this.cfg.model,
          messages,
          max_tokens: this.cfg.maxTokens ?? 512,
          temperature: this.cfg.temperature ?? 0,
        };
        // Newer vLLM keeps only the first num_frames (default 32) of a video_url's frames unless told otherwise.
        const frames = Math.max(0, ...it.media.map((m) => (m.kind === 'frames' ? m.paths.length : 0)));
        if (frames) body.media_io_kwargs = { video: { num_frames: frames } };
        // A reasoner's prompt is its own; a protocol only contributes the model's pixel limits.
        if (this.cfg.protocol && it.media.length) {
          const plan = planFor(getProtocol(this.cfg.protocol), { text: it.text, media: it.media, role: 'query' });
          if (plan.mmProcessorKwargs) body.mm_processor_kwargs = plan.mmProcessorKwargs;
        }
        const res = await this.client.post<ChatResponse>('/chat/completions', body, ctx?.signal);
        const content = res.choices?.[0]?.message?.content;
        if (typeof content !== 'string') throw new BackendError(`${String(this.cfg.baseURL)}: chat completion has no message content`);
        const usage = { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
        this.usage.promptTokens += usage.promptTokens;
        this.usage.completionTokens += usage.completionTokens;
        return { text: content, usage };
      }),
    );
  }
}
