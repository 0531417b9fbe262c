/**
 * A reranker served by vLLM's pooling API (a cross-encoder or a yes/no reranker loaded as a sequence
 * classifier, `vllm serve … --runner pooling`). One request per query with all its pending candidates:
 *  - `"endpoint": "score"`  → POST {baseURL}/score  {model, queries, documents: [...]} → {data: [{index, score}]}
 *  - `"endpoint": "rerank"` → POST {baseURL}/rerank {model, query, documents: [...]}  → {results: [{index, relevance_score}]}
 * A side with media is sent as `{"content": [image_url parts..., text part]}` (vLLM's multimodal score
 * input; a video's frames as consecutive images); a text-only side as a plain string. With
 * `"protocol": "qwen3-vl-reranker"` the sides are built as Qwen3-VL-Reranker's evaluation builds them
 * (rerank/qwen3-vl-reranker.ts: videos as one video_url, images, the raw text; "NULL" when empty; media
 * resized as qwen-vl-utils does) for the server's qwen3_vl_reranker chat template, and the query's task
 * instruction (the configured `instruction` when it has none) is sent as `chat_template_kwargs.instruction`.
 */
import { BackendError, ConfigError } from '../errors.js';
import { HttpClient, imageDataUrl, type HttpOptions } from '../backends/http.js';
import type { RerankContext, RerankItem, RerankPair, RerankScore, Reranker } from './types.js';
import {
  QWEN3_VL_RERANKER_VERSION,
  buildContent,
  qwen3RerankerPlan,
  scoreSide,
  type BuiltContent,
  type ChatContentPart,
} from './qwen3-vl-reranker.js';

export interface OpenAIRerankerConfig extends HttpOptions {
  model: string;
  endpoint?: 'score' | 'rerank';
  protocol?: 'plain' | 'qwen3-vl-reranker';
  instruction?: string;
}

type Side = string | { content: ChatContentPart[] };

function plainSide(item: RerankItem): Side {
  if (!item.media.length) return item.text;
  const parts = item.media
    .flatMap((m) => (m.kind === 'image' ? [m.data] : m.data))
    .map((d) => ({ type: 'image_url' as const, image_url: { url: imageDataUrl(d) } }));
  return { content: item.text ? [...parts, { type: 'text' as const, text: item.text }] : parts };
}

/**
 * The /score (or /rerank) body of a query's pairs under the qwen3-vl-reranker protocol: the sides without their
 * "<Query>:" / "<Document>:" prefixes (the server's template writes them), the query's instruction as a
 * template variable, and the processor kwargs that keep the client's media sizes.
 */
export async function qwenScoreBody(
  pairs: RerankPair[],
  defaultInstruction: string | undefined,
  build: (plan: ReturnType<typeof qwen3RerankerPlan>, p: RerankPair) => Promise<BuiltContent> = (plan, p) =>
    buildContent(plan, p.query, p.candidate),
): Promise<{ query: Side; documents: Side[]; instruction: string; kwargs: Record<string, unknown> }> {
  const plans = pairs.map((p) => qwen3RerankerPlan(p.query, p.candidate, defaultInstruction));
  const built = await Promise.all(pairs.map((p, i) => build(plans[i], p)));
  const kwargs: Record<string, unknown> = {};
  const withImages = built.find((b) => (b.kwargs.mm_processor_kwargs as { min_pixels?: number } | undefined)?.min_pixels);
  const sizes = built.flatMap((b) => {
    const size = (b.kwargs.mm_processor_kwargs as { size?: { shortest_edge: number; longest_edge: number } } | undefined)?.size;
    return size ? [size] : [];
  });
  if (withImages) kwargs.mm_processor_kwargs = withImages.kwargs.mm_processor_kwargs;
  else if (sizes.length)
    kwargs.mm_processor_kwargs = {
      size: { shortest_edge: Math.min(...sizes.map((z) => z.shortest_edge)), longest_edge: Math.max(...sizes.map((z) => z.longest_edge)) },
    };
  const frames = built.flatMap((b) => (b.kwargs.media_io_kwargs ? [b.kwargs.media_io_kwargs.video.num_frames] : []));
  if (frames.length) kwargs.media_io_kwargs = { video: { num_frames: Math.max(...frames), fps: 2 } };
  return {
    query: scoreSide(built[0].query) as Side,
    documents: built.map((b) => scoreSide(b.document) as Side),
    instruction: plans[0].instruction,
    kwargs,
  };
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
  readonly readsParts: boolean;

  constructor(readonly cfg: OpenAIRerankerConfig) {
    if (!cfg.model) throw new ConfigError('openai reranker needs a model');
    this.client = new HttpClient(cfg);
    this.readsParts = cfg.protocol === 'qwen3-vl-reranker';
    this.id = `openai-rerank:${cfg.model}:${cfg.endpoint ?? 'score'}`;
    this.promptVersion = cfg.protocol === 'qwen3-vl-reranker' ? `${QWEN3_VL_RERANKER_VERSION}:${cfg.instruction ?? ''}` : 'plain@1';
  }

  async score(pairs: RerankPair[], ctx: RerankContext): Promise<RerankScore[]> {
    if (!pairs.length) return [];
    const endpoint = this.cfg.endpoint ?? 'score';
    const body: Record<string, unknown> = { model: this.cfg.model };
    let query: Side;
    let documents: Side[];
    if (this.cfg.protocol === 'qwen3-vl-reranker') {
      const q = await qwenScoreBody(pairs, this.cfg.instruction);
      query = q.query;
      documents = q.documents;
      Object.assign(body, q.kwargs);
      body.chat_template_kwargs = { instruction: q.instruction };
    } else {
      query = plainSide(pairs[0].query);
      documents = pairs.map((p) => plainSide(p.candidate));
    }
    if (endpoint === 'score') Object.assign(body, { queries: query, documents });
    else Object.assign(body, { query, documents, top_n: pairs.length, return_documents: false });
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
