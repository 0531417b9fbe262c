/**
 * Deterministic sharding across machines (Slurm job arrays, Kubernetes Indexed Jobs). Every machine computes
 * the same plan from the same inputs (task list, shard count, benchmark version, whether queries are reasoned
 * about), without talking to the others.
 *
 * The plan balances estimated *work*, not task counts: one MMEB-V2 task (NExTQA: 8,564 eight-frame videos)
 * outweighs dozens of image tasks, so whole-task assignment leaves one machine running long after the rest.
 * A task heavier than half a shard's fair share is split into parts by query ranges: part j of k takes
 * queries [⌊j·n/k⌋, ⌊(j+1)·n/k⌋) of the task's real query list (n is read from the data at run time, so the
 * plan only fixes k). A local task's part needs only its own queries' candidates. A global task's part needs
 * the whole candidate pool: every part asks for it through the shared cache, whose claim files make each
 * candidate computed once, by whichever part reaches it first (see cache-claims.ts); parts are scheduled first
 * on their shards so they run at the same time and divide the pool between them. Without a shared cache each
 * part embeds the whole pool itself: still correct, just more work. `merge` joins the parts back into the
 * folder an unsharded run writes.
 */
import { publishedQueries } from '../catalog/load.js';
import { ConfigError } from '../errors.js';
import type { MmebVersion, ParserFamily, TaskSpec } from '../catalog/types.js';
import type { EvalSet } from '../datasets/types.js';

export interface ShardSpec {
  index: number;
  count: number;
}

/** Where `--shard auto` found its shard. */
export type ShardSource = 'cli' | 'slurm' | 'kubernetes';

/** "i/n" with 0 ≤ i < n (0-based, like JOB_COMPLETION_INDEX; for 1-based Slurm ids pass $((ID-1))). */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(`--shard must look like i/n or auto (got '${text}')`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index >= count) throw new ConfigError(`--shard ${text}: need 0 ≤ i < n`);
  return { index, count };
}

export const MAX_SHARDS = 100_000;

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`--shard auto: ${name}='${v}' is not a non-negative integer`);
  return Number(v.trim());
}

/**
 * `--shard auto`: the shard from the scheduler's environment.
 *  - Slurm job arrays: SLURM_ARRAY_TASK_ID, with SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX (and
 *    SLURM_ARRAY_TASK_STEP for `--array=0-14:2`). Shard = (ID − MIN) / STEP, so `--array=1-8` works too.
 *  - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with `shards` (--shards N) or JOB_COMPLETIONS (the
 *    manifest sets it to spec.completions: Kubernetes does not expose the completion count to the pod).
 * `shards`, when given, must agree with what the scheduler says.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, shards?: number): ShardSpec & { source: ShardSource } {
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)) {
    throw new ConfigError(`--shards must be an integer from 1 to ${MAX_SHARDS} (got ${shards})`);
  }
  const slurmId = envInt(env, 'SLURM_ARRAY_TASK_ID');
  const k8sIndex = envInt(env, 'JOB_COMPLETION_INDEX');
  if (slurmId !== undefined && k8sIndex !== undefined) {
    throw new ConfigError('--shard auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; pass --shard i/n explicitly');
  }
  const check = (index: number, count: number, source: ShardSource, what: string) => {
    if (shards !== undefined && shards !== count) throw new ConfigError(`--shards ${shards} disagrees with ${what} (${count} shards)`);
    if (count < 1 || count > MAX_SHARDS) throw new ConfigError(`--shard auto: ${what} gives ${count} shards (need 1..${MAX_SHARDS})`);
    if (index < 0 || index >= count) throw new ConfigError(`--shard auto: shard ${index} is outside 0..${count - 1} (${what})`);
    return { index, count, source };
  };
  if (slurmId !== undefined) {
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX');
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    if (step < 1) throw new ConfigError('--shard auto: SLURM_ARRAY_TASK_STEP must be ≥ 1');
    const countEnv = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    const count = countEnv ?? (max !== undefined ? Math.floor((max - min) / step) + 1 : shards);
    if (count === undefined)
      throw new ConfigError(
        '--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX (pass --shards N)',
      );
    if ((slurmId - min) % step !== 0 || slurmId < min) {
      throw new ConfigError(
        `--shard auto: array task ${slurmId} is not on the range ${min}-${max ?? '?'}:${step} (use a contiguous --array=0-${count - 1})`,
      );
    }
    return check((slurmId - min) / step, count, 'slurm', 'the Slurm job array');
  }
  if (k8sIndex !== undefined) {
    const count = shards ?? envInt(env, 'JOB_COMPLETIONS');
    if (count === undefined)
      throw new ConfigError(
        "--shard auto: JOB_COMPLETION_INDEX is set but the shard count is not: pass --shards N (the Job's completions) or set JOB_COMPLETIONS",
      );
    return check(k8sIndex, count, 'kubernetes', shards !== undefined ? '--shards' : 'JOB_COMPLETIONS');
  }
  throw new ConfigError(
    '--shard auto found no scheduler shard: run it inside a Slurm job array (sbatch --array=0-N, sets SLURM_ARRAY_TASK_ID) ' +
      'or a Kubernetes Indexed Job (sets JOB_COMPLETION_INDEX), or pass --shard i/n',
  );
}

// ---- work estimate -------------------------------------------------------------------------------------

/** Relative cost of one item by what it carries (roughly its visual tokens in a VLM embedder). */
export const ITEM_COST = { text: 1, image: 8, frame: 4 } as const;
/** Extra cost of a query whose reasoning trace is generated (a few hundred decoded tokens). */
export const REASONING_COST = 24;

/** Label vocabulary sizes of the classification tasks (their text candidates). */
const LABELS: Record<string, number> = {
  'ImageNet-1K': 1000,
  N24News: 24,
  HatefulMemes: 2,
  VOC2007: 20,
  SUN397: 397,
  Place365: 365,
  'ImageNet-A': 200,
  'ImageNet-R': 200,
  ObjectNet: 313,
  Country211: 211,
  K700: 700,
  HMDB51: 51,
  UCF101: 101,
  Breakfast: 10,
  SmthSmthV2: 174,
};
/** Approximate page-corpus sizes of the visual-document tasks (their dataset cards); others default to 1,000. */
const CORPUS: Record<string, number> = {
  ViDoRe_arxivqa: 500,
  ViDoRe_docvqa: 500,
  ViDoRe_infovqa: 500,
  ViDoRe_tabfquad: 70,
  ViDoRe_tatdqa: 277,
  ViDoRe_shiftproject: 1000,
  ViDoRe_syntheticDocQA_artificial_intelligence: 968,
  ViDoRe_syntheticDocQA_energy: 977,
  ViDoRe_syntheticDocQA_government_reports: 972,
  ViDoRe_syntheticDocQA_healthcare_industry: 965,
  ViDoRe_esg_reports_human_labeled_v2: 1538,
  ViDoRe_biomedical_lectures_v2_multilingual: 1016,
  ViDoRe_economics_reports_v2_multilingual: 452,
  ViDoRe_esg_reports_v2_multilingual: 1538,
  VisRAG_ArxivQA: 8066,
  VisRAG_ChartQA: 500,
  'VisRAG_MP-DocVQA': 741,
  VisRAG_SlideVQA: 1284,
  VisRAG_InfoVQA: 459,
  VisRAG_PlotQA: 9593,
  'ViDoSeek-page': 5349,
  'ViDoSeek-doc': 5349,
  'MMLongBench-page': 6492,
  'MMLongBench-doc': 6492,
};

export interface TaskWork {
  queries: number;
  /** Cost of all queries (media + reasoning). */
  queryWork: number;
  /** Estimated unique candidates and their cost. */
  candidates: number;
  candidateWork: number;
  total: number;
}

/**
 * Estimated work of one task: published query count × query cost + estimated unique candidates × candidate
 * cost, by parser family. Local image tasks rank ~1,000-candidate lists drawn from a shared pool (taken as
 * 2 × queries unique items); multiple-choice video QA has ~5 text options per query; moment retrieval ~10
 * clips per query; global retrieval ranks every video / page of the corpus.
 */
export function taskWork(task: TaskSpec, version: MmebVersion, opts: { reasoning?: boolean } = {}): TaskWork {
  const nq = publishedQueries(task, version) ?? 1000;
  const video = (task.numFrames ?? 8) * ITEM_COST.frame;
  const { image, text } = ITEM_COST;
  const table: Record<ParserFamily, [query: number, cand: number, candidates: number]> = {
    image_cls: [image, text, LABELS[task.name] ?? 1000],
    image_qa: [image + text, text, 2 * nq],
    image_t2i: [text, image, 2 * nq],
    image_i2t: [image, text, 2 * nq],
    image_i2i_vg: [image, image, 2 * nq],
    video_classification: [video, text, LABELS[task.name] ?? 400],
    ssv2: [video, text, LABELS[task.name] ?? 174],
    msrvtt: [text, video, nq],
    msvd: [text, video, nq],
    didemo: [text, video, nq],
    youcook2: [text, video, nq],
    vatex: [text, video, nq],
    moment_retrieval: [text + video, video, 10 * nq],
    momentseeker: [text + image, video, 10 * nq],
    videomme: [video + text, text, 4 * nq],
    nextqa: [video + text, text, 5 * nq],
    egoschema: [video + text, text, 5 * nq],
    mvbench: [video + text, text, 4 * nq],
    activitynetqa: [video + text, text, 2],
    vidore: [text, image, CORPUS[task.name] ?? 1000],
    visrag: [text, image, CORPUS[task.name] ?? 1000],
    // MMEB-V3's families: rough shapes (an audio clip costs as an image; corpus sizes unknown, taken as nq).
    audio_cls: [image, text, 50],
    clotho_text_audio: [text, image, nq],
    sounddescs_text_audio: [text, image, nq],
    audio_ret_speechcoco: [image, image, nq],
    ave_retrieval: [image, video, nq],
    tutsound_audio_gnd: [image, image, 50 * nq],
    tutsound_audio_gnd_hard: [image, image, 50 * nq],
    complex_text_retrieve: [text, text, 10 * nq],
    toolde: [text, text, 10 * nq],
    gui: [text + image, text + image, 2 * nq],
    memory_retrieval: [text, text, 10 * nq],
    mcmr: [text, image + text, 10 * nq],
    omniset: [image, image, 4 * 13],
  };
  const [q, c, nc] = table[task.parser];
  const queryWork = nq * (q + (opts.reasoning ? REASONING_COST : 0));
  return { queries: nq, queryWork, candidates: nc, candidateWork: nc * c, total: queryWork + nc * c };
}

// ---- the plan ------------------------------------------------------------------------------------------

/** One piece of a shard: a whole task (parts = 1) or part `part` of `parts` of it. */
export interface ShardUnit {
  task: string;
  part: number;
  parts: number;
  work: number;
}

export interface ShardPlan {
  count: number;
  shards: { units: ShardUnit[]; work: number }[];
  total: number;
  mean: number;
  /** Heaviest shard / mean. */
  imbalance: number;
}

export interface PlanOptions {
  reasoning?: boolean;
  /** Target for the heaviest shard relative to the mean (default 1.1); splitting stops once it is met. */
  target?: number;
}

/**
 * Longest-processing-time-first over units, each task split into k parts where its work exceeds a cap.
 * The cap starts at half the mean shard load and shrinks until the heaviest shard is within `target` × mean
 * (or no task can be split further). Parts of one task go to different shards; ties break by catalog order.
 */
export function planShards(tasks: TaskSpec[], count: number, version: MmebVersion, opts: PlanOptions = {}): ShardPlan {
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`shard count must be a positive integer (got ${count})`);
  const work = tasks.map((t) => taskWork(t, version, opts));
  const total = work.reduce((a, w) => a + w.total, 0);
  const mean = total / count;
  const target = opts.target ?? 1.1;
  let best: ShardPlan | null = null;
  for (let cap = mean / 2, round = 0; round < 12; cap *= 0.75, round++) {
    const units: (ShardUnit & { order: number })[] = [];
    tasks.forEach((t, i) => {
      const parts = Math.max(1, Math.min(count, work[i].queries, Math.ceil(work[i].total / cap)));
      for (let p = 0; p < parts; p++) units.push({ task: t.name, part: p, parts, work: work[i].total / parts, order: i });
    });
    units.sort((a, b) => b.work - a.work || a.order - b.order || a.part - b.part);
    const shards = Array.from({ length: count }, () => ({
      units: [] as (ShardUnit & { order: number })[],
      work: 0,
      tasks: new Set<string>(),
    }));
    for (const u of units) {
      let target = -1;
      for (let k = 0; k < count; k++) {
        if (shards[k].tasks.has(u.task)) continue;
        if (target < 0 || shards[k].work < shards[target].work) target = k;
      }
      shards[target].units.push(u);
      shards[target].work += u.work;
      shards[target].tasks.add(u.task);
    }
    const plan: ShardPlan = {
      count,
      total,
      mean,
      imbalance: mean > 0 ? Math.max(...shards.map((s) => s.work)) / mean : 1,
      // split parts first (they share a global pool through the cache best when they run at once), then catalog order
      shards: shards.map((s) => ({
        work: s.work,
        units: s.units
          .sort((a, b) => Number(b.parts > 1) - Number(a.parts > 1) || a.order - b.order)
          .map(({ task, part, parts, work: w }) => ({ task, part, parts, work: w })),
      })),
    };
    if (!best || plan.imbalance < best.imbalance - 1e-9) best = plan;
    if (plan.imbalance <= target) break;
  }
  return best as ShardPlan;
}

/** The units one shard runs, with their tasks. */
export function shardUnits(
  tasks: TaskSpec[],
  shard: ShardSpec,
  version: MmebVersion,
  opts: PlanOptions = {},
): { task: TaskSpec; part: number; parts: number }[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  return planShards(tasks, shard.count, version, opts).shards[shard.index].units.map((u) => ({
    task: byName.get(u.task) as TaskSpec,
    part: u.part,
    parts: u.parts,
  }));
}

/** Query range [start, end) of part `part` of `parts` over n queries. */
export function partRange(n: number, part: number, parts: number): [number, number] {
  return [Math.floor((part * n) / parts), Math.floor(((part + 1) * n) / parts)];
}

/**
 * The EvalSet of one part: its query range; a local task keeps only the candidates those queries list (pool
 * order kept), a global task the whole pool (its queries are ranked against all of it).
 */
export function sliceEvalSet(evalSet: EvalSet, part: number, parts: number): { evalSet: EvalSet; range: [number, number] } {
  const range = partRange(evalSet.queries.length, part, parts);
  const queries = evalSet.queries.slice(range[0], range[1]);
  if (evalSet.mode === 'global') return { evalSet: { ...evalSet, queries }, range };
  const needed = new Set(queries.flatMap((q) => q.candidateIds ?? []));
  return { evalSet: { ...evalSet, queries, candidates: evalSet.candidates.filter((c) => needed.has(c.id)) }, range };
}

/** A readable table of a plan (for `tte-bench plan`). */
export function formatPlan(plan: ShardPlan): string {
  const lines = [
    `${plan.count} shard(s), estimated work ${Math.round(plan.total)} units, mean ${Math.round(plan.mean)} per shard, heaviest ${plan.imbalance.toFixed(3)}× the mean`,
  ];
  plan.shards.forEach((s, i) => {
    const units = s.units.map((u) => (u.parts > 1 ? `${u.task}[${u.part + 1}/${u.parts}]` : u.task));
    lines.push(
      `shard ${i}: ${Math.round(s.work)} units (${(s.work / plan.mean).toFixed(3)}×), ${units.length} unit(s): ${units.join(', ')}`,
    );
  });
  return lines.join('\n') + '\n';
}

/**
 * What `run --shard` runs: the shard ("i/n", or "auto" from the scheduler's environment), its tasks in plan
 * order and the parts among them, plus the manifest record `merge` checks.
 */
export function resolveShard(
  text: string,
  shards: number | undefined,
  tasks: TaskSpec[],
  version: MmebVersion,
  backend: { reasoner: unknown; pipeline: string },
  env: NodeJS.ProcessEnv,
): {
  shard: ShardSpec & { allTasks: string[]; source: ShardSource };
  tasks: TaskSpec[];
  parts: Record<string, { part: number; parts: number }>;
} {
  const spec = text.trim() === 'auto' ? shardFromEnv(env, shards) : { ...parseShard(text), source: 'cli' as const };
  if (text.trim() !== 'auto' && shards !== undefined && shards !== spec.count)
    throw new ConfigError(`--shards ${shards} disagrees with --shard ${text}`);
  const units = shardUnits(tasks, spec, version, { reasoning: backend.reasoner !== null || backend.pipeline === 'unified' });
  const parts: Record<string, { part: number; parts: number }> = {};
  for (const u of units) if (u.parts > 1) parts[u.task.name] = { part: u.part, parts: u.parts };
  return {
    shard: { index: spec.index, count: spec.count, source: spec.source, allTasks: tasks.map((t) => t.name) },
    tasks: units.map((u) => u.task),
    parts,
  };
}
