/**
 * catalog TaskSpec + data root → EvalSet. The adapter builds queries with their own candidates; this
 * module pools the candidates as VLM2Vec's generate_cand_dataset does (every query's candidates in
 * query order, then the corpus; the first occurrence of an id wins with its text and media).
 */
import { join } from 'node:path';
import type { Catalog } from '../catalog/load.js';
import { catalogFor } from '../catalog/load.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { DEFAULT_MMEB_VERSION } from '../catalog/types.js';
import { AdapterContext, type DataProblem, type ItemDraft, type QueryDraft } from './context.js';
import { DEFAULT_EVAL_PROFILE, loadEvalProfile, taskProfile, type EvalProfileName, type TaskProfile } from '../catalog/profiles.js';
import { DataRoot } from '../items/data-root.js';
import { adapterFor } from './registry.js';
import { applyFormat } from '../items/plain.js';
import { renderVlm2vec } from '../items/vlm2vec.js';
import type { EvalSet, Item, TextFormat } from '../items/types.js';

export interface LoadOptions {
  dataRoot: string;
  /** Where the HF snapshots live; default <data-root>/hf. */
  hfRoot?: string;
  version?: MmebVersion;
  format?: TextFormat;
  /** Eval profile (default vlm2vec: the catalog as it is). */
  profile?: EvalProfileName;
  catalog?: Catalog;
  /** Collect media problems instead of failing on the first (what `validate` uses). */
  collectProblems?: boolean;
  /** Rows to leave out, as `file#row` (validate rebuilds a task without each malformed row it found). */
  skipRows?: ReadonlySet<string>;
}

export interface LoadResult {
  evalSet: EvalSet;
  problems: DataProblem[];
  /** Missing or empty frame folders whose raw video the data names. */
  extractable: { frameDir: string; video: string }[];
}

/**
 * An eval profile's overrides applied to an adapter's drafts: query instructions (per query kind for
 * MomentSeeker: text, image or video query, told apart by the query's media) and candidate instructions.
 * Frame counts are applied before the adapter runs (the task's numFrames, the context's candidate count).
 */
function applyProfile(tp: TaskProfile, queries: QueryDraft[], corpus: ItemDraft[]): void {
  const withInstruction = (d: ItemDraft, instruction: string | undefined): void => {
    if (instruction !== undefined) d.parts = { ...d.parts, instruction };
  };
  for (const q of queries) {
    const kind = q.media.some((m) => m.kind === 'frames')
      ? 'videoQuery'
      : q.media.some((m) => m.kind === 'image')
        ? 'imageQuery'
        : 'textQuery';
    withInstruction(q, tp.queryInstructions?.[kind] ?? tp.queryInstruction);
    for (const c of q.candidates) withInstruction(c, tp.candidateInstruction);
  }
  for (const c of corpus) withInstruction(c, tp.candidateInstruction);
}

export async function loadEvalSet(task: TaskSpec, opts: LoadOptions): Promise<LoadResult> {
  const root = new DataRoot(opts.dataRoot);
  const version = opts.version ?? DEFAULT_MMEB_VERSION;
  const format = opts.format ?? 'qwen2-vl';
  const profile = opts.profile ?? DEFAULT_EVAL_PROFILE;
  const tp = taskProfile(loadEvalProfile(profile), task.name);
  const ctx = new AdapterContext(
    tp?.numFrames !== undefined ? { ...task, numFrames: tp.numFrames } : task,
    version,
    root,
    opts.hfRoot ?? join(root.dir, 'hf'),
    opts.catalog ?? catalogFor(version),
    !opts.collectProblems,
    opts.skipRows,
  );
  ctx.candidateNumFrames = tp?.candidateNumFrames;
  ctx.vlm2vecFrameRules = profile === DEFAULT_EVAL_PROFILE;
  ctx.textRule = tp?.textRule;
  const { queries, corpus, labelShape, tolerates } = await adapterFor(task)(ctx);
  if (tp) applyProfile(tp, queries, corpus);
  // The stored string is VLM2Vec's Qwen2-VL rendering of the parts (or its placeholder-free `plain` form).
  const item = (d: ItemDraft): Item => ({
    id: d.id,
    text: applyFormat(renderVlm2vec(d.parts, d.media), format),
    media: d.media,
    parts: d.parts,
  });
  const mode = rankingMode(task, version, queries, ctx);
  const pool = new Map<string, Item>();
  const add = (c: ItemDraft): void => {
    if (!pool.has(c.id)) pool.set(c.id, item(c));
  };
  for (const q of queries) q.candidates.forEach(add);
  corpus.forEach(add);
  const evalSet: EvalSet = {
    task,
    version,
    profile,
    format,
    mode,
    ...(labelShape ? { labelShape } : {}),
    queries: queries.map((q) => ({
      ...item(q),
      candidateIds: mode === 'local' ? q.candidates.map((c) => c.id) : null,
      gold: q.gold,
      relScores: q.relScores,
      source: q.source,
    })),
    candidates: [...pool.values()],
    inlineMedia: ctx.inlineMedia,
    dataFiles: ctx.dataFiles,
  };
  const tolerated = new Set(tolerates);
  checkStructure(evalSet, ctx, tolerated);
  // a corpus (document collection, label vocabulary) names each entry once: a repeated id would silently keep one
  // (unless the family's VLM2Vec parser pools such a corpus on purpose, first row winning)
  const corpusIds = new Set<string>();
  for (const c of corpus) {
    if (corpusIds.has(c.id) && !tolerated.has('repeated-corpus-id')) ctx.problem(`corpus id '${c.id}' appears twice`, {});
    corpusIds.add(c.id);
  }
  return { evalSet, problems: ctx.problems, extractable: ctx.extractable };
}

/**
 * The task's ranking mode. MMEB-V3's eval.py (VLM2Vec 44f991d, lines 470-481) ranks a whole local task globally
 * when any of its queries has no candidates of its own (an empty cand_names), with a printed note; tte-bench
 * does the same under v3 and records it as a warning. MMEB-V2's eval.py cannot rank such a query (np.stack of
 * nothing), so under v2 the structural check refuses it.
 */
function rankingMode(task: TaskSpec, version: MmebVersion, queries: QueryDraft[], ctx: AdapterContext): 'local' | 'global' {
  if (task.mode !== 'local' || version !== 'v3') return task.mode;
  const empty = queries.filter((q) => !q.candidates.length);
  if (!empty.length) return 'local';
  ctx.warn(
    `${empty.length} of ${queries.length} queries (first: '${empty[0].id}') have no candidates of their own: the whole task is ` +
      "ranked globally over its candidate pool, as VLM2Vec's MMEB-V3 eval.py does",
    empty[0].source ? { file: empty[0].source.file, row: empty[0].source.row } : {},
  );
  return 'global';
}

/**
 * What every EvalSet must satisfy whatever its format: query ids unique (predictions and comparisons are
 * keyed by them), every local query with candidates, every gold id naming a candidate of the pool (a
 * label or qrel naming an unknown document would silently make its query unanswerable) — except what the
 * family's VLM2Vec parser keeps on purpose (`tolerated`: MMEB-V3's text and memory tasks keep repeated query
 * ids, queries without qrels and qrels naming no document, and score those queries 0).
 */
function checkStructure(evalSet: EvalSet, ctx: AdapterContext, tolerated: ReadonlySet<string>): void {
  const pooled = new Set(evalSet.candidates.map((c) => c.id));
  const seen = new Map<string, number>();
  evalSet.queries.forEach((q, i) => {
    const where = q.source ? { file: q.source.file, row: q.source.row } : {};
    const first = seen.get(q.id);
    if (first !== undefined && !tolerated.has('repeated-query-id'))
      ctx.problem(`query id '${q.id}' appears twice (queries ${first} and ${i})`, where);
    else if (first === undefined) seen.set(q.id, i);
    if (evalSet.mode === 'local' && !q.candidateIds?.length) ctx.problem(`query '${q.id}' has an empty candidate list`, where);
    if (!q.gold.length && !tolerated.has('no-gold')) ctx.problem(`query '${q.id}' has no gold label`, where);
    for (const g of q.gold) {
      const listed = evalSet.mode === 'local' ? (q.candidateIds ?? []).includes(g) : pooled.has(g);
      if (!listed && !tolerated.has('unpooled-gold'))
        ctx.problem(
          `query '${q.id}': gold '${g}' names no ${evalSet.mode === 'local' ? 'candidate of the query' : 'document of the candidate pool'}`,
          where,
        );
    }
  });
}
