/**
 * The rerank stage's model role: a reranker scores (query, candidate) pairs; higher means more relevant.
 * Like embedders and reasoners, a reranker never sees tasks or data roots: it gets texts and loaded media,
 * plus the prompt family the task was assigned (so a reasoning reranker can pick its prompt).
 */
import type { LoadedMedia, TokenUsage } from '../backends/types.js';
import type { ItemParts } from '../items/types.js';
import type { PromptFamily } from '../tte/prompts.js';

export interface RerankItem {
  id: string;
  /** The item's text as the benchmark builds it, without visual placeholder tokens. */
  text: string;
  media: LoadedMedia[];
  /** The item's structured parts (instruction, own text), for rerankers built as a reference builds its inputs. */
  parts?: ItemParts;
}

export interface RerankPair {
  query: RerankItem;
  candidate: RerankItem;
  /** 0-based position of the candidate in the retrieval list (read only by the builtin test aids). */
  retrievalRank: number;
  /** Whether the candidate is gold (read only by the builtin `oracle` test aid; never sent to a model). */
  gold: boolean;
}

export interface RerankScore {
  score: number;
  /** A reasoning reranker's written reasoning (cached and written beside the predictions). */
  trace?: string;
  usage?: TokenUsage;
  /** A reasoning reranker's reply had no readable judgement (scored below every judged pair). */
  unparsed?: boolean;
}

export interface RerankContext {
  task?: string;
  family: PromptFamily;
  signal?: AbortSignal;
}

export interface Reranker {
  readonly id: string;
  /** Identifies the prompt/request format; part of every cached score's key. */
  readonly promptVersion: string;
  /**
   * Whether scores go through the content-addressed cache. The builtin rerankers are weight-free and
   * depend on retrieval order or gold labels, which are not part of the key, so they are never cached.
   */
  readonly cacheable: boolean;
  /**
   * 'query': one call scores all of a query's pending pairs (a pooling /score request); 'pair': one call per
   * pair (chat completions), so each score is cached the moment it arrives and a kill loses only calls in flight.
   */
  readonly unit: 'query' | 'pair';
  /** Whether the reranker reads items' structured parts (then they are part of every cached score's key). */
  readonly readsParts?: boolean;
  /** Scores for pairs that all share one query, in input order (one pair at a time when unit is 'pair'). */
  score(pairs: RerankPair[], ctx: RerankContext): Promise<RerankScore[]>;
  close?(): Promise<void>;
}

/** Visual placeholder tokens are an embedder's rendering, not part of what a reranker is asked about. */
export function stripPlaceholders(text: string): string {
  return text.replace(/<\|vision_start\|>|<\|vision_end\|>|<\|(?:image|video)_pad\|> ?/g, '').trim();
}
