/**
 * Rerankers reached through /chat/completions.
 *  - `"protocol": "reasoning"` (default): a TTE-v2-style reasoning reranker. Each pair gets the family's
 *    prompt (rerank/prompts.ts) with the query's media, then the candidate's; the model reasons, then
 *    answers yes/no or a 0–10 score. The whole reply is kept as the pair's trace (cached, and written to
 *    `{task}_rerank.jsonl`). A reply without a readable judgement scores −1 (below every judged pair) and
 *    is counted as unparsed.
 *  - `"protocol": "qwen3-vl-reranker"`: Qwen3-VL-Reranker served as a generative model; the messages are
 *    exactly the ones its evaluation builds (rerank/qwen3-vl-reranker.ts), one token is generated with the
 *    log-probabilities of the top 20 as token ids, and the score is sigmoid(logprob(9693 "yes") −
 *    logprob(2152 "no")) — the evaluation's sigmoid(yes − no) head.
 */
import { BackendError, ConfigError } from '../errors.js';
import { HttpClient, imageDataUrl, type HttpOptions } from '../backends/http.js';
import type { LoadedMedia } from '../backends/types.js';
import type { RerankContext, RerankPair, RerankScore, Reranker } from './types.js';
import { parseJudgement, rerankPrompt, RERANK_PROMPT_VERSION, type RerankAnswer } from './prompts.js';
import {
  QWEN3_NO_TOKEN_ID,
  QWEN3_VL_RERANKER_MAX_LENGTH,
  QWEN3_VL_RERANKER_TAIL_TOKENS,
  QWEN3_VL_RERANKER_VERSION,
  QWEN3_YES_TOKEN_ID,
  buildContent,
  chatBody,
  qwen3RerankerPlan,
  yesNoScore,
} from './qwen3-vl-reranker.js';

export interface ChatRerankerConfig extends HttpOptions {
  model: string;
  protocol?: 'reasoning' | 'qwen3-vl-reranker';
  answer?: RerankAnswer;
  maxTokens?: number;
  temperature?: number;
  instruction?: string;
}

interface ChatResponse {
  choices?: {
    message?: { content?: unknown };
    logprobs?: { content?: { token?: string; logprob?: number; top_logprobs?: { token: string; logprob: number }[] }[] };
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

const images = (media: LoadedMedia[]) =>
  media
    .flatMap((m) => (m.kind === 'image' ? [m.data] : m.data))
    .map((d) => ({ type: 'image_url' as const, image_url: { url: imageDataUrl(d) } }));

export class ChatReranker implements Reranker {
  readonly id: string;
  readonly promptVersion: string;
  readonly unit = 'pair' as const;
  readonly cacheable = true;
  readonly client: HttpClient;
  readonly readsParts: boolean;

  constructor(readonly cfg: ChatRerankerConfig) {
    if (!cfg.model) throw new ConfigError('chat reranker needs a model');
    this.client = new HttpClient(cfg);
    const qwen = cfg.protocol === 'qwen3-vl-reranker';
    this.readsParts = qwen;
    this.id = `chat-rerank:${cfg.model}`;
    this.promptVersion = qwen
      ? `${QWEN3_VL_RERANKER_VERSION}:${cfg.instruction ?? ''}`
      : `${RERANK_PROMPT_VERSION}:${cfg.answer ?? 'yes-no'}:${cfg.maxTokens ?? 512}:${cfg.temperature ?? 0}`;
  }

  async score(pairs: RerankPair[], ctx: RerankContext): Promise<RerankScore[]> {
    return Promise.all(pairs.map((p) => (this.cfg.protocol === 'qwen3-vl-reranker' ? this.qwen(p, ctx) : this.reason(p, ctx))));
  }

  private async reason(p: RerankPair, ctx: RerankContext): Promise<RerankScore> {
    const answer = this.cfg.answer ?? 'yes-no';
    const prompt = rerankPrompt(ctx.family, answer, p.query.text, p.candidate.text);
    const content = [
      ...(p.query.media.length ? [{ type: 'text' as const, text: 'Query images:' }, ...images(p.query.media)] : []),
      ...(p.candidate.media.length ? [{ type: 'text' as const, text: 'Candidate images:' }, ...images(p.candidate.media)] : []),
      { type: 'text' as const, text: prompt },
    ];
    const res = await this.client.post<ChatResponse>(
      '/chat/completions',
      {
        model: this.cfg.model,
        messages: [{ role: 'user', content }],
        max_tokens: this.cfg.maxTokens ?? 512,
        temperature: this.cfg.temperature ?? 0,
      },
      ctx.signal,
    );
    const text = res.choices?.[0]?.message?.content;
    if (typeof text !== 'string') throw new BackendError(`${String(this.cfg.baseURL)}: chat completion has no message content`);
    const judged = parseJudgement(text, answer);
    return {
      score: judged ?? -1,
      trace: text,
      unparsed: judged === null,
      usage: { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 },
    };
  }

  private async qwen(p: RerankPair, ctx: RerankContext): Promise<RerankScore> {
    const plan = qwen3RerankerPlan(p.query, p.candidate, this.cfg.instruction);
    const body = chatBody(this.cfg.model, plan, await buildContent(plan, p.query, p.candidate));
    // in raw-logprobs mode (vLLM's default) the top 20 come from the whole vocabulary and the generated token is
    // one of the two; with --logprobs-mode processed_logprobs they are exactly the two
    body.allowed_token_ids = [QWEN3_YES_TOKEN_ID, QWEN3_NO_TOKEN_ID];
    const res = await this.client.post<ChatResponse>('/chat/completions', body, ctx.signal);
    const pair = `query ${p.query.id}, candidate ${p.candidate.id}`;
    const promptTokens = res.usage?.prompt_tokens ?? 0;
    if (promptTokens > QWEN3_VL_RERANKER_MAX_LENGTH + QWEN3_VL_RERANKER_TAIL_TOKENS)
      throw new BackendError(
        `${pair}: ${promptTokens} prompt tokens; Qwen3-VL-Reranker's evaluation cuts a pair to ${QWEN3_VL_RERANKER_MAX_LENGTH} + ${QWEN3_VL_RERANKER_TAIL_TOKENS} tokens keeping every special token (truncate_tokens_optimized), which a server does not reproduce`,
      );
    const first = res.choices?.[0]?.logprobs?.content?.[0];
    const top = [
      ...(first?.top_logprobs ?? []),
      ...(first?.token !== undefined && typeof first.logprob === 'number' ? [{ token: first.token, logprob: first.logprob }] : []),
    ];
    const judged = yesNoScore(top);
    if (judged === null)
      throw new BackendError(
        `${String(this.cfg.baseURL)}: ${pair}: neither token ${QWEN3_YES_TOKEN_ID} ("yes") nor ${QWEN3_NO_TOKEN_ID} ("no") among the first token's log-probabilities (does the server return logprobs?)`,
      );
    return { score: judged.score, usage: { promptTokens, completionTokens: res.usage?.completion_tokens ?? 0 } };
  }
}
