/**
 * Comparing runs. Two uses:
 *  - the regression gate: baseline vs candidate, each a run folder or any folder of VLM2Vec
 *    `{task}_score.json`; per-task main metric (×100) and the meta-task / modality / overall means over the
 *    common tasks; a drop beyond the tolerance is a regression;
 *  - ablation: A vs B [vs C …] with paired bootstrap confidence intervals over queries (recomputed from
 *    pred.jsonl), per task and per meta-task, flagged where the interval excludes 0.
 */
import { existsSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { catalogFor, getTask, loadCatalog } from '../catalog/load.js';
import type { TaskSpec } from '../catalog/types.js';
import { AGENT_MODALITIES, ALL_META_TASKS, MODALITIES, metaTasksOf, modalitiesOf } from '../catalog/types.js';
import { rollUp } from '../metrics/aggregate.js';
import { pairedBootstrap, seedFor, type DeltaCI } from './bootstrap.js';
import { mainScores, parseSourceSpec, readScoreSource } from './score-files.js';
import { readCosts, readSummary } from './run-folder.js';
import { price, sumCosts, type PriceTable } from './costs.js';
import { queryIds, readTraceLines } from './items.js';
import { holm, mcnemarOf, type McNemar } from './stats.js';
import { readPredictionFile } from '../metrics/pred-file.js';
import { perQueryMetrics } from '../metrics/ranking.js';
import { readJsonFile } from '../util/json.js';
import type { RunSummary, TaskCost } from './results.js';

export interface GateOptions {
  maxDrop: number;
  perTaskMaxDrop?: number;
  allowMissing?: boolean;
  /** Compare tasks scored on different numbers of queries (refused by default). */
  allowDifferentData?: boolean;
}

export interface GateLine {
  level: 'task' | 'meta' | 'modality' | 'overall';
  name: string;
  baseline: number;
  candidate: number;
  drop: number;
  limit: number;
  regression: boolean;
}

export interface GateResult {
  ok: boolean;
  lines: GateLine[];
  regressions: GateLine[];
  onlyBaseline: string[];
  onlyCandidate: string[];
  /**
   * What the two sides measured differently, compared anyway (only with allowDifferentData): the benchmark
   * version or eval profile of two run folders, or a common task's number of queries (`<task> num_data`).
   */
  differentData: GateDifference[];
}

export interface GateDifference {
  what: string;
  baseline: string | number;
  candidate: string | number;
}

const describeDifferences = (ds: GateDifference[]) =>
  ds.map((d) => `${d.what} (baseline ${d.baseline}, candidate ${d.candidate})`).join('; ');

/** The benchmark version and eval profile a run folder's scores were measured on; null for other score sources. */
function measuredOn(source: string): Record<'benchmark version' | 'eval profile', string> | null {
  const { path } = parseSourceSpec(source);
  if (!existsSync(join(path, 'summary.json'))) return null;
  const summary = readSummary(path);
  return { 'benchmark version': summary.mmeb_version, 'eval profile': evalProfileOf(summary, readManifest(path)) };
}

export function regressionGate(baselineDir: string, candidateDir: string, opts: GateOptions): GateResult {
  const [baseScores, candScores] = [readScoreSource(baselineDir), readScoreSource(candidateDir)];
  // MMEB-V3's tasks and columns when either side is V3 (its eight groups, agent and meta-tasks)
  const v3 = baseScores.version === 'v3' || candScores.version === 'v3';
  const catalog = v3 ? catalogFor('v3') : loadCatalog();
  const base = mainScores(baseScores, catalog.tasks);
  const cand = mainScores(candScores, catalog.tasks);
  const onlyBaseline = [...base.keys()].filter((t) => !cand.has(t));
  const onlyCandidate = [...cand.keys()].filter((t) => !base.has(t));
  if ((onlyBaseline.length || onlyCandidate.length) && !opts.allowMissing) {
    throw new DataError(
      `the two sides cover different tasks (only in baseline: ${onlyBaseline.join(', ') || 'none'}; only in candidate: ${onlyCandidate.join(', ') || 'none'}); pass --allow-missing to compare the common tasks`,
    );
  }
  const common = catalog.tasks.filter((t) => base.has(t.name) && cand.has(t.name));
  if (!common.length) throw new DataError('no task in common between baseline and candidate');
  // Two runs of another benchmark version or eval profile, or a task scored on another number of queries (a
  // partial data root, another split), are other measurements: a drop or gain there says nothing about the
  // model, and a gate passing on it is wrong. Plain score files record only num_data; run folders say more.
  const differentData: GateDifference[] = [];
  const [baseOn, candOn] = [measuredOn(baselineDir), measuredOn(candidateDir)];
  if (baseOn && candOn) {
    for (const what of ['benchmark version', 'eval profile'] as const)
      if (baseOn[what] !== candOn[what]) differentData.push({ what, baseline: baseOn[what], candidate: candOn[what] });
  }
  for (const t of common) {
    const [b, c] = [baseScores.scores.get(t.name)?.num_data, candScores.scores.get(t.name)?.num_data];
    if (typeof b === 'number' && typeof c === 'number' && b !== c)
      differentData.push({ what: `${t.name} num_data`, baseline: b, candidate: c });
  }
  if (differentData.length && !opts.allowDifferentData) {
    throw new DataError(
      `the two sides measured different things: ${describeDifferences(differentData)}; pass --allow-different-data to compare them anyway`,
    );
  }
  const taskLimit = opts.perTaskMaxDrop ?? opts.maxDrop;
  const lines: GateLine[] = common.map((t) => {
    const [b, c] = [(base.get(t.name) as number) * 100, (cand.get(t.name) as number) * 100];
    return { level: 'task', name: t.name, baseline: b, candidate: c, drop: b - c, limit: taskLimit, regression: b - c > taskLimit + 1e-9 };
  });
  const rb = rollUp(base, common, { scale: 100, ...(v3 ? { version: 'v3' as const } : {}) });
  const rc = rollUp(cand, common, { scale: 100, ...(v3 ? { version: 'v3' as const } : {}) });
  const agg = (level: GateLine['level'], name: string, b: number | null, c: number | null) => {
    if (b === null || c === null) return;
    lines.push({ level, name, baseline: b, candidate: c, drop: b - c, limit: opts.maxDrop, regression: b - c > opts.maxDrop + 1e-9 });
  };
  for (const m of v3 ? metaTasksOf('v3') : ALL_META_TASKS) agg('meta', m, rb.meta[m], rc.meta[m]);
  for (const m of v3 ? modalitiesOf('v3') : MODALITIES) agg('modality', m, rb.modalities[m], rc.modalities[m]);
  if (v3) agg('modality', 'agent', rb.modalities.agent ?? null, rc.modalities.agent ?? null);
  agg('overall', 'overall', rb.overall, rc.overall);
  const regressions = lines.filter((l) => l.regression);
  return { ok: regressions.length === 0, lines, regressions, onlyBaseline, onlyCandidate, differentData };
}

export function formatGate(r: GateResult): string {
  const out: string[] = [];
  if (r.onlyBaseline.length || r.onlyCandidate.length) {
    out.push(
      `note: compared on common tasks only (only in baseline: ${r.onlyBaseline.join(', ') || 'none'}; only in candidate: ${r.onlyCandidate.join(', ') || 'none'})`,
    );
  }
  if (r.differentData?.length) {
    out.push(`note: the two sides measured different things, compared anyway: ${describeDifferences(r.differentData)}`);
  }
  if (r.ok) {
    out.push(`OK: no regression beyond tolerance (${r.lines.filter((l) => l.level === 'task').length} task(s) compared)`);
    const o = r.lines.find((l) => l.level === 'overall');
    if (o)
      out.push(
        `overall ${o.baseline.toFixed(2)} → ${o.candidate.toFixed(2)} (${(o.candidate - o.baseline >= 0 ? '+' : '') + (o.candidate - o.baseline).toFixed(2)})`,
      );
  } else {
    out.push(`REGRESSION: ${r.regressions.length} score(s) dropped beyond tolerance`);
    for (const l of r.regressions) {
      out.push(
        `  ${l.level.padEnd(8)} ${l.name.padEnd(44)} ${l.baseline.toFixed(2).padStart(6)} → ${l.candidate.toFixed(2).padStart(6)}  drop ${l.drop.toFixed(2)} > ${l.limit}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** Bounds of the numeric options of `compare`: each refused outside them (exit 2), never silently clamped. */
export const COMPARE_BOUNDS = {
  resamples: { min: 1, max: 1_000_000, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  level: { min: 0.5, max: 0.999, integer: false },
  maxDrop: { min: 0, max: 100, integer: false },
} as const;

export function checkBound(option: string, value: number, b: { min: number; max: number; integer: boolean }): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < b.min || value > b.max || (b.integer && !Number.isInteger(value))) {
    // a `type: 'number'` option reaches here as NaN when the value was not a number (as in cli/bounds.ts's intIn)
    const got = Number.isNaN(value) ? 'a value that is not a number' : String(value);
    throw new ConfigError(`--${option} must be ${b.integer ? 'an integer' : 'a number'} from ${b.min} to ${b.max}, got ${got}`);
  }
  return value;
}

export interface AblationRow {
  level: 'task' | 'meta' | 'modality' | 'overall';
  name: string;
  /** Main metric ×100 of each run, in argument order, over the paired queries. */
  scores: (number | null)[];
  /** Delta of each later run against the first (×100), with its bootstrap CI (null for A itself). */
  deltas: (DeltaCI | null)[];
  /** Tasks only: exact McNemar test of Hit@1 against A, with the Holm-adjusted p over the tasks compared. */
  mcnemar?: ((McNemar & { pHolm: number }) | null)[];
}

export interface AblationOptions {
  resamples?: number;
  seed?: number;
  level?: number;
  /** Compare runs of different benchmark versions, eval profiles or task data (on the queries they share). */
  allowDifferentData?: boolean;
  prices?: PriceTable;
}

export interface RunInfo {
  dir: string;
  /** A, B, C, … */
  label: string;
  name: string;
  pipeline: string;
  reasoner: string | null;
  embedder: string;
  mmebVersion: string;
  profile: string;
}

export interface TaskFlips {
  task: string;
  /** Per later run j (index j-1): query ids whose Hit@1 went 0 → 1 (helped) and 1 → 0 (hurt) against A. */
  runs: { helped: string[]; hurt: string[] }[];
}

export interface RunCost {
  queries: number;
  reasonerTokens: number;
  promptTokens: number;
  completionTokens: number;
  reasonCalls: number;
  busySeconds: number;
  wallSeconds: number;
  tokensPerQuery: number;
  busyMsPerQuery: number;
  money: number | null;
}

export interface Ablation {
  runs: RunInfo[];
  rows: AblationRow[];
  flips: TaskFlips[];
  costs: RunCost[];
  currency: string | null;
  /** Paired query keys per task in A's order (id, or id#n for the n-th repeat of an id). */
  paired: Record<string, string[]>;
  resamples: number;
  seed: number;
  level: number;
  notes: string[];
}

interface RunFolder {
  info: RunInfo;
  scores: Map<string, number>;
  manifest: {
    data_root?: string;
    eval_profile?: string;
    tasks?: Record<string, { data?: { file: string; size: number; sha256?: string }[] }>;
  } | null;
  costs: Record<string, TaskCost>;
}

function readManifest(dir: string): RunFolder['manifest'] {
  const file = join(dir, 'manifest.json');
  return existsSync(file) ? readJsonFile<RunFolder['manifest']>(file) : null;
}

/** Result files written before the eval profile was recorded were all made with VLM2Vec's. */
const evalProfileOf = (summary: RunSummary, manifest: RunFolder['manifest']) => summary.eval_profile ?? manifest?.eval_profile ?? 'vlm2vec';

function openRun(dir: string, i: number): RunFolder {
  if (!existsSync(dir)) throw new DataError('no such folder', { file: dir });
  const summary = readSummary(dir);
  const manifest = readManifest(dir);
  const model = (c: Record<string, unknown> | null) => (c ? String(c.model ?? c.path ?? c.type) : null);
  return {
    info: {
      dir,
      label: String.fromCharCode(65 + i),
      name: summary.backend.name,
      pipeline: summary.backend.pipeline,
      reasoner: model(summary.backend.reasoner),
      embedder: model(summary.backend.embedder) as string,
      mmebVersion: summary.mmeb_version,
      profile: evalProfileOf(summary, manifest),
    },
    scores: new Map(summary.tasks.map((t) => [t.name, t.main_score])),
    manifest,
    costs: readCosts(dir),
  };
}

/** A task's data files as comparable facts: path inside the data root (or as recorded), size, and a content hash when recorded. */
function dataFacts(run: RunFolder, task: string): string | null {
  const data = run.manifest?.tasks?.[task]?.data;
  if (!Array.isArray(data)) return null;
  const root = run.manifest?.data_root;
  return JSON.stringify(
    data
      .map((d) => {
        const rel = root && isAbsolute(d.file) ? relative(root, d.file) : d.file;
        return { file: rel.startsWith('..') ? d.file : rel, size: d.size, sha256: d.sha256 ?? null };
      })
      .sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0)),
  );
}

/** Keys that name each query: its id, and `id#n` for the n-th repeat of an id (some tasks repeat query ids). */
function occurrenceKeys(ids: string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    return n ? `${id}#${n}` : id;
  });
}

/** Per-query main metric and Hit@1 of one run on one task, keyed by query. */
function perQueryById(dir: string, task: TaskSpec): { keys: string[]; main: Map<string, number>; hit: Map<string, number> } {
  const predFile = join(dir, `${task.name}_pred.jsonl`);
  if (!existsSync(predFile)) throw new DataError(`no predictions for ${task.name}`, { file: predFile });
  const ids = queryIds(dir, task.name);
  if (!ids) {
    throw new DataError(
      `cannot pair queries by id: the run folder names no query ids for ${task.name} (no ${task.name}_items.json or ${task.name}_traces.jsonl); rerun it with this version`,
      { file: dir },
    );
  }
  const preds = readPredictionFile(predFile);
  if (preds.length !== ids.length) throw new DataError(`${preds.length} predictions but ${ids.length} query ids`, { file: predFile });
  const keys = occurrenceKeys(ids);
  const main = new Map<string, number>();
  const hit = new Map<string, number>();
  preds.forEach((p, i) => {
    const m = perQueryMetrics(p);
    main.set(keys[i], m[task.metric]);
    hit.set(keys[i], m['hit@1']);
  });
  return { keys, main, hit };
}

/**
 * A vs B [vs C …]: per task, meta-task, modality and overall, each run's score and its delta against A with a
 * paired bootstrap CI over queries paired by id; per task an exact McNemar test of Hit@1 (Holm-adjusted over the
 * tasks), the queries each run helped or hurt, and what each run cost. Runs of different benchmark versions,
 * eval profiles or task data are refused unless `allowDifferentData` (then only queries both name are paired).
 */
export function ablation(dirs: string[], opts: AblationOptions = {}): Ablation {
  if (dirs.length < 2) throw new DataError('compare needs at least two runs');
  if (dirs.length > 26) throw new ConfigError(`compare takes at most 26 runs (labelled A–Z), got ${dirs.length}`);
  const resamples = checkBound('resamples', opts.resamples ?? 1000, COMPARE_BOUNDS.resamples);
  const seed = checkBound('seed', opts.seed ?? 0, COMPARE_BOUNDS.seed);
  const level = checkBound('level', opts.level ?? 0.95, COMPARE_BOUNDS.level);
  const runs = dirs.map(openRun);
  const notes: string[] = [];
  const names = [...runs[0].scores.keys()].filter((t) => runs.every((r) => r.scores.has(t)));
  const v3 = runs.some((r) => r.info.mmebVersion === 'v3');
  const tasks: TaskSpec[] = names.map((n) => getTask(n, v3 ? catalogFor('v3') : loadCatalog()));
  if (!tasks.length) throw new DataError('the runs have no task in common');
  const skipped = [...new Set(runs.flatMap((r) => [...r.scores.keys()]))].filter((t) => !names.includes(t));
  if (skipped.length) notes.push(`Tasks not in every run were left out: ${skipped.join(', ')}.`);

  // the same benchmark, the same profile, the same data: otherwise a delta measures the data, not the runs
  const differences: string[] = [];
  for (const [field, get] of [
    ['benchmark version', (r: RunFolder) => r.info.mmebVersion],
    ['eval profile', (r: RunFolder) => r.info.profile],
  ] as const) {
    const vals = runs.map(get);
    if (vals.some((v) => v !== vals[0])) differences.push(`${field}: ${runs.map((r, i) => `${r.info.label}=${vals[i]}`).join(', ')}`);
  }
  for (const t of tasks) {
    const facts = runs.map((r) => dataFacts(r, t.name));
    if (facts.some((f) => f === null))
      differences.push(
        `${t.name}: data fingerprint not recorded in ${runs
          .filter((_, i) => facts[i] === null)
          .map((r) => join(r.info.dir, 'manifest.json'))
          .join(', ')}`,
      );
    else if (facts.some((f) => f !== facts[0]))
      differences.push(
        `${t.name}: data files differ (${runs
          .filter((_, i) => facts[i] !== facts[0])
          .map((r) => r.info.label)
          .join(', ')} vs A)`,
      );
  }

  const per = new Map<string, ReturnType<typeof perQueryById>[]>();
  const paired: Record<string, string[]> = {};
  for (const t of tasks) {
    const v = dirs.map((d) => perQueryById(d, t));
    per.set(t.name, v);
    const common = v[0].keys.filter((k) => v.every((x) => x.main.has(k)));
    const unpaired = v.map((x) => x.keys.length - common.length);
    if (unpaired.some((n) => n > 0))
      differences.push(
        `${t.name}: query ids differ (${runs.map((r, i) => `${r.info.label} ${unpaired[i]} unpaired of ${v[i].keys.length}`).join(', ')})`,
      );
    if (!common.length) throw new DataError(`${t.name}: the runs share no query id`);
    paired[t.name] = common;
  }
  if (differences.length && !opts.allowDifferentData) {
    throw new DataError(
      `the runs differ in what they measured, so their scores are not comparable:\n  ${differences.join('\n  ')}\npass --allow-different-data to compare them anyway (on the queries they share)`,
    );
  }
  if (differences.length) notes.push(`Compared with --allow-different-data despite: ${differences.join('; ')}.`);

  const values = (t: string, j: number, which: 'main' | 'hit') =>
    paired[t].map((k) => (per.get(t) as ReturnType<typeof perQueryById>[])[j][which].get(k) as number);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ciFor = (group: TaskSpec[], j: number, name: string): DeltaCI =>
    pairedBootstrap(
      group.map((t) => ({ a: values(t.name, 0, 'main').map((x) => x * 100), b: values(t.name, j, 'main').map((x) => x * 100) })),
      { resamples, seed: seedFor(seed, name), level },
    );
  // scores over the paired queries (identical to the score files when every query pairs)
  const pairedScore = new Map(tasks.map((t) => [t.name, runs.map((_, j) => mean(values(t.name, j, 'main')))]));

  const rows: AblationRow[] = [];
  const tests = runs.map((_, j) => (j === 0 ? null : tasks.map((t) => mcnemarOf(values(t.name, 0, 'hit'), values(t.name, j, 'hit')))));
  const adjusted = tests.map((ts) => (ts ? holm(ts.map((x) => x.p)) : null));
  tasks.forEach((t, ti) => {
    rows.push({
      level: 'task',
      name: t.name,
      scores: (pairedScore.get(t.name) as number[]).map((x) => x * 100),
      deltas: dirs.map((_, j) => (j === 0 ? null : ciFor([t], j, t.name))),
      mcnemar: runs.map((_, j) => (j === 0 ? null : { ...(tests[j] as McNemar[])[ti], pHolm: (adjusted[j] as number[])[ti] })),
    });
  });
  // the roll-up rows are over scored tasks only, as rollUp's means are (an unscored task keeps its own row)
  const scored = tasks.filter((t) => t.scored);
  const groups: [AblationRow['level'], string, TaskSpec[]][] = [
    ...(v3 ? metaTasksOf('v3') : ALL_META_TASKS).map(
      (m) => ['meta', m, scored.filter((t) => t.meta === m)] as [AblationRow['level'], string, TaskSpec[]],
    ),
    ...(v3 ? modalitiesOf('v3') : MODALITIES).map(
      (m) => ['modality', m, scored.filter((t) => t.modality === m)] as [AblationRow['level'], string, TaskSpec[]],
    ),
    // MMEB-V3's agent: the tool, gui and memory tasks together
    ...(v3
      ? [['modality', 'agent', scored.filter((t) => AGENT_MODALITIES.includes(t.modality))] as [AblationRow['level'], string, TaskSpec[]]]
      : []),
    ['overall', 'overall', scored],
  ];
  for (const [lvl, name, group] of groups) {
    if (!group.length) continue;
    const means = runs.map(
      (_, j) => rollUp(new Map(group.map((t) => [t.name, (pairedScore.get(t.name) as number[])[j]])), group, { scale: 100 }).overall,
    );
    rows.push({ level: lvl, name, scores: means, deltas: dirs.map((_, j) => (j === 0 ? null : ciFor(group, j, name))) });
  }

  const flips: TaskFlips[] = tasks.map((t) => {
    const a = values(t.name, 0, 'hit');
    return {
      task: t.name,
      runs: runs.slice(1).map((_, jj) => {
        const b = values(t.name, jj + 1, 'hit');
        const ids = paired[t.name];
        return { helped: ids.filter((_, i) => !(a[i] > 0) && b[i] > 0), hurt: ids.filter((_, i) => a[i] > 0 && !(b[i] > 0)) };
      }),
    };
  });

  const costs: RunCost[] = runs.map((r) => {
    const c = sumCosts(tasks.map((t) => r.costs[t.name]).filter(Boolean));
    const queries = tasks.reduce((s, t) => s + paired[t.name].length, 0);
    const tokens = c.reasoner_prompt_tokens + c.reasoner_completion_tokens;
    return {
      queries,
      reasonerTokens: tokens,
      promptTokens: c.reasoner_prompt_tokens,
      completionTokens: c.reasoner_completion_tokens,
      reasonCalls: c.reason_calls,
      busySeconds: c.model_busy_seconds,
      wallSeconds: c.wall_seconds,
      tokensPerQuery: queries ? tokens / queries : 0,
      busyMsPerQuery: queries ? (c.model_busy_seconds * 1000) / queries : 0,
      money: opts.prices ? price(c, opts.prices) : null,
    };
  });
  if (runs.some((r) => tasks.some((t) => !r.costs[t.name])))
    notes.push('Some runs have no costs.json entry for some tasks; their costs count as zero.');
  notes.push(
    'Costs are what each run asked for: work served from the cache (or a reused task) costs nothing, so compare costs of runs made with cold caches.',
  );
  notes.push(
    `Multiple comparisons: with ${tasks.length} task(s) tested, some raw McNemar p-values below 0.05 are expected by chance alone; p (Holm) controls the family-wise error rate across the tasks of each run and is the one to read.`,
  );
  return {
    runs: runs.map((r) => r.info),
    rows,
    flips,
    costs,
    currency: opts.prices ? (opts.prices.currency ?? 'USD') : null,
    paired,
    resamples,
    seed,
    level,
    notes,
  };
}

export const fmtDelta = (d: DeltaCI): string =>
  `${d.delta >= 0 ? '+' : ''}${d.delta.toFixed(2)} [${d.low.toFixed(2)}, ${d.high.toFixed(2)}]${d.significant ? ' *' : ''}`;
export const fmtP = (p: number): string => (p < 0.0001 ? p.toExponential(1) : p.toFixed(4));

export function formatAblation(a: Ablation): string {
  const out: string[] = [];
  a.runs.forEach((r) => out.push(`${r.label}: ${r.dir} (${r.name})`));
  out.push(
    `Δ = run − A (×100), ${Math.round(a.level * 100)}% paired bootstrap CI over queries paired by id; * = the interval excludes 0; McNemar on Hit@1, p Holm-adjusted over tasks`,
    '',
  );
  const later = a.runs.slice(1).map((r) => r.label);
  const header = [
    'level',
    'name',
    ...a.runs.map((r) => r.label),
    ...later.map((l) => `Δ${l} [CI]`),
    ...later.map((l) => `${l} +/− p(Holm)`),
  ];
  const body = a.rows.map((r) => [
    r.level,
    r.name,
    ...r.scores.map((s) => (s === null ? '–' : s.toFixed(2))),
    ...r.deltas.slice(1).map((d) => (d ? fmtDelta(d) : '–')),
    ...(r.mcnemar ? r.mcnemar.slice(1).map((m) => (m ? `+${m.helped}/−${m.hurt} ${fmtP(m.pHolm)}` : '–')) : later.map(() => '')),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const row of [header, ...body]) out.push(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const n of a.notes) out.push('', `note: ${n}`);
  return out.join('\n') + '\n';
}

/** Traces of each query of a task, by query key (for the browser). */
export function tracesByKey(dir: string, task: string): Map<string, string | null> {
  const lines = readTraceLines(dir, task);
  if (!lines) return new Map();
  const keys = occurrenceKeys(lines.map((l) => l.id));
  return new Map(keys.map((k, i) => [k, lines[i].trace]));
}

export { occurrenceKeys };
