/**
 * The two model roles of Think-Then-Embed. Backends never see tasks or data roots: they get texts and
 * already-loaded media bytes, and return traces or vectors. Anything task-specific (instructions,
 * prompts, candidate pools) is decided before this boundary.
 */
import type { ItemParts } from '../items/types.js';

/** An image's or a video's frames' encoded bytes, as read: what reasoners, rerankers and embedders all take. */
export type LoadedMedia = { kind: 'image'; path: string; data: Uint8Array } | { kind: 'frames'; paths: string[]; data: Uint8Array[] };

/**
 * An audio clip already prepared as VLM2Vec's collator prepares it (decoded, segment cut, mono, resampled,
 * cropped: src/media/audio-prepare.ts), so that every embedder and every cache key sees the same samples.
 */
export type LoadedAudio = { kind: 'audio'; path: string; samples: Float32Array; sampleRate: number };

/** What an embedder is given: visual media and audio clips (only omni protocols and the builtin floor take clips). */
export type ModelMedia = LoadedMedia | LoadedAudio;

export interface EmbedInput {
  text: string;
  media: ModelMedia[];
  role: 'query' | 'target';
  /** The item's structured parts, for embedders with a model protocol (which render from them, not `text`). */
  parts?: ItemParts;
  /** The reasoning trace already appended to `text`; a protocol places it itself (read only with `parts`). */
  trace?: string | null;
}

export interface EmbedContext {
  /** For logging and per-task batching policy only; an embedder must not change behaviour by task. */
  task?: string;
  signal?: AbortSignal;
}

export interface Embedder {
  readonly id: string;
  readonly dim?: number;
  /** One L2-normalised vector per input, in input order. */
  embed(items: EmbedInput[], ctx?: EmbedContext): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

export interface ReasonInput {
  text: string;
  media: LoadedMedia[];
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface Trace {
  text: string;
  usage?: TokenUsage;
}

export interface ReasonContext {
  task?: string;
  /** The reasoning prompt family chosen for the task (classification, vqa, retrieval, ...). */
  family?: string;
  signal?: AbortSignal;
}

export interface Reasoner {
  readonly id: string;
  reason(items: ReasonInput[], ctx?: ReasonContext): Promise<Trace[]>;
  close?(): Promise<void>;
}
