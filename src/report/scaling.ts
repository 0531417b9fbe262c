/**
 * Depth and budget curves (TTE-v2's "token-wise scaling" view): runs of the same tasks that differ in where
 * and how much reasoning is spent — rerank depth, reasoning budget, always / gate / never — placed as
 * points of accuracy against reasoning spent per query, overall and per meta-task.
 *
 * Reasoning spent counts the work, not what this particular run had to ask for: trace tokens (cached traces
 * included; see ThinkCost.reasoning_tokens), rerank tokens of every score used (cached ones included), and the
 * gate's own calls. `x`: `tokens` (generated tokens), `all-tokens` (prompt + generated) or `pairs` (rerank
 * pairs scored per query — for pooling rerankers, which generate nothing).
 */
import { ALL_META_TASKS, type MetaTask } from '../catalog/types.js';
import { ConfigError } from '../errors.js';
import type { TaskCost } from './results.js';
import { scatterLines, CHART_HEIGHT, CHART_WIDTH } from './charts.js';
import { readCosts, readSummary } from './run-folder.js';
import type { RunSummary } from './results.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/json.js';
import { join } from 'node:path';

export type CurveX = 'tokens' | 'all-tokens' | 'pairs';

export interface CurvePoint {
  run: string;
  label: string;
  /** Reasoning spent per query over the group's tasks. */
  x: number;
  /** Score ×100 (mean over the group's tasks, as the roll-up). */
  y: number | null;
}

export interface CurveResult {
  x: CurveX;
  /** Backend fields that differ between the runs (what the curve varies). */
  varies: string[];
  /** 'overall' and each meta-task present, with one point per run in the order given. */
  groups: Record<string, CurvePoint[]>;
}

/** What a task's work spent, by the chosen measure. */
export function spent(c: TaskCost | undefined, x: CurveX): number {
  if (!c) return 0;
  if (x === 'pairs') return (c.rerank?.pairs ?? 0) + (c.rerank?.cache_hits ?? 0);
  const gen =
    (c.think ? c.think.reasoning_tokens : c.reasoner_completion_tokens) +
    (c.rerank?.work_completion_tokens ?? 0) +
    (c.think?.gate_completion_tokens ?? 0);
  if (x === 'tokens') return gen;
  // prompt tokens of traces are only known for the ones this run asked for
  return gen + c.reasoner_prompt_tokens + (c.rerank?.work_prompt_tokens ?? 0) + (c.think?.gate_prompt_tokens ?? 0);
}

function label(s: RunSummary): string {
  const b = s.backend;
  const parts = [b.name];
  if (b.rerank_depth) parts.push(`rerank@${b.rerank_depth}`);
  if (b.think) parts.push(`think:${b.think}${b.think_gate ? `/${String(b.think_gate.policy)}` : ''}`);
  return parts.join(' ');
}

function flat(o: unknown, prefix = ''): Record<string, string> {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { [prefix]: JSON.stringify(o) };
  return Object.assign({}, ...Object.entries(o as Record<string, unknown>).map(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k)));
}

export function buildCurve(runDirs: string[], x: CurveX = 'tokens'): CurveResult {
  if (runDirs.length < 2) throw new ConfigError('a curve needs at least two runs');
  const runs = runDirs.map((d) => ({ dir: d, summary: readSummary(d), costs: readCosts(d) }));
  const names = (s: RunSummary) =>
    s.tasks
      .map((t) => t.name)
      .sort()
      .join(',');
  for (const r of runs.slice(1)) {
    if (r.summary.mmeb_version !== runs[0].summary.mmeb_version)
      throw new ConfigError(
        `${r.dir} is ${r.summary.mmeb_version}, ${runs[0].dir} ${runs[0].summary.mmeb_version}: a curve compares runs of one benchmark version`,
      );
    if (names(r.summary) !== names(runs[0].summary))
      throw new ConfigError(`${r.dir} and ${runs[0].dir} cover different tasks: a curve compares runs of the same tasks`);
  }
  const backends = runs.map((r) => flat(r.summary.backend));
  const keys = [...new Set(backends.flatMap((b) => Object.keys(b)))].sort();
  const varies = keys.filter((k) => new Set(backends.map((b) => b[k] ?? '(absent)')).size > 1);
  const groups: Record<string, CurvePoint[]> = {};
  const metas: (MetaTask | 'overall')[] = ['overall', ...ALL_META_TASKS.filter((m) => runs[0].summary.tasks.some((t) => t.meta === m))];
  for (const g of metas) {
    groups[g] = runs.map((r) => {
      const tasks = r.summary.tasks.filter((t) => g === 'overall' || t.meta === g);
      const queries = tasks.reduce((a, t) => a + t.num_queries, 0);
      const total = tasks.reduce((a, t) => a + spent(r.costs[t.name], x), 0);
      return {
        run: r.summary.run_id,
        label: label(r.summary),
        x: queries ? total / queries : 0,
        y: g === 'overall' ? r.summary.rollup.overall : r.summary.rollup.meta[g],
      };
    });
  }
  return { x, varies, groups };
}

const X_TITLE: Record<CurveX, string> = {
  tokens: 'generated reasoning tokens per query',
  'all-tokens': 'prompt + generated tokens per query',
  pairs: 'rerank pairs per query',
};

export function curveMarkdown(c: CurveResult): string {
  const lines = [
    `# Accuracy vs reasoning spent (${X_TITLE[c.x]})`,
    '',
    `Runs differ in: ${c.varies.length ? c.varies.map((v) => `\`${v}\``).join(', ') : 'nothing (identical backends)'}.`,
    '',
  ];
  const runs = c.groups.overall;
  lines.push(
    `| Group | ${runs.map((p) => `${p.label.replace(/\|/g, '\\|')} (x · score)`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
  );
  for (const [g, pts] of Object.entries(c.groups))
    lines.push(`| ${g} | ${pts.map((p) => `${p.x.toFixed(1)} · ${p.y === null ? '–' : p.y.toFixed(2)}`).join(' | ')} |`);
  lines.push(
    '',
    "Scores ×100 (plain means over the group's tasks). x counts the work: cached traces and rerank scores count as if computed.",
    '',
  );
  for (const g of Object.keys(c.groups)) lines.push(`![${g}](charts/curve-${g}.png)`);
  return lines.join('\n') + '\n';
}

/** curve.json, curve.md and one PNG per group (overall and each meta-task) into `outDir`. */
export async function writeCurve(c: CurveResult, outDir: string): Promise<string[]> {
  writeJsonAtomic(join(outDir, 'curve.json'), c);
  writeFileAtomic(join(outDir, 'curve.md'), curveMarkdown(c));
  const files: string[] = [];
  for (const [g, pts] of Object.entries(c.groups)) {
    const png = await scatterLines(
      `${g}: score vs ${X_TITLE[c.x]}`,
      [{ label: g, points: pts.filter((p) => p.y !== null).map((p) => ({ x: p.x, y: p.y as number, label: p.label })) }],
      X_TITLE[c.x],
      'score ×100',
      CHART_WIDTH,
      CHART_HEIGHT,
    );
    const f = join(outDir, 'charts', `curve-${g}.png`);
    writeFileAtomic(f, png);
    files.push(f);
  }
  return files;
}
