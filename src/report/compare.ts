/**
 * Comparing runs. Two uses:
 *  - the regression gate: baseline vs candidate, each a run folder or any folder of VLM2Vec
 *    `{task}_score.json`; per-task main metric (×100) and the meta-task / modality / overall means over the
 *    common tasks; a drop beyond the tolerance is a regression;
 *  - ablation: A vs B [vs C …] with paired bootstrap confidence intervals over queries (recomputed from
 *    pred.jsonl), per task and per meta-task, flagged where the interval excludes 0.
 */
import { existsSync } from 'node:fs';
import { DataError } from '../errors.js';
import { getTask, loadCatalog } from '../catalog/load.js';
import type { TaskSpec } from '../catalog/types.js';
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { rollUp } from '../metrics/aggregate.js';
import { pairedBootstrap, seedFor, type DeltaCI } from './bootstrap.js';
import { mainScores, readScoreSource } from './score-files.js';
import { perQuery } from './run-folder.js';

export interface GateOptions {
  maxDrop: number;
  perTaskMaxDrop?: number;
  allowMissing?: boolean;
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
}

function scoresOf(dir: string): Map<string, number> {
  const ms = readScoreSource(dir);
  return mainScores(ms, loadCatalog().tasks);
}

export function regressionGate(baselineDir: string, candidateDir: string, opts: GateOptions): GateResult {
  const base = scoresOf(baselineDir);
  const cand = scoresOf(candidateDir);
  const onlyBaseline = [...base.keys()].filter((t) => !cand.has(t));
  const onlyCandidate = [...cand.keys()].filter((t) => !base.has(t));
  if ((onlyBaseline.length || onlyCandidate.length) && !opts.allowMissing) {
    throw new DataError(
      `the two sides cover different tasks (only in baseline: ${onlyBaseline.join(', ') || 'none'}; only in candidate: ${onlyCandidate.join(', ') || 'none'}); pass --allow-missing to compare the common tasks`,
    );
  }
  const common = loadCatalog().tasks.filter((t) => base.has(t.name) && cand.has(t.name));
  if (!common.length) throw new DataError('no task in common between baseline and candidate');
  const taskLimit = opts.perTaskMaxDrop ?? opts.maxDrop;
  const lines: GateLine[] = common.map((t) => {
    const [b, c] = [(base.get(t.name) as number) * 100, (cand.get(t.name) as number) * 100];
    return { level: 'task', name: t.name, baseline: b, candidate: c, drop: b - c, limit: taskLimit, regression: b - c > taskLimit + 1e-9 };
  });
  const rb = rollUp(base, common, { scale: 100 });
  const rc = rollUp(cand, common, { scale: 100 });
  const agg = (level: GateLine['level'], name: string, b: number | null, c: number | null) => {
    if (b === null || c === null) return;
    lines.push({ level, name, baseline: b, candidate: c, drop: b - c, limit: opts.maxDrop, regression: b - c > opts.maxDrop + 1e-9 });
  };
  for (const m of ALL_META_TASKS) agg('meta', m, rb.meta[m], rc.meta[m]);
  for (const m of MODALITIES) agg('modality', m, rb.modalities[m], rc.modalities[m]);
  agg('overall', 'overall', rb.overall, rc.overall);
  const regressions = lines.filter((l) => l.regression);
  return { ok: regressions.length === 0, lines, regressions, onlyBaseline, onlyCandidate };
}

export function formatGate(r: GateResult): string {
  const out: string[] = [];
  if (r.onlyBaseline.length || r.onlyCandidate.length) {
    out.push(`note: compared on common tasks only (only in baseline: ${r.onlyBaseline.join(', ') || 'none'}; only in candidate: ${r.onlyCandidate.join(', ') || 'none'})`);
  }
  if (r.ok) {
    out.push(`OK: no regression beyond tolerance (${r.lines.filter((l) => l.level === 'task').length} task(s) compared)`);
    const o = r.lines.find((l) => l.level === 'overall');
    if (o) out.push(`overall ${o.baseline.toFixed(2)} → ${o.candidate.toFixed(2)} (${(o.candidate - o.baseline >= 0 ? '+' : '') + (o.candidate - o.baseline).toFixed(2)})`);
  } else {
    out.push(`REGRESSION: ${r.regressions.length} score(s) dropped beyond tolerance`);
    for (const l of r.regressions) {
      out.push(`  ${l.level.padEnd(8)} ${l.name.padEnd(44)} ${l.baseline.toFixed(2).padStart(6)} → ${l.candidate.toFixed(2).padStart(6)}  drop ${l.drop.toFixed(2)} > ${l.limit}`);
    }
  }
  return out.join('\n') + '\n';
}

export interface AblationRow {
  level: 'task' | 'meta' | 'modality' | 'overall';
  name: string;
  /** Main metric ×100 of each run, in argument order (null where the run lacks the task). */
  scores: (number | null)[];
  /** Delta of each later run against the first (×100), with its bootstrap CI. */
  deltas: (DeltaCI | null)[];
}

export interface AblationOptions {
  resamples?: number;
  seed?: number;
}

/** A vs B [vs C …]: deltas against the first run, with paired bootstrap CIs over queries. */
export function ablation(dirs: string[], opts: AblationOptions = {}): { runs: string[]; rows: AblationRow[] } {
  if (dirs.length < 2) throw new DataError('compare needs at least two runs');
  for (const d of dirs) if (!existsSync(d)) throw new DataError('no such folder', { file: d });
  const scores = dirs.map(scoresOf);
  const names = [...scores[0].keys()].filter((t) => scores.every((s) => s.has(t)));
  const tasks: TaskSpec[] = names.map((n) => getTask(n));
  if (!tasks.length) throw new DataError('the runs have no task in common');
  const seed = opts.seed ?? 0;
  const resamples = opts.resamples ?? 1000;
  const per = new Map<string, (number[] | null)[]>(tasks.map((t) => [t.name, dirs.map((d) => perQuery(d, t.name, t.metric))]));
  const rows: AblationRow[] = [];
  const ciFor = (group: TaskSpec[], j: number, name: string): DeltaCI | null => {
    const pairs = group.map((t) => {
      const v = per.get(t.name) as (number[] | null)[];
      return v[0] && v[j] && v[0].length === v[j]!.length ? { a: v[0].map((x) => x * 100), b: v[j]!.map((x) => x * 100) } : null;
    });
    if (pairs.some((p) => p === null)) return null;
    return pairedBootstrap(pairs as { a: number[]; b: number[] }[], { resamples, seed: seedFor(seed, name) });
  };
  for (const t of tasks) {
    rows.push({ level: 'task', name: t.name, scores: scores.map((s) => (s.get(t.name) as number) * 100), deltas: dirs.map((_, j) => (j === 0 ? null : ciFor([t], j, t.name))) });
  }
  const groups: [AblationRow['level'], string, TaskSpec[]][] = [
    ...ALL_META_TASKS.map((m) => ['meta', m, tasks.filter((t) => t.meta === m)] as [AblationRow['level'], string, TaskSpec[]]),
    ...MODALITIES.map((m) => ['modality', m, tasks.filter((t) => t.modality === m)] as [AblationRow['level'], string, TaskSpec[]]),
    ['overall', 'overall', tasks],
  ];
  for (const [level, name, group] of groups) {
    if (!group.length) continue;
    const means = scores.map((s) => rollUp(s, group, { scale: 100 }).overall);
    rows.push({ level, name, scores: means, deltas: dirs.map((_, j) => (j === 0 ? null : ciFor(group, j, name))) });
  }
  return { runs: dirs, rows };
}

export function formatAblation(a: { runs: string[]; rows: AblationRow[] }): string {
  const out: string[] = [];
  a.runs.forEach((r, i) => out.push(`${String.fromCharCode(65 + i)}: ${r}`));
  out.push('Δ = run − A (×100), 95% paired bootstrap CI over queries; * = the interval excludes 0', '');
  const header = ['level', 'name', ...a.runs.map((_, i) => String.fromCharCode(65 + i)), ...a.runs.slice(1).map((_, i) => `Δ${String.fromCharCode(66 + i)} [95% CI]`)];
  const body = a.rows.map((r) => [
    r.level,
    r.name,
    ...r.scores.map((s) => (s === null ? '–' : s.toFixed(2))),
    ...r.deltas.slice(1).map((d) => (d ? `${d.delta >= 0 ? '+' : ''}${d.delta.toFixed(2)} [${d.low.toFixed(2)}, ${d.high.toFixed(2)}]${d.significant ? ' *' : ''}` : '–')),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const row of [header, ...body]) out.push(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  return out.join('\n') + '\n';
}

