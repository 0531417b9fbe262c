import type { MmebVersion, TaskSpec } from '../catalog/types.js';

/** One image, or the frames of one video (root-relative POSIX paths). */
export type MediaRef = { kind: 'image'; path: string } | { kind: 'frames'; paths: string[] };

/** Where a query or candidate came from, for error messages and reports. */
export interface Provenance {
  file: string;
  row: number;
}

export interface Item {
  id: string;
  text: string;
  media: MediaRef[];
}

export interface Query extends Item {
  /** The query's own candidate list (local tasks; duplicates kept), or null for global ranking. */
  candidateIds: string[] | null;
  gold: string[];
  relScores: number[] | null;
  source?: Provenance;
}

/** How placeholder tokens are written: Qwen2-VL's pad tokens (VLM2Vec's default) or none (GME / CLIP). */
export type TextFormat = 'qwen2-vl' | 'plain';

export interface EvalSet {
  task: TaskSpec;
  version: MmebVersion;
  format: TextFormat;
  mode: 'local' | 'global';
  queries: Query[];
  /** The candidate pool in scoring order: every query's candidates, then the corpus; first occurrence wins. */
  candidates: Item[];
  /** Media that exist only inside the data (visdoc page images in the corpus parquet), keyed by path. */
  inlineMedia: Map<string, Uint8Array>;
  /** Parquet files read, for the run manifest's data fingerprint. */
  dataFiles: string[];
}

export function flattenMedia(media: MediaRef[]): string[] {
  return media.flatMap((m) => (m.kind === 'image' ? [m.path] : m.paths));
}
