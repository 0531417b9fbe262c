/**
 * The reproduction check of `compare SOURCE SOURCE [...]` where a source holds scores only: a published
 * per-model report (VLM2Vec's all_scores JSON), a folder of VLM2Vec `{task}_score.json` (flat or in group
 * sub-folders), or a run folder read for its score files. Per task: each source's main metric ×100, the delta
 * of the last source against the first, and the noise band the task's query count allows; per group (the
 * catalog's modality of each task) and over all tasks: how many deltas lie within a tolerance and within
 * their band, the largest delta, and each source's mean. Nothing here needs predictions: the paired tests of
 * the ablation stay where every source is a run folder with them.
 */
import { DataError } from '../errors.js';
import { loadCatalog, publishedQueries } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, type TaskSpec } from '../catalog/types.js';
import { npMean } from '../metrics/numeric.js';
import { checkBound } from './compare.js';
import { formatScore } from './format.js';
import { mainScores, type ModelScores, readScoreSource } from './score-files.js';

/**
 * The change of a query's NDCG when its single relevant item moves from rank 1 to rank 2: 1 − 1/log2(3)
 * (VLM2Vec's ndcg_linear has gain 1/log2(r+1) at rank r). Over n queries the mean moves by this over n: the
 * smallest step a score at the top can take, what "one rank flip" means on a small NDCG set.
 */
export const RANK_FLIP = 1 - 1 / Math.log2(3);

/** Bounds of --within (×100 points). */
export const WITHIN_BOUNDS = { min: 0, max: 100, integer: false } as const;

/**
 * A task's noise band, ×100 points: one standard error of the first source's score over the task's n queries,
 * sqrt(p(1−p)/n). For a hit-rate (per-query 0 or 1) that is the binomial standard error; for NDCG (per query
 * anywhere in [0, 1]) it is an upper bound of it (a [0, 1] variable with mean p has variance at most p(1−p)),
 * and the band also carries the size of one rank flip, RANK_FLIP / n, which on a small set says how many
 * queries' worth a delta is.
 */
export type Band =
  | { kind: 'binomial_se'; n: number; p: number; value: number }
  | { kind: 'ndcg_se_bound'; n: number; p: number; value: number; rankFlip: number };

export interface ReproTask {
  name: string;
  /** Main metric ×100 of each source, in argument order; null where the source has no score for the task. */
  scores: (number | null)[];
  /** Last source − first source (×100); null where either has no score. */
  delta: number | null;
  /** null where no query count is known or the metric has no band defined. */
  band: Band | null;
}

export interface ReproSource {
  label: string;
  path: string;
  model: string;
}

export interface ReproGroup {
  name: string;
  /** Scored tasks of the group that some source has. */
  tasks: number;
  /** Those with a score in every source (the ones counted and averaged). */
  compared: number;
  within: number;
  withinBand: number;
  /** The compared task with the largest |delta| (the first in catalog order on a tie). */
  largest: { name: string; delta: number } | null;
  /** Each source's plain mean (×100) over the compared tasks; null when none is compared. */
  means: (number | null)[];
  meanDelta: number | null;
  /** Tasks some source lacks, with the labels of the sources that lack them: in no count and no mean. */
  missing: { name: string; sources: string[] }[];
  /** The group in the write-up's terms: "34 of 36 within 0.5; largest: VisualNews_i2t +0.60". */
  line: string;
}

export interface ReproSummary {
  sources: ReproSource[];
  /** The tolerance (×100 points) of "within". */
  within: number;
  band: string;
  groups: ReproGroup[];
  all: ReproGroup;
  /** Tasks the catalog marks unscored (the English-only ViDoRe-V2 variants): listed, in no count or mean. */
  unscored: string[];
  /** Keys of each source that name no catalog task: left out. */
  notInCatalog: { source: string; keys: string[] }[];
  /** Query counts (`num_data`) the sources disagree on (only with allowDifferentData). */
  differentData: { name: string; numData: (number | null)[] }[];
}

export interface ReproCheck {
  tasks: ReproTask[];
  summary: ReproSummary;
}

export interface ReproOptions {
  /** Tolerance of the "N of M within X" counts, ×100 points (default 0.5, the write-up's). */
  within?: number;
  /** Compare tasks whose sources report different numbers of queries (refused by default). */
  allowDifferentData?: boolean;
}

export const BAND_DESCRIPTION =
  'band = 1 standard error sqrt(p(1−p)/n)×100 of the first source’s score p over the task’s n queries (binomial for hit@k; ' +
  'an upper bound for NDCG); flip = one rank flip on an NDCG task, (1 − 1/log2 3)/n×100, the mean’s change when one ' +
  'query’s relevant item moves from rank 1 to rank 2';

/** A delta that prints as the tolerance (0.50) counts as within it: ×100 differences of fractions carry float noise. */
const EPS = 1e-9;

function bandOf(task: TaskSpec, n: number | undefined, p: number | null): Band | null {
  if (n === undefined || !(n > 0) || p === null) return null;
  const value = Math.sqrt((p * (1 - p)) / n) * 100;
  if (task.metric.startsWith('hit@')) return { kind: 'binomial_se', n, p, value };
  if (task.metric.startsWith('ndcg')) return { kind: 'ndcg_se_bound', n, p, value, rankFlip: (RANK_FLIP / n) * 100 };
  return null;
}

/** A delta with its sign; one that rounds to zero prints +0.00, not -0.00. */
export const signed = (x: number): string => {
  const v = x.toFixed(2);
  return v === '-0.00' ? '+0.00' : `${x >= 0 ? '+' : ''}${v}`;
};

function summarise(name: string, group: TaskSpec[], rows: Map<string, ReproTask>, sources: ReproSource[], within: number): ReproGroup {
  const present = group.filter((t) => rows.has(t.name));
  const compared = present.filter((t) => (rows.get(t.name) as ReproTask).scores.every((s) => s !== null));
  const missing = present
    .filter((t) => !compared.includes(t))
    .map((t) => ({
      name: t.name,
      sources: sources.filter((_, j) => (rows.get(t.name) as ReproTask).scores[j] === null).map((s) => s.label),
    }));
  const deltas = compared.map((t) => ({ name: t.name, delta: (rows.get(t.name) as ReproTask).delta as number }));
  let largest: ReproGroup['largest'] = null;
  for (const d of deltas) if (!largest || Math.abs(d.delta) > Math.abs(largest.delta) + EPS) largest = d;
  const withinCount = deltas.filter((d) => Math.abs(d.delta) <= within + EPS).length;
  const withinBand = compared.filter((t) => {
    const r = rows.get(t.name) as ReproTask;
    return r.band !== null && Math.abs(r.delta as number) <= r.band.value + EPS;
  }).length;
  const means = sources.map((_, j) =>
    compared.length ? npMean(compared.map((t) => (rows.get(t.name) as ReproTask).scores[j] as number)) : null,
  );
  const [first, last] = [means[0], means[means.length - 1]];
  const meanDelta = first === null || last === null ? null : last - first;
  const parts = [
    `${name}: ${withinCount} of ${compared.length} within ${within}`,
    largest ? `largest: ${largest.name} ${signed(largest.delta)}` : 'largest: –',
    `${withinBand} of ${compared.length} within 1 SE`,
    `means ${sources.map((s, j) => `${s.label} ${formatScore(means[j])}`).join(', ')}${meanDelta === null ? '' : ` (Δ ${signed(meanDelta)})`}`,
  ];
  if (missing.length) parts.push(`missing: ${missing.map((m) => `${m.name} (not in ${m.sources.join(', ')})`).join(', ')}`);
  return {
    name,
    tasks: present.length,
    compared: compared.length,
    within: withinCount,
    withinBand,
    largest,
    means,
    meanDelta,
    missing,
    line: parts.join('; '),
  };
}

/**
 * Per task of the catalog that any source scores: each source's main metric ×100, the last − first delta and
 * its band; per group and over all scored tasks, the counts, the largest delta and the means over the tasks
 * every source has (a task one source lacks has a null score and is named, never averaged in). Sources that
 * report different numbers of queries for a task measured different data, and are refused unless
 * allowDifferentData.
 */
export function reproductionCheck(specs: string[], opts: ReproOptions = {}): ReproCheck {
  if (specs.length < 2) throw new DataError('the reproduction check needs at least two sources');
  if (specs.length > 26) throw new DataError(`compare takes at most 26 sources (labelled A–Z), got ${specs.length}`);
  const within = checkBound('within', opts.within ?? 0.5, WITHIN_BOUNDS);
  const catalog = loadCatalog();
  const read: ModelScores[] = specs.map((s) => readScoreSource(s));
  const main = read.map((ms) => mainScores(ms, catalog.tasks));
  const sources: ReproSource[] = read.map((ms, j) => ({ label: String.fromCharCode(65 + j), path: specs[j], model: ms.model }));
  const tasks = catalog.tasks.filter((t) => main.some((m) => m.has(t.name)));
  if (!tasks.length) throw new DataError(`no source scores a task of the catalog (${specs.join(', ')})`);

  const differentData: ReproSummary['differentData'] = [];
  const rows = new Map<string, ReproTask>();
  for (const t of tasks) {
    const numData = read.map((ms) => {
      const n = ms.scores.get(t.name)?.num_data;
      return typeof n === 'number' ? n : null;
    });
    const known = numData.filter((n): n is number => n !== null);
    if (known.some((n) => n !== known[0])) differentData.push({ name: t.name, numData });
    // the query count: the first source's num_data, else another's, else the catalog's published count
    const version = read.find((ms) => ms.version)?.version ?? DEFAULT_MMEB_VERSION;
    const n = known[0] ?? publishedQueries(t, version);
    const scores = main.map((m) => (m.has(t.name) ? (m.get(t.name) as number) * 100 : null));
    const [first, last] = [scores[0], scores[scores.length - 1]];
    // p as the source has it (a fraction), not back from ×100, which would carry float noise into the band
    const p = main.find((m) => m.has(t.name))?.get(t.name) as number;
    rows.set(t.name, {
      name: t.name,
      scores,
      delta: first === null || last === null ? null : last - first,
      band: bandOf(t, n, p),
    });
  }
  if (differentData.length && !opts.allowDifferentData) {
    throw new DataError(
      `the sources scored different numbers of queries: ${differentData
        .map((d) => `${d.name} (${d.numData.map((n, j) => `${sources[j].label} ${n ?? '–'}`).join(', ')})`)
        .join('; ')}; pass --allow-different-data to compare them anyway`,
    );
  }

  const scored = tasks.filter((t) => t.scored);
  const groupNames = [...new Set(scored.map((t) => t.modality as string))];
  const summary: ReproSummary = {
    sources,
    within,
    band: BAND_DESCRIPTION,
    groups: groupNames.map((g) =>
      summarise(
        g,
        scored.filter((t) => t.modality === g),
        rows,
        sources,
        within,
      ),
    ),
    all: summarise('all', scored, rows, sources, within),
    unscored: tasks.filter((t) => !t.scored).map((t) => t.name),
    notInCatalog: read.filter((ms) => ms.extra.length).map((ms) => ({ source: sources[read.indexOf(ms)].label, keys: ms.extra })),
    differentData,
  };
  return { tasks: [...rows.values()], summary };
}

/** The band as a table cell: one standard error (×100). */
export const formatBand = (b: Band | null): string => (b === null ? '–' : b.value.toFixed(2));

/** One rank flip of an NDCG task (×100), '' for other tasks. */
export const formatFlip = (b: Band | null): string => (b?.kind === 'ndcg_se_bound' ? b.rankFlip.toFixed(2) : '');

/** |delta| in standard errors. */
export const bandsOff = (t: ReproTask): string =>
  t.delta === null || t.band === null || t.band.value === 0 ? '–' : (Math.abs(t.delta) / t.band.value).toFixed(1);

/** |delta| in rank flips (NDCG tasks). */
export const flipsOff = (t: ReproTask): string =>
  t.delta === null || t.band?.kind !== 'ndcg_se_bound' ? '' : (Math.abs(t.delta) / t.band.rankFlip).toFixed(1);

/** The group of each task, from the catalog. */
export const groupOf = (name: string): string => loadCatalog().byName.get(name)?.modality ?? '';

/** The notes every rendering prints after the summary lines. */
export function reproNotes(r: ReproCheck): string[] {
  const s = r.summary;
  const notes: string[] = [];
  if (s.unscored.length) notes.push(`Not in any count or mean (the catalog marks them unscored): ${s.unscored.join(', ')}.`);
  for (const x of s.notInCatalog) notes.push(`${x.source} has scores under keys no catalog task has, left out: ${x.keys.join(', ')}.`);
  if (s.differentData.length)
    notes.push(
      `Compared with --allow-different-data although the sources scored different numbers of queries: ${s.differentData
        .map((d) => `${d.name} (${d.numData.map((n, j) => `${s.sources[j].label} ${n ?? '–'}`).join(', ')})`)
        .join('; ')}.`,
    );
  return notes;
}

/** The check as text: the sources, one line per task, then the summary in the write-up's terms. */
export function formatRepro(r: ReproCheck): string {
  const s = r.summary;
  const [first, last] = [s.sources[0], s.sources[s.sources.length - 1]];
  const out: string[] = s.sources.map((x) => `${x.label}: ${x.path} (${x.model})`);
  out.push(`scores ×100, main metric; Δ = ${last.label} − ${first.label}; ${s.band}`, '');
  const header = ['group', 'task', 'n', ...s.sources.map((x) => x.label), 'Δ', 'SE', '|Δ|/SE', 'flip', '|Δ|/flip'];
  const body = r.tasks.map((t) => [
    groupOf(t.name),
    t.name,
    t.band ? String(t.band.n) : '–',
    ...t.scores.map(formatScore),
    t.delta === null ? '–' : signed(t.delta),
    formatBand(t.band),
    bandsOff(t),
    formatFlip(t.band),
    flipsOff(t),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const row of [header, ...body])
    out.push(
      row
        .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    );
  out.push('', 'summary');
  for (const g of [...s.groups, s.all]) out.push(`  ${g.line}`);
  for (const n of reproNotes(r)) out.push('', `note: ${n}`);
  return out.join('\n') + '\n';
}
