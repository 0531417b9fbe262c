/**
 * The structured item: what every dataset adapter produces and every consumer (model protocols, caches,
 * render, dump, reports) reads. A query or candidate is its parts (instruction, own text, the parser's string
 * rule) plus its media; an EvalSet is one task's queries and candidate pool of such items.
 */
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import type { EvalProfileName } from '../catalog/profiles.js';

/**
 * One image, the frames of one video (root-relative POSIX paths), or one audio clip: `path` is relative to the
 * data root (a file) or names bytes held in the data (a parquet cell, in `EvalSet.inlineMedia`); `start`/`end` are
 * the segment in seconds (null: from the beginning / to the end). As VLM2Vec's collator, a clip read from bytes
 * is used whole (src/media/audio-prepare.ts).
 */
export type MediaRef =
  | { kind: 'image'; path: string }
  | { kind: 'frames'; paths: string[] }
  | { kind: 'audio'; path: string; start: number | null; end: number | null };

export type AudioRef = Extract<MediaRef, { kind: 'audio' }>;

/** Where a query or candidate came from, for error messages and reports. */
export interface Provenance {
  file: string;
  row: number;
}

/**
 * How a parser family builds VLM2Vec's string from an item's parts (src/data/eval_dataset/*.py). The rules
 * are data so that every backbone's string is rendered in one place (`vlm2vec.ts`): the same parser
 * gives `<|image_pad|> …` for Qwen2-VL and `… ` (no placeholders, trailing space) for GME.
 *  - raw: the text itself (label, option and caption candidates);
 *  - process: process_input_text(instruction, text, image/video token from the item's media);
 *  - image-query: the MMEB image parsers' query (image token always; qaStyle: "\n" + inst.strip());
 *  - image-target: the image-target branch (caption: inst + " " + caption; newline: "\n" appended);
 *  - t2i-query: inst (raw image token → <|image_pad|>) + " " + text + "\n" (+ "\n" for VisDial);
 *  - video-qa: f"{video_token} {prompt} {question}";
 *  - process with strip: process_input_text(...).strip() (MCMR's query and candidates);
 *  - join-strip: f"{instruction} {text}".strip() when the instruction is non-empty, else the text as it is
 *    (ToolDe's query; GUI texts with an empty instruction); imageToken: the raw <|image_1|> becomes the
 *    backbone's image token (ToolDe queries, GUI queries and candidates), no process_input_text.
 *  - audio-query: the MMEB-V3 audio parsers' build_query_text(instruction, text): the instruction alone when the
 *    text is blank, else f"{instruction}\nQuery: {text.strip()}" (audio_instruction_utils.py:27-46), every backbone;
 *  - concat: instruction + text, nothing between (OmniSET's query, mscoco_cmret.py:164);
 *  - audio-target: f"<|audio_pad|> {instruction} {text}" (OmniSET's audio candidates, mscoco_cmret.py:205).
 */
export type TextRule =
  | { kind: 'raw' }
  | { kind: 'process'; strip?: boolean }
  | { kind: 'image-query'; qaStyle: boolean }
  | { kind: 'image-target'; caption: boolean; newline: boolean }
  | { kind: 't2i-query'; extraNewline: boolean }
  | { kind: 'video-qa' }
  | { kind: 'join-strip'; imageToken: boolean }
  | { kind: 'audio-query' }
  | { kind: 'concat' }
  | { kind: 'audio-target' };

/**
 * What a query or candidate is made of, before any model's formatting: the task instruction as the data
 * or catalog gives it (raw image token included), the item's own text (query, caption, question with its
 * options, label), and the parser's string rule. Media and side (query / candidate) live beside it.
 */
export interface ItemParts {
  instruction: string;
  text: string;
  rule: TextRule;
}

export interface Item {
  id: string;
  /** VLM2Vec's string for the Qwen2-VL backbone (or its `plain` rendering): one rendering of `parts`. */
  text: string;
  media: MediaRef[];
  /** The structured parts (set by every adapter; absent on items built by hand). */
  parts?: ItemParts;
}

export interface Query extends Item {
  /** The query's own candidate list (local tasks; duplicates kept), or null for global ranking. */
  candidateIds: string[] | null;
  gold: string[];
  relScores: number[] | null;
  source?: Provenance;
}

/**
 * How a task's pred files write the gold: VLM2Vec writes a single label as a string and multi-positive
 * labels (visdoc qrels, MomentSeeker's positive clips) as the whole list, even when it holds one id.
 * 'by-count': a list only when there are several (MMEB-V3's moment_retrieval: `positives if len > 1 else positives[0]`).
 */
export type LabelShape = 'single' | 'list' | 'by-count';

/** How placeholder tokens are written: Qwen2-VL's pad tokens (VLM2Vec's default) or none (GME / CLIP). */
export type TextFormat = 'qwen2-vl' | 'plain';

export interface EvalSet {
  task: TaskSpec;
  version: MmebVersion;
  /** Whose per-task inputs (instructions, frame counts): VLM2Vec's catalog, or a published model's own evaluation (absent: vlm2vec). */
  profile?: EvalProfileName;
  format: TextFormat;
  mode: 'local' | 'global';
  /** How its pred files write the gold, as its parser family states it (absent: single). */
  labelShape?: LabelShape;
  queries: Query[];
  /** The candidate pool in scoring order: every query's candidates, then the corpus; first occurrence wins. */
  candidates: Item[];
  /** Media that exist only inside the data (visdoc page images in the corpus parquet), keyed by path. */
  inlineMedia: Map<string, Uint8Array>;
  /** Parquet files read, for the run manifest's data fingerprint. */
  dataFiles: string[];
}

/** The files behind media, in order (an audio clip's file once, whatever its segment). */
export function flattenMedia(media: MediaRef[]): string[] {
  return media.flatMap((m) => (m.kind === 'frames' ? m.paths : [m.path]));
}
