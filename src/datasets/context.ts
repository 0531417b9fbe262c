import type { TextRule } from '../catalog/profiles.js';
import { readdirSync, readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { type AudioFacts, checkAudio, emptySegment } from './audio-check.js';
import { DataError, type ErrorLocation } from '../errors.js';
import type { Catalog } from '../catalog/load.js';
import { loadLabels } from '../catalog/load.js';
import type { HfSource, MmebVersion, TaskSpec, V3Source } from '../catalog/types.js';
import { hfSourceFor } from '../catalog/types.js';
import { RowReader } from './fields.js';
import type { DataRoot } from '../items/data-root.js';
import { sampleFrames, sampleFramesV3 } from '../items/frames.js';
import { resolveSplit } from './readers/hf-snapshot.js';
import { readRows } from './readers/tabular.js';
import type { ItemParts, LabelShape, MediaRef, Provenance } from '../items/types.js';

/** The path handed back for a media path that was rejected while collecting problems (never a real file). */
export const REJECTED_PATH = '\0rejected';

/** An item as an adapter builds it: its parts and media (the strings are rendered from the parts). */
export interface ItemDraft {
  id: string;
  parts: ItemParts;
  media: MediaRef[];
}

/** A candidate whose string is its own text (labels, answer options): no instruction, no media. */
export function rawItem(id: string, text = id): ItemDraft {
  return { id, parts: { instruction: '', text, rule: { kind: 'raw' } }, media: [] };
}

/** What an adapter produces for one query: its parts and media, its own candidates, and its gold ids. */
export interface QueryDraft extends ItemDraft {
  candidates: ItemDraft[];
  gold: string[];
  relScores: number[] | null;
  source?: Provenance;
}

export interface AdapterOutput {
  queries: QueryDraft[];
  /** Rows that join the pool after every query's candidates (label vocabulary, document corpus). */
  corpus: ItemDraft[];
  /** How pred files write the gold (absent: single, VLM2Vec's default); 'list' for multi-positive families. */
  labelShape?: LabelShape;
  /**
   * What the family's VLM2Vec parser keeps and the structural checks would otherwise refuse: a query id
   * repeated (separate queries), a query without gold, a gold id naming no pooled document (both score 0), a
   * corpus row repeating an id (generate_cand_dataset keeps the first).
   */
  tolerates?: ('repeated-query-id' | 'no-gold' | 'unpooled-gold' | 'repeated-corpus-id')[];
}

export type Adapter = (ctx: AdapterContext) => Promise<AdapterOutput>;

/** A problem with the data found while building an EvalSet (missing media, empty frame folders). */
export interface DataProblem {
  task: string;
  message: string;
  location: ErrorLocation;
  /** Something VLM2Vec tolerates and tte-bench builds the same way (a GUI screenshot that does not exist is no image): reported, never fatal. */
  warning?: true;
  /** What to do about it (validate --mmeb-version v3 names the staging step that was missed). */
  hint?: string;
}

/**
 * Everything an adapter may touch: the task spec, the data root, the HF snapshots, and helpers that
 * resolve media safely. Media problems are either thrown at once (strict, for runs and dumps) or
 * collected (for `validate`, which reports all of them).
 */
export class AdapterContext {
  readonly problems: DataProblem[] = [];
  readonly dataFiles: string[] = [];
  readonly inlineMedia = new Map<string, Uint8Array>();
  /** Frame folders that are missing or empty but whose raw video the data names (for `extract-frames`). */
  readonly extractable: { frameDir: string; video: string }[] = [];
  /** Frames per candidate clip when an eval profile samples candidates differently from queries. */
  candidateNumFrames: number | undefined;
  /** The task is built by VLM2Vec's own parser code (the default profile), frame-count assertions included. */
  vlm2vecFrameRules = true;
  /** Audio files already checked: their header when decoded (validate), null when only found (strict runs). */
  private readonly audioFiles = new Map<string, AudioFacts | null>();
  /** An eval profile's text rule for this task (absent: VLM2Vec's texts). */
  textRule: TextRule | undefined;
  /** Image files already found (a retrieval task names each of its images in many rows' candidate lists). */
  private readonly imageFiles = new Set<string>();

  constructor(
    readonly task: TaskSpec,
    readonly version: MmebVersion,
    readonly root: DataRoot,
    readonly hfRoot: string,
    readonly catalog: Catalog,
    readonly strict: boolean,
    /** Rows left out (`file#row`): `validate` reports a malformed row, then builds the task again without it. */
    readonly skipRows: ReadonlySet<string> = new Set(),
  ) {}

  get source(): HfSource {
    return hfSourceFor(this.task, this.version);
  }

  /**
   * Rows of a config/split of the task's repo (default: the task's own source). Under v3 the same config is read
   * from the task's MMEB-V3 annotation files under the data root (`v3.configs`, keyed by the HF config name,
   * `default` without one) instead of the HF snapshot.
   */
  async rows(source: HfSource = this.source): Promise<RowReader[]> {
    const { files } = this.version === 'v3' ? { files: this.v3ConfigFiles(source.config ?? 'default') } : resolveSplit(this.hfRoot, source);
    this.dataFiles.push(...files);
    const rows = await readRows(files);
    return (this.skipRows.size ? rows.filter((r) => !this.skipRows.has(`${r.file}#${r.index}`)) : rows).map(
      (r) => new RowReader(this.task.name, r),
    );
  }

  /** The task's MMEB-V3 YAML entry (V3 parser families read their files from it). */
  get v3(): V3Source {
    const v = this.task.v3;
    if (!v) throw new DataError('catalog gives no MMEB-V3 source (v3) for this task', { task: this.task.name });
    return v;
  }

  /**
   * Rows of data files named by root-relative paths (parquet, JSON Lines, JSON, CSV), in the order given;
   * each file is recorded for the run manifest, and `skipRows` applies as for `rows()`.
   */
  async readFiles(relPaths: string[]): Promise<RowReader[]> {
    const files = relPaths.map((p) => this.root.abs(this.root.rel([p], { task: this.task.name })));
    this.dataFiles.push(...files);
    const rows = await readRows(files);
    return (this.skipRows.size ? rows.filter((r) => !this.skipRows.has(`${r.file}#${r.index}`)) : rows).map(
      (r) => new RowReader(this.task.name, r),
    );
  }

  /**
   * The root-relative MMEB-V3 annotation file of a config when the catalog names a single file (not a
   * `<split>-*.parquet` folder) and it does not exist; undefined otherwise. For loaders that skip a missing file.
   */
  missingV3File(config: string): string | undefined {
    const rel = this.v3.configs?.[config];
    if (rel === undefined || /-\*\.parquet$/.test(rel)) return undefined;
    const path = this.root.rel([rel], { task: this.task.name });
    return this.root.exists(path, { task: this.task.name }) ? undefined : path;
  }

  /**
   * The files of one config under an MMEB-V3 root, absolute. A path ending `<split>-*.parquet` is a folder read as
   * VLM2Vec's load_local_hf_dataset reads it (src/utils/dataset_utils.py at 44f991d): `<split>-*.parquet`, else
   * `<split>*.parquet`, else every parquet file of the folder, in name order; any other path is one file.
   */
  private v3ConfigFiles(config: string): string[] {
    const v3 = this.v3;
    const rel = v3.configs?.[config];
    if (rel === undefined) {
      throw new DataError(`catalog gives no MMEB-V3 annotation file for config '${config}' (v3.configs)`, { task: this.task.name });
    }
    const where = { task: this.task.name };
    const glob = /^(.*)\/([^/*]+)-\*\.parquet$/.exec(rel);
    if (!glob) {
      const path = this.root.rel([rel], where);
      if (!this.root.exists(path, where) || this.root.isDir(path))
        throw new DataError(`MMEB-V3 annotation file ${path} not found`, { ...where, file: this.root.abs(path) });
      return [this.root.abs(path)];
    }
    const dir = this.root.rel([glob[1]], where);
    const split = glob[2];
    if (!this.root.isDir(dir) || !this.root.exists(dir, where))
      throw new DataError(`MMEB-V3 annotation folder ${dir} not found`, { ...where, file: this.root.abs(dir) });
    const parquet = readdirSync(this.root.abs(dir))
      .filter((f) => f.endsWith('.parquet'))
      .sort();
    const picked = [parquet.filter((f) => f.startsWith(`${split}-`)), parquet.filter((f) => f.startsWith(split)), parquet].find(
      (l) => l.length,
    );
    if (!picked) throw new DataError(`MMEB-V3 annotation folder ${dir} has no .parquet files`, { ...where, file: this.root.abs(dir) });
    return picked.map((f) => this.root.abs(`${dir}/${f}`));
  }

  /** VLM2Vec's num_sample_per_subset: keep the first N rows. */
  sample<T>(rows: T[]): T[] {
    return this.task.numSamples !== undefined ? rows.slice(0, this.task.numSamples) : rows;
  }

  instruction(key: string): string {
    const v = this.task.instructions?.[key];
    if (v === undefined) throw new DataError(`catalog has no '${key}' instruction`, { task: this.task.name });
    return v;
  }

  labels(): string[] {
    return loadLabels(this.task, this.catalog);
  }

  problem(message: string, where: ErrorLocation): void {
    const location = { task: this.task.name, ...where };
    if (this.strict) throw new DataError(message, location);
    this.problems.push({ task: this.task.name, message, location });
  }

  /** A warning-level problem: recorded in both modes (never thrown), so `validate` names it and runs build as VLM2Vec does. */
  warn(message: string, where: ErrorLocation): void {
    this.problems.push({ task: this.task.name, message, location: { task: this.task.name, ...where }, warning: true });
  }

  private where(r?: RowReader, field?: string): ErrorLocation {
    return r ? { file: r.src.file, row: r.src.index, field } : {};
  }

  /** A root-relative path under a catalog media root. */
  path(root: 'imageRoot' | 'frameRoot', segments: string[], r?: RowReader, field?: string): string {
    const base = this.task.media[root];
    if (base === undefined) throw new DataError(`catalog has no media.${root}`, { task: this.task.name });
    try {
      return this.root.rel([base, ...segments], this.where(r, field));
    } catch (err) {
      // collecting (validate): an escaping path is one problem; the row goes on with a path that names nothing
      if (this.strict || !(err instanceof DataError)) throw err;
      this.problem(err.detail, this.where(r, field));
      return REJECTED_PATH;
    }
  }

  /** One image file; recorded as a problem when missing (unless the data carries its bytes). */
  image(relPath: string, r?: RowReader, field?: string): MediaRef {
    if (relPath !== REJECTED_PATH && !this.inlineMedia.has(relPath) && !this.imageFiles.has(relPath)) {
      const reported = this.problems.length;
      if (!this.existsOrProblem(relPath, this.where(r, field))) this.problem(`missing image ${relPath}`, this.where(r, field));
      // an empty path, or one naming a folder, joins to a folder: VLM2Vec fails when it opens it as an image
      else if (this.root.isDir(relPath)) this.problem(`image path ${relPath} is a folder, not an image file`, this.where(r, field));
      // only a path that passed every check is taken as known good: one with a problem is reported on every row
      else if (this.problems.length === reported) this.imageFiles.add(relPath);
    }
    return { kind: 'image', path: relPath };
  }

  /**
   * The frames of a frame folder: sampled to numFrames (VLM2Vec's process_video_frames, which under v3 repeats
   * frames of a folder holding fewer) or all of them.
   */
  frames(
    relDir: string,
    { all = false, video, count }: { all?: boolean; video?: string[]; count?: number } = {},
    r?: RowReader,
    field?: string,
  ): MediaRef {
    if (relDir === REJECTED_PATH) return { kind: 'frames', paths: [] };
    const files = this.root.frames(relDir, this.where(r, field));
    if (!files.length && video && this.task.media.videoRoot) {
      this.extractable.push({ frameDir: relDir, video: this.root.rel([this.task.media.videoRoot, ...video], this.where(r, field)) });
    }
    if (!files.length) {
      this.problem(
        this.root.isDir(relDir) ? `frame folder ${relDir} has no .jpg/.jpeg/.png frames` : `missing frame folder ${relDir}`,
        this.where(r, field),
      );
    }
    const k = count ?? this.task.numFrames ?? 8;
    return { kind: 'frames', paths: all ? files : this.version === 'v3' ? sampleFramesV3(files, k) : sampleFrames(files, k) };
  }

  /**
   * One audio clip in a file under the data root, whole (start/end null) or a segment in seconds. A missing file
   * is a problem (an error when strict); when collecting (`validate`), the file is also opened: an unreadable or
   * sample-less WAV, a segment that holds no sample, NaN/Inf samples are each a problem of this item.
   */
  audio(
    relPath: string,
    segment: { start: number | null; end: number | null } = { start: null, end: null },
    where: ErrorLocation = {},
  ): MediaRef {
    const item: MediaRef = { kind: 'audio', path: relPath, start: segment.start, end: segment.end };
    if (relPath === REJECTED_PATH) return item;
    let known = this.audioFiles.get(relPath);
    if (known === undefined) {
      const reported = this.problems.length;
      if (!this.existsOrProblem(relPath, where)) this.problem(`missing audio ${relPath}`, where);
      else if (this.root.isDir(relPath)) this.problem(`audio path ${relPath} is a folder, not an audio file`, where);
      else if (!this.strict) {
        const checked = checkAudio(() => readFileSync(this.root.abs(relPath)), relPath);
        if (typeof checked === 'string') this.problem(checked, where);
        else known = checked;
      }
      if (known === undefined && this.problems.length === reported) known = null; // present, not decoded (strict)
      if (known !== undefined) this.audioFiles.set(relPath, known);
      else return item; // reported once per item that names it
    }
    if (known && segment.start !== null) {
      const empty = emptySegment(known, segment.start, segment.end);
      if (empty) this.problem(`audio ${relPath} [${segment.start}, ${segment.end ?? 'end'}]: ${empty}`, where);
    }
    return item;
  }

  /**
   * An audio clip held as bytes in the data (a parquet cell), registered in `inlineMedia` under `locator`
   * (`<root-relative parquet file>#<row>/<column>[/<name the struct gives>]`). VLM2Vec's collator reads such
   * bytes whole (a segment is ignored), so the item has no segment. Checked as `audio()` checks a file when collecting.
   */
  inlineAudio(locator: string, bytes: Uint8Array, where: ErrorLocation = {}): MediaRef {
    this.inlineMedia.set(locator, bytes);
    if (!this.strict) {
      const checked = checkAudio(() => bytes, locator);
      if (typeof checked === 'string') this.problem(checked, where);
    }
    return { kind: 'audio', path: locator, start: null, end: null };
  }

  /** A data file's path relative to the data root (for locators of bytes held in it). */
  relFile(absFile: string): string {
    return relative(this.root.dir, absFile).split(sep).join('/');
  }

  /** `root.exists`, with a symlink out of the root recorded as a problem when collecting. */
  private existsOrProblem(relPath: string, where: ErrorLocation): boolean {
    try {
      return this.root.exists(relPath, where);
    } catch (err) {
      if (this.strict || !(err instanceof DataError)) throw err;
      this.problems.push({ task: this.task.name, message: err.detail, location: { task: this.task.name, ...where } });
      return true; // reported: not also "missing"
    }
  }

  provenance(r: RowReader): Provenance {
    return { file: r.src.file, row: r.src.index };
  }
}
