/**
 * What the optional stages spent on one task, as a run records it (costs.json, the task's status, the report).
 * The pipeline's think gate and the rerank stage measure these; reports only read them. The shapes live here,
 * beside the other per-task measures, so that reports need not import the stages (and through them the
 * backends) that filled them in.
 */

/** Which items adaptive thinking reasons about: all, none, a prompt family's, the reasoner's own call, or a retrieval margin. */
export type ThinkPolicy = 'always' | 'never' | 'family' | 'reasoner' | 'margin';

/** What adaptive thinking did on one task, for costs.json and the report. */
export interface ThinkCost {
  policy: ThinkPolicy;
  items: number;
  reasoned_items: number;
  /** reasoned_items / items. */
  share_reasoned: number;
  /** Completion tokens of the traces the embedder saw (cached ones included: what the traces cost to make). */
  reasoning_tokens: number;
  gate_calls: number;
  gate_prompt_tokens: number;
  gate_completion_tokens: number;
  gate_embed_calls: number;
  /** Items skipped × mean reasoning tokens per reasoned item — an estimate of what "always" would have spent more. */
  est_tokens_saved: number;
}

/** What the rerank stage did on one task. */
export interface RerankCost {
  reranker: string;
  depth: number;
  calls: number;
  pairs: number;
  cache_hits: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Tokens of every score used, cached ones included (what a cold run would spend). */
  work_prompt_tokens: number;
  work_completion_tokens: number;
  unparsed: number;
  busy_seconds: number;
}
