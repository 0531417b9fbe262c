/**
 * Eval profiles: the per-task inputs of a published model's own MMEB-V2 evaluation, kept as overrides of
 * the task catalog. The catalog (tasks/mmeb-v2) reproduces VLM2Vec's evaluation; a profile says where
 * another evaluation feeds the model differently — its instructions and frame counts — with the source
 * lines each value was read from. `vlm2vec` is the catalog itself (no overrides); `qwen3-vl-embedding` is
 * tasks/profiles/qwen3-vl-embedding.json (QwenLM/Qwen3-VL-Embedding's src/evaluation/mmeb_v2).
 *
 * A profile only carries data. How an item is rendered for a model (system message, media order,
 * punctuation of the instruction) is the model protocol's business; the profile gives the protocol the
 * strings and counts the reference evaluation used.
 */
import { join } from 'node:path';
import { validate as validateProfileFile } from './profile-validator.generated.js';
import { ConfigError } from '../errors.js';
import { readConfigJson } from '../util/json.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { loadCatalog, type Catalog } from './load.js';

export const EVAL_PROFILES = ['vlm2vec', 'qwen3-vl-embedding'] as const;
export type EvalProfileName = (typeof EVAL_PROFILES)[number];
export const DEFAULT_EVAL_PROFILE: EvalProfileName = 'vlm2vec';

export const PROFILES_DIR = join(PACKAGE_ROOT, 'tasks', 'profiles');

/**
 * How a profile's reference builds a task's texts where that differs from VLM2Vec's parser (the adapters apply
 * it; each needs one parser family, TEXT_RULE_PARSERS):
 *  - `lettered-options` (nextqa): the candidates are qa_template's lettered options "(A) a0" … and the gold is
 *    the lettered option at the answer index (Qwen3-VL-Embedding nextqa_dataset.py:63, 76, 83); VLM2Vec ranks
 *    the raw option strings;
 *  - `spaced-options` (egoschema): the query text is `question + ' ' + ' '.join(options)`
 *    (egoschema_dataset.py:31); VLM2Vec has no space before the first option;
 *  - `stripped-captions` (image_t2i): each candidate image carries its own caption `tgt_text[i].strip()` as
 *    text when that is non-empty, and none otherwise (image_t2i_eval.py:40-41); VLM2Vec decides for the whole
 *    row by `tgt_text[0].strip()` and keeps the captions unstripped.
 */
export type TextRule = 'lettered-options' | 'spaced-options' | 'stripped-captions';

/** The parser family each text rule is written for (a rule on another task is a ConfigError). */
export const TEXT_RULE_PARSERS: Record<TextRule, string> = {
  'lettered-options': 'nextqa',
  'spaced-options': 'egoschema',
  'stripped-captions': 'image_t2i',
};

/** The catalog instruction keys a MomentSeeker-style task uses for its three kinds of query. */
export type QueryKindKey = 'textQuery' | 'imageQuery' | 'videoQuery';

/**
 * One task's inputs under a profile. Every field is optional except `source`; an absent field means
 * "as the catalog (VLM2Vec) has it".
 */
export interface TaskProfile {
  /**
   * The instruction every query of the task carries, replacing the catalog's `query` instruction.
   * It is the RAW string the reference's dataset module hands to its embedder — already after any
   * rewrite that module does itself (Qwen3's video classification turns a final ':' into '.'), but BEFORE
   * the embedder's own rule, which the qwen3-vl-embedding protocol applies: strip whitespace, then append
   * '.' when the last character is not Unicode punctuation (so 'Breakfast''s trailing space is kept here).
   * Absent: each query keeps the instruction its data row or the catalog gives (Qwen3's image tasks take
   * the row's qry_inst with '<|image_1|>' removed and whitespace stripped; a final ':' there stays ':').
   */
  queryInstruction?: string;
  /**
   * Per-kind query instructions for tasks whose queries come in kinds (MomentSeeker: text, image and
   * video queries), keyed like the catalog's instruction keys; raw, as `queryInstruction`.
   */
  queryInstructions?: Partial<Record<QueryKindKey, string>>;
  /**
   * The instruction every candidate of the task carries, replacing the catalog's `target` instruction
   * (or the absence of one). Raw, as `queryInstruction`. In the qwen3-vl-embedding profile the reference
   * gives candidates no instruction of their own (its TASK_INST_TGT lines are commented out), so its
   * embedder falls back to its default, "Represent the user's input."; the profile writes that default out
   * so that the profile alone says what reaches the model.
   */
  candidateInstruction?: string;
  /**
   * Frames per video for the task's videos — the query video (classification, QA, moment retrieval) or
   * the candidate videos (text-to-video retrieval) — replacing the catalog's `numFrames`. Sampling is
   * VLM2Vec's and Qwen3's shared rule: linspace over the extracted frames when the folder holds at least
   * this many, else every frame. For MomentSeeker (every frame is loaded) it is the embedder's cap
   * (Qwen3's MAX_FRAMES), applied by the same linspace rule.
   */
  numFrames?: number;
  /** Frames per candidate clip where the reference uses a different count than `numFrames` (num_clip_frames). */
  candidateNumFrames?: number;
  /** A text the reference builds differently from VLM2Vec's parser (TextRule). */
  textRule?: TextRule;
  /** The reference source file(s) and lines the values above were read from. */
  source: string;
  /**
   * How the reference builds this task's items, in words, including differences from VLM2Vec that no
   * field above expresses (docs/eval-profiles.md lists which tte-bench reproduces).
   */
  notes?: string[];
}

/** Profile-wide settings of the reference embedder (pixel and frame limits, default instruction). */
export interface ProfileDefaults {
  /** The instruction an item without one gets (the system message of a candidate, for Qwen3). */
  defaultInstruction?: string;
  /** Pixel side multiple images are resized to (patch size × spatial merge). */
  imageFactor?: number;
  /** Lower / upper pixel bound per image (smart_resize). */
  minPixels?: number;
  maxPixels?: number;
  /** Sampling rate for videos given as a file (not frames). */
  fps?: number;
  /** At most this many frames per video; longer frame lists are linspace-sampled down. */
  maxFrames?: number;
  /**
   * Per-frame pixel bound the reference declares. Qwen3's code defines it but does not pass it; its
   * frame lists get only `totalPixels`, and qwen-vl-utils derives the per-frame bound from that.
   */
  frameMaxPixels?: number;
  /** Pixel budget of one video, all frames together. */
  totalPixels?: number;
  /** Token limit of one input (truncation). */
  maxLength?: number;
  source: string;
}

export interface EvalProfile {
  name: EvalProfileName;
  /** Where the profile's values come from (repository, commit, files), or the catalog for `vlm2vec`. */
  source: string;
  /** Task name (as in the catalog) → that task's overrides; a task not listed has none. */
  tasks: Record<string, TaskProfile>;
  /** The reference embedder's profile-wide settings (absent for `vlm2vec`, whose are in the catalog and protocol). */
  defaults?: ProfileDefaults;
}

export function isEvalProfileName(s: string): s is EvalProfileName {
  return (EVAL_PROFILES as readonly string[]).includes(s);
}

/** Parse a `--profile` value; unknown names are a ConfigError listing the known ones. */
export function parseEvalProfileName(s: string): EvalProfileName {
  if (!isEvalProfileName(s)) throw new ConfigError(`unknown eval profile '${s}' (known: ${EVAL_PROFILES.join(', ')})`);
  return s;
}

/** tasks/schema/profile.schema.json compiled ahead of time (scripts/gen-schema-validators.ts), so that a run
 * loads no Ajv; a test keeps it in step with the schema file. */
const validator = (): { (doc: unknown): boolean; errors?: { instancePath: string; message?: string }[] | null } => validateProfileFile;

/**
 * Read, validate and check one profile file: the schema (unknown fields refused), the name, and every task
 * key against the catalog — an unknown task, a per-kind instruction the task has no catalog key for, or a
 * frame count on a task without videos is a ConfigError naming the file and the key.
 */
export function readEvalProfileFile(file: string, name: EvalProfileName, catalog: Catalog = loadCatalog()): EvalProfile {
  const doc = readConfigJson(file, 'eval profile');
  const validate = validator();
  if (!validate(doc)) {
    const details = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`invalid eval profile: ${details}`, { file });
  }
  const p = doc as Omit<EvalProfile, 'name'> & { name: string; $schema?: string };
  if (p.name !== name) throw new ConfigError(`profile file names '${p.name}', expected '${name}'`, { file, field: 'name' });
  for (const [task, tp] of Object.entries(p.tasks)) {
    const spec = catalog.byName.get(task);
    if (!spec) throw new ConfigError(`unknown task '${task}' (not in the task catalog)`, { file, field: `tasks.${task}` });
    for (const key of Object.keys(tp.queryInstructions ?? {})) {
      if (spec.instructions?.[key] === undefined) {
        throw new ConfigError(`task ${task} has no catalog instruction '${key}'`, {
          file,
          field: `tasks.${task}.queryInstructions.${key}`,
        });
      }
    }
    if (tp.textRule !== undefined && TEXT_RULE_PARSERS[tp.textRule] !== spec.parser) {
      throw new ConfigError(
        `text rule '${tp.textRule}' is written for ${TEXT_RULE_PARSERS[tp.textRule]} tasks; ${task} is ${spec.parser}`,
        {
          file,
          field: `tasks.${task}.textRule`,
        },
      );
    }
    if ((tp.numFrames !== undefined || tp.candidateNumFrames !== undefined) && spec.modality !== 'video') {
      throw new ConfigError(`task ${task} has no videos, so no frame count`, { file, field: `tasks.${task}` });
    }
  }
  const { $schema: _schema, ...rest } = p;
  return { ...rest, name } as EvalProfile;
}

const cache = new Map<EvalProfileName, EvalProfile>();

/** The named profile; `vlm2vec` is the catalog itself (no overrides, no file). */
export function loadEvalProfile(name: EvalProfileName): EvalProfile {
  const hit = cache.get(name);
  if (hit) return hit;
  const profile: EvalProfile =
    name === 'vlm2vec'
      ? { name, source: 'the task catalog (tasks/mmeb-v2), which reproduces VLM2Vec experiments/public/eval at commit 6e1e1d4', tasks: {} }
      : readEvalProfileFile(join(PROFILES_DIR, `${name}.json`), name);
  cache.set(name, profile);
  return profile;
}

/** The task's overrides under the profile, or null when it has none (always null for `vlm2vec`). */
export function taskProfile(p: EvalProfile, task: string): TaskProfile | null {
  return Object.hasOwn(p.tasks, task) ? p.tasks[task] : null;
}
