export type Modality = 'image' | 'video' | 'visdoc';
export type MetaTask = 'I-CLS' | 'I-QA' | 'I-RET' | 'I-VG' | 'V-CLS' | 'V-QA' | 'V-RET' | 'V-MRET' | 'VD-V1' | 'VD-V2' | 'VD-VR' | 'VD-OOD';
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
  | 'toolde'
  | 'gui'
  | 'mcmr';

/** The benchmark versions a run can pin (see README "Benchmark versions"). */
export const MMEB_VERSIONS = ['v2.0.0', 'v2.0.1', 'v2.1'] as const;
export type MmebVersion = (typeof MMEB_VERSIONS)[number];
export const DEFAULT_MMEB_VERSION: MmebVersion = 'v2.1';

export const MODALITIES: Modality[] = ['image', 'video', 'visdoc'];
export const META_TASKS: Record<Modality, MetaTask[]> = {
  image: ['I-CLS', 'I-QA', 'I-RET', 'I-VG'],
  video: ['V-CLS', 'V-QA', 'V-RET', 'V-MRET'],
  visdoc: ['VD-V1', 'VD-V2', 'VD-VR', 'VD-OOD'],
};
export const ALL_META_TASKS: MetaTask[] = MODALITIES.flatMap((m) => META_TASKS[m]);

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
