/**
 * A reranker served by vLLM's pooling API (a cross-encoder or a yes/no reranker loaded as a sequence
 * classifier, `vllm serve … --runner pooling`). One request per query with all its pending candidates:
 *  - `"endpoint": "score"`  → POST {baseURL}/score  {model, queries, documents: [...]} → {data: [{index, score}]}
 *  - `"endpoint": "rerank"` → POST {baseURL}/rerank {model, query, documents: [...]}  → {results: [{index, relevance_score}]}
 * A side with media is sent as `{"content": [image_url parts..., text part]}` (vLLM's multimodal score
 * input; a video's frames as consecutive images); a text-only side as a plain string. With
 * `"protocol": "qwen3-vl-reranker"` the sides are built as Qwen3-VL-Reranker's evaluation builds them
 * (videos, images, text; "NULL" when empty) for the server's qwen3_vl_reranker chat template, and a
 * configured `instruction` is sent as `chat_template_kwargs.instruction` (the template's default otherwise).
 */
import { BackendError, ConfigError } from '../errors.js';
import { HttpClient, imageDataUrl, type HttpOptions } from '../backends/http.js';
import type { RerankContext, RerankItem, RerankPair, RerankScore, Reranker } from './types.js';
import { QWEN3_VL_RERANKER_VERSION, qwen3VlContent, toChatContent } from './qwen3-vl-reranker.js';

export interface OpenAIRerankerConfig extends HttpOptions {
  model: string;
  endpoint?: 'score' | 'rerank';
  protocol?: 'plain' | 'qwen3-vl-reranker';
  instruction?: string;
}

type Side = string | { content: ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[] };

function plainSide(item: RerankItem): Side {
  if (!item.media.length) return item.text;
  const parts = item.media
    .flatMap((m) => (m.kind === 'image' ? [m.data] : m.data))
    .map((d) => ({ type: 'image_url' as const, image_url: { url: imageDataUrl(d) } }));
  return { content: item.text ? [...parts, { type: 'text' as const, text: item.text }] : parts };
}

function qwenSide(item: RerankItem): Side {
  // the server's template writes the "<Query>:" / "<Document>:" prefixes itself
  const parts = toChatContent(qwen3VlContent(item, '').slice(1));
  return parts.length === 1 && parts[0].type === 'text' ? parts[0].text : { content: parts };
}

interface ScoreResponse {
  data?: { index?: number; score?: unknown }[];
  results?: { index?: number; relevance_score?: unknown }[];
  usage?: { prompt_tokens?: number };
}

export class OpenAIReranker implements Reranker {
  readonly id: string;
  readonly promptVersion: string;
  readonly unit = 'query' as const;
  readonly cacheable = true;
  readonly client: HttpClient;

  constructor(readonly cfg: OpenAIRerankerConfig) {
    if (!cfg.model) throw new ConfigError('openai reranker needs a model');
    this.client = new HttpClient(cfg);
    this.id = `openai-rerank:${cfg.model}:${cfg.endpoint ?? 'score'}`;
    this.promptVersion = cfg.protocol === 'qwen3-vl-reranker' ? `${QWEN3_VL_RERANKER_VERSION}:${cfg.instruction ?? ''}` : 'plain@1';
  }

  async score(pairs: RerankPair[], ctx: RerankContext): Promise<RerankScore[]> {
    if (!pairs.length) return [];
    const side = this.cfg.protocol === 'qwen3-vl-reranker' ? qwenSide : plainSide;
    const endpoint = this.cfg.endpoint ?? 'score';
    const body: Record<string, unknown> = { model: this.cfg.model };
    if (endpoint === 'score') Object.assign(body, { queries: side(pairs[0].query), documents: pairs.map((p) => side(p.candidate)) });
    else
      Object.assign(body, {
        query: side(pairs[0].query),
        documents: pairs.map((p) => side(p.candidate)),
        top_n: pairs.length,
        return_documents: false,
      });
    if (this.cfg.protocol === 'qwen3-vl-reranker' && this.cfg.instruction)
      body.chat_template_kwargs = { instruction: this.cfg.instruction };
    const url = `${String(this.cfg.baseURL)}/${endpoint}`;
    const res = await this.client.post<ScoreResponse>(`/${endpoint}`, body, ctx.signal);
    const rows =
      endpoint === 'score'
        ? (res.data ?? []).map((d) => ({ index: d.index, score: d.score }))
        : (res.results ?? []).map((r) => ({ index: r.index, score: r.relevance_score }));
    const out: (number | null)[] = pairs.map(() => null);
    for (const r of rows) {
      if (
        typeof r.index !== 'number' ||
        r.index < 0 ||
        r.index >= pairs.length ||
        typeof r.score !== 'number' ||
        !Number.isFinite(r.score)
      ) {
        throw new BackendError(`${url}: malformed score entry ${JSON.stringify(r)}`);
      }
      out[r.index] = r.score;
    }
    const missing = out.indexOf(null);
    if (missing >= 0) throw new BackendError(`${url}: expected ${pairs.length} score(s), document ${missing} has none`);
    const promptTokens = res.usage?.prompt_tokens ?? 0;
    // usage is per request; charge it to the first pair so the stage's totals stay exact
    return out.map((s, i) => ({ score: s as number, usage: i === 0 ? { promptTokens, completionTokens: 0 } : undefined }));
  }
}
