/**
 * OpenAI-compatible backends. Reasoner: /chat/completions with images and video frames as image_url data
 * URLs. Embedder: /embeddings in two request formats — "input" (OpenAI: batched texts) and "messages"
 * (vLLM's multimodal embedding request, one item per request, optionally with the exact `chat_template`
 * the embedder was trained on, so VLM2Vec-style raw prompts can be reproduced).
 */
import { BackendError, ConfigError } from '../errors.js';
import { l2normalize } from './builtin.js';
import { HttpClient, imageDataUrl, type HttpOptions } from './http.js';
import type { EmbedContext, EmbedInput, Embedder, LoadedMedia, ReasonContext, ReasonInput, Reasoner, TokenUsage, Trace } from './types.js';

export interface OpenAIModelConfig extends HttpOptions {
  model: string;
  requestFormat?: 'input' | 'messages';
  /** Sent as vLLM's `chat_template` request field (messages format). */
  chatTemplate?: string;
  maxTokens?: number;
  temperature?: number;
  systemPrompt?: string;
}

type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

function contentParts(text: string, media: LoadedMedia[]): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const m of media) {
    for (const d of m.kind === 'image' ? [m.data] : m.data) parts.push({ type: 'image_url', image_url: { url: imageDataUrl(d) } });
  }
  parts.push({ type: 'text', text });
  return parts;
}

interface EmbeddingResponse {
  data?: { index?: number; embedding?: unknown }[];
  usage?: { prompt_tokens?: number };
}

function readEmbeddings(res: EmbeddingResponse, expected: number, url: string): Float32Array[] {
  if (!Array.isArray(res.data) || res.data.length !== expected) {
    throw new BackendError(`${url}: expected ${expected} embedding(s), got ${Array.isArray(res.data) ? res.data.length : 'none'}`);
  }
  const sorted = [...res.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return sorted.map((d, i) => {
    if (typeof d.embedding === 'string') {
      // encoding_format 'base64' (asked for below): the float32 values themselves, little-endian — the same
      // numbers as the JSON list, without parsing thousands of decimals per vector
      const bytes = Buffer.from(d.embedding, 'base64');
      if (bytes.length === 0 || bytes.length % 4 !== 0) throw new BackendError(`${url}: embedding ${i} is not base64 float32 (${bytes.length} bytes)`);
      const v = new Float32Array(bytes.length / 4);
      new Uint8Array(v.buffer).set(bytes);
      if (!v.every(Number.isFinite)) throw new BackendError(`${url}: embedding ${i} has a non-finite value`);
      return l2normalize(v);
    }
    if (!Array.isArray(d.embedding) || !d.embedding.every((x) => typeof x === 'number')) {
      throw new BackendError(`${url}: embedding ${i} is not a list of numbers`);
    }
    return l2normalize(Float32Array.from(d.embedding as number[]));
  });
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly client: HttpClient;
  promptTokens = 0;

  constructor(readonly cfg: OpenAIModelConfig) {
    if (!cfg.model) throw new ConfigError('openai embedder needs a model');
    this.client = new HttpClient(cfg);
    this.id = `openai:${cfg.model}:${cfg.requestFormat ?? 'input'}`;
  }

  async embed(items: EmbedInput[], ctx?: EmbedContext): Promise<Float32Array[]> {
    if ((this.cfg.requestFormat ?? 'input') === 'input') {
      const i = items.findIndex((it) => it.media.length);
      if (i >= 0) throw new BackendError(`requestFormat "input" is text-only, but item ${i} has media; use "messages"`);
      const res = await this.client.post<EmbeddingResponse>('/embeddings', { model: this.cfg.model, input: items.map((it) => it.text), encoding_format: 'base64' }, ctx?.signal);
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
        const res = await this.client.post<ChatResponse>('/chat/completions', {
          model: this.cfg.model,
          messages,
          max_tokens: this.cfg.maxTokens ?? 512,
          temperature: this.cfg.temperature ?? 0,
        }, ctx?.signal);
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
