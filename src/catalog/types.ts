/**
 * A task's group: MMEB-V2's three modalities, then the five groups MMEB-V3 adds (VLM2Vec
 * experiments/report_score_v3.py `modality2dataset`, Stars1233/VLM2Vec 44f991d).
 */
export type Modality = 'image' | 'video' | 'visdoc' | 'audio' | 'text' | 'tool' | 'gui' | 'memory';
export type MetaTask =
  | 'I-CLS'
  | 'I-QA'
  | 'I-RET'
  | 'I-VG'
  | 'V-CLS'
  | 'V-QA'
  | 'V-RET'
  | 'V-MRET'
  | 'VD-V1'
  | 'VD-V2'
  | 'VD-VR'
  | 'VD-OOD'
  | 'A-CLS'
  | 'A-RET'
  | 'A-GND'
  | 'T-RET'
  | 'TOOL'
  | 'GUI'
  | 'MEM'
  | 'OMNI';
export type MainMetric = 'hit@1' | 'ndcg_linear@5';
export type RankingMode = 'local' | 'global';
export type ParserFamily =
  | 'image_cls'
  | 'image_qa'
  | 'image_t2i'
  | 'image_i2t'
  | 'image_i2i_vg'
  | 'video_classification'
  | 'ssv2'
  | 'msrvtt'
  | 'msvd'
  | 'didemo'
  | 'youcook2'
  | 'vatex'
  | 'moment_retrieval'
  | 'momentseeker'
  | 'videomme'
  | 'nextqa'
  | 'egoschema'
  | 'mvbench'
  | 'activitynetqa'
  | 'vidore'
  | 'visrag'
  // MMEB-V3 (the dataset_parser values registered in VLM2Vec src/data/eval_dataset/*.py at 44f991d)
  | 'audio_cls'
  | 'clotho_text_audio'
  | 'sounddescs_text_audio'
  | 'audio_ret_speechcoco'
  | 'tutsound_audio_gnd'
  | 'tutsound_audio_gnd_hard'
  | 'ave_retrieval'
  | 'complex_text_retrieve'
  | 'toolde'
  | 'gui'
  | 'memory_retrieval'
  | 'mcmr'
  | 'omniset';

/** The benchmark versions a run can pin (see docs/data.md, "Benchmark versions"); v3 is MMEB-V3. */
export const MMEB_VERSIONS = ['v2.0.0', 'v2.0.1', 'v2.1', 'v3'] as const;
export type MmebVersion = (typeof MMEB_VERSIONS)[number];
export const DEFAULT_MMEB_VERSION: MmebVersion = 'v2.1';
export type Benchmark = 'MMEB-V2' | 'MMEB-V3';

/** The benchmark a version belongs to. */
export function benchmarkOf(version: MmebVersion): Benchmark {
  return version === 'v3' ? 'MMEB-V3' : 'MMEB-V2';
}

/** MMEB-V2's modalities (the order of its tables and score folders). */
export const MODALITIES: Modality[] = ['image', 'video', 'visdoc'];
/** MMEB-V3's eight groups, in report_score_v3.py's processing order. */
export const V3_MODALITIES: Modality[] = ['image', 'video', 'visdoc', 'audio', 'text', 'tool', 'gui', 'memory'];
/** The V3 groups that make up "agent" (report_score_v3.py's commented-out merge). */
export const AGENT_MODALITIES: Modality[] = ['tool', 'gui', 'memory'];

/** The modalities (groups) of a benchmark version. */
export function modalitiesOf(version: MmebVersion): Modality[] {
  return version === 'v3' ? V3_MODALITIES : MODALITIES;
}

export const META_TASKS: Record<Modality, MetaTask[]> = {
  image: ['I-CLS', 'I-QA', 'I-RET', 'I-VG'],
  video: ['V-CLS', 'V-QA', 'V-RET', 'V-MRET'],
  visdoc: ['VD-V1', 'VD-V2', 'VD-VR', 'VD-OOD'],
  audio: ['A-CLS', 'A-RET', 'A-GND'],
  text: ['T-RET'],
  tool: ['TOOL'],
  gui: ['GUI'],
  memory: ['MEM'],
};
/** MMEB-V2's twelve meta-tasks. */
export const ALL_META_TASKS: MetaTask[] = MODALITIES.flatMap((m) => META_TASKS[m]);
/** Every meta-task of a version (V3: V2's twelve plus A-CLS/A-RET/A-GND, T-RET, TOOL, GUI, MEM). */
export function metaTasksOf(version: MmebVersion): MetaTask[] {
  return modalitiesOf(version).flatMap((m) => META_TASKS[m]);
}

export interface HfSource {
  repo: string;
  config?: string;
  split: string;
}

/**
 * Where a task's data sits under an MMEB-V3 data root: the keys of its entry in VLM2Vec's
 * experiments/public/eval/<group>.yaml (Stars1233/VLM2Vec 44f991d), every path relative to the root as eval.py
 * joins it onto --data_basedir. Only the keys the task's parser reads are set.
 */
export interface V3Source {
  /** The YAML key (`text/BRIGHT/aops`, `toolde/web/apibank`, `memory/KnowMeBench`, `NSynth`). */
  key: string;
  queryFile?: string;
  candidateFile?: string;
  qrelsFile?: string;
  dataPath?: string;
  subsetName?: string;
  /** The YAML dataset_split (GUI's q2t/q2s/s2s/t2s). */
  split?: string;
  imageRoot?: string;
  audioRoot?: string;
  videoRoot?: string;
  frameRoot?: string;
  /** Per HF config of a V2 task, its annotation file(s) under the V3 root (image-query/<Task>/test-*.parquet, video-tasks/data/<file>.jsonl). */
  configs?: Record<string, string>;
  /** OmniSET's input_mod, query_mod and cand_mod (cross_modality.yaml): T, I, V, A. */
  inputMod?: ('T' | 'I' | 'V' | 'A')[];
  queryMod?: ('T' | 'I' | 'V' | 'A')[];
  candMod?: ('T' | 'I' | 'V' | 'A')[];
}

export interface TaskSpec {
  name: string;
  /** VLM2Vec's dataset_name where it differs from the YAML key (K700 → Kinetics-700). */
  datasetName?: string;
  modality: Modality;
  meta: MetaTask;
  metric: MainMetric;
  mode: RankingMode;
  parser: ParserFamily;
  scored: boolean;
  hf: HfSource;
  media: { imageRoot?: string; frameRoot?: string; videoRoot?: string };
  numFrames?: number;
  /** VLM2Vec's num_sample_per_subset: keep the first N rows. */
  numSamples?: number;
  instructions?: Record<string, string>;
  /** Label vocabulary file (relative to the catalog folder) for global video classification. */
  labels?: string;
  /** Row filter on query columns (the English-only ViDoRe-V2 variants). */
  filter?: Record<string, string>;
  /** Published number of evaluated queries, per benchmark version. */
  numQueries?: Partial<Record<MmebVersion, number>>;
  /** Other keys under which score files report this task (e.g. ViDoSeek-page-fixed). */
  scoreKeys?: string[];
  /** Where the task's data sits under an MMEB-V3 root (set on every task of the V3 catalog). */
  v3?: V3Source;
  /** Per-version overrides of the Hugging Face source. */
  versions?: Partial<Record<MmebVersion, { hf?: HfSource }>>;
}

/** The HF source a task reads under a given benchmark version. */
export function hfSourceFor(task: TaskSpec, version: MmebVersion): HfSource {
  return task.versions?.[version]?.hf ?? task.hf;
}
