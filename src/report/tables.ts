/**
 * The reports' tables as data, built once here and rendered by `markdownTable` (markdown.ts) and `htmlTable`
 * (html.ts): the run report's leaderboard, tasks, cost and cascade tables, and the ablation report's deltas,
 * McNemar and cost tables. A table is its columns (header, alignment, HTML class), rows of cells (plain
 * text; each renderer escapes for its own format) and notes printed after it. Where the two reports say a
 * thing differently — a bold name in Markdown, a row class in HTML, a column only one of them shows — the
 * model says so once, so a new column is added in one place.
 */
import { metaTasksOf, modalitiesOf } from '../catalog/types.js';
import { CASCADE_NOTE, cascadeRows } from './cascade.js';
import { fmtDelta, fmtP, type Ablation } from './compare.js';
import { sumCosts } from './costs.js';
import { formatScore as pct } from './format.js';
import type { ReportData } from './report-data.js';
import type { RunSummary, TaskCost } from './results.js';

export interface Column {
  header: string;
  /** Markdown's column alignment. */
  align: 'left' | 'right';
  /** HTML class of the column's cells ('name': a left-aligned row label; the page's CSS right-aligns the rest). */
  cls?: string;
  /** Shown by one rendering only (the HTML tasks table carries cost columns Markdown gives a table of their own). */
  only?: 'markdown' | 'html';
}

export interface CellSpec {
  text: string;
  /** Markdown's form when it differs: `**strong**` then text (both escaped by the renderer). */
  markdown?: { strong?: string; text: string };
  /** HTML class of this cell, over its column's ('' for none). */
  cls?: string;
  /** HTML: the text inside a <span> of this class ('' for a plain span), e.g. a significant delta's colour. */
  tone?: string;
}

export type Cell = string | CellSpec;

export interface Row {
  cells: Cell[];
  /** HTML class of the row (rendered whenever set, '' included). */
  cls?: string;
}

export interface Table {
  /** HTML id of the table. */
  id?: string;
  columns: Column[];
  rows: Row[];
  /** Sentences printed after the table. */
  notes?: string[];
}

export const cellText = (c: Cell): string => (typeof c === 'string' ? c : c.text);

const label = (header: string): Column => ({ header, align: 'left', cls: 'name' });
const num = (header: string, only?: Column['only']): Column => ({ header, align: 'right', ...(only ? { only } : {}) });
const text = (header: string): Column => ({ header, align: 'left' });

/** This run beside the published rows of the reference models: overall, per modality, per meta-task. */
export function leaderboardTable(d: ReportData): Table {
  const s = d.summary;
  // the run's benchmark decides the columns: MMEB-V3 adds its five groups, agent and its meta-tasks
  const groups: string[] = [...modalitiesOf(s.mmeb_version), ...(s.mmeb_version === 'v3' ? ['agent'] : [])];
  const metas = metaTasksOf(s.mmeb_version);
  const columns = [
    label('Model'),
    ...['Overall', ...groups.map((m) => (m === 'gui' ? 'GUI' : m[0].toUpperCase() + m.slice(1))), ...metas].map((h) => num(h)),
  ];
  const scores = (r: { overall: number | null; modalities: Record<string, number | null>; meta: Record<string, number | null> }) => [
    pct(r.overall),
    ...groups.map((m) => pct(r.modalities[m] ?? null)),
    ...metas.map((m) => pct(r.meta[m] ?? null)),
  ];
  const thisRun = ` (this run${s.partial ? `, over ${s.partial.tasks_scored} of ${s.partial.tasks_requested} tasks` : ''})`;
  return {
    columns,
    rows: [
      {
        cls: 'run',
        cells: [{ text: `${s.backend.name}${thisRun}`, markdown: { strong: s.backend.name, text: thisRun } }, ...scores(s.rollup)],
      },
      ...d.references.map((r) => ({
        cls: '',
        cells: [{ text: `${r.model} — ${r.source}`, markdown: { text: `${r.model} (${r.source})` } }, ...scores(r)],
      })),
    ],
  };
}

/** Per task: its scores, the first reference model's, its size; HTML adds what it cost. */
export function tasksTable(d: ReportData): Table {
  const s = d.summary;
  const ref = d.references[0];
  const columns = [
    label('Task'),
    text('Meta'),
    text('Mode'),
    text('Metric'),
    ...['Score', 'Hit@1', 'NDCG@5', ref?.model ?? 'Reference', 'Queries', 'Candidates'].map((h) => num(h)),
    ...['Reasoner tokens', 'Embed calls', 'Wall s', ...(d.prices ? [`Cost (${d.prices.currency ?? 'USD'})`] : [])].map((h) =>
      num(h, 'html'),
    ),
  ];
  const rows = s.tasks.map((t) => {
    const c = d.costs[t.name];
    return {
      cells: [
        t.name,
        t.meta,
        t.mode,
        t.metric,
        (t.main_score * 100).toFixed(2),
        (t['hit@1'] * 100).toFixed(2),
        (t['ndcg_linear@5'] * 100).toFixed(2),
        pct(ref?.scores[t.name]),
        String(t.num_queries),
        String(t.num_candidates),
        c ? String(c.reasoner_prompt_tokens + c.reasoner_completion_tokens) : '–',
        c ? String(c.embed_calls) : '–',
        c ? c.wall_seconds.toFixed(2) : '–',
        ...(d.prices ? [c ? d.money(c).toFixed(4) : '–'] : []),
      ],
    };
  });
  return { columns, rows };
}

/** What each task asked for, and the total (Markdown's; HTML shows the main ones in the tasks table). Null without costs. */
export function costTable(d: ReportData): Table | null {
  const s = d.summary;
  const costs = s.tasks.map((t) => d.costs[t.name]).filter(Boolean);
  if (!costs.length) return null;
  const columns = [
    label('Task'),
    ...[
      'Reasoner prompt tokens',
      'Completion tokens',
      'Reason calls',
      'Embed calls',
      'Embedded items',
      'Cache hits',
      'Model-busy s',
      'Wall s',
      ...(d.prices ? [`Cost (${d.prices.currency ?? 'USD'})`] : []),
    ].map((h) => num(h)),
  ];
  const row = (name: string, c: TaskCost): Row => ({
    cells: [
      name,
      String(c.reasoner_prompt_tokens),
      String(c.reasoner_completion_tokens),
      String(c.reason_calls),
      String(c.embed_calls),
      String(c.embedded_items),
      String(c.cache_hits),
      c.model_busy_seconds.toFixed(2),
      c.wall_seconds.toFixed(2),
      ...(d.prices ? [d.money(c).toFixed(4)] : []),
    ],
  });
  return {
    columns,
    rows: [
      ...s.tasks.filter((t) => d.costs[t.name]).map((t) => row(t.name, d.costs[t.name])),
      { cells: [{ text: 'total', markdown: { strong: 'total', text: '' } }, ...row('', sumCosts(costs)).cells.slice(1)] },
    ],
    notes: ['Counts are what this run asked for; work served from the cache (or a reused task) costs nothing here.'],
  };
}

/** The rerank stage and adaptive thinking per task; null for a plain run. */
export function cascadeTable(s: RunSummary, costs: Record<string, TaskCost>): Table | null {
  const rows = cascadeRows(s, costs);
  if (!rows.length) return null;
  const n = (header: string): Column => ({ header, align: 'right', cls: 'num' });
  return {
    columns: [
      text('Task'),
      ...[
        'Rerank depth',
        'Pairs scored',
        'Rerank cache hits',
        'Rerank calls',
        'Rerank tokens (prompt / completion)',
        'Unparsed',
        'Think policy',
        'Reasoned',
        'Share reasoned',
        'Reasoning tokens',
        'Gate calls',
        'Gate tokens',
        'Est. tokens saved',
      ].map(n),
    ],
    rows: rows.map(({ task, rerank: r, think: t }) => ({
      cells: [
        task,
        r ? String(r.depth) : '–',
        r ? String(r.pairs) : '–',
        r ? String(r.cache_hits) : '–',
        r ? String(r.calls) : '–',
        r ? `${r.prompt_tokens} / ${r.completion_tokens}` : '–',
        r ? String(r.unparsed) : '–',
        t ? t.policy : '–',
        t ? `${t.reasoned_items} / ${t.items}` : '–',
        t ? `${(t.share_reasoned * 100).toFixed(1)}%` : '–',
        t ? String(t.reasoning_tokens) : '–',
        t ? String(t.gate_calls) : '–',
        t ? String(t.gate_prompt_tokens + t.gate_completion_tokens) : '–',
        t ? String(t.est_tokens_saved) : '–',
      ],
    })),
    notes: [CASCADE_NOTE],
  };
}

const score = (v: number | null) => (v === null ? '–' : v.toFixed(2));

/** Ablation: every level's scores per run and each later run's delta against A with its interval. */
export function deltasTable(a: Ablation): Table {
  const later = a.runs.slice(1);
  return {
    id: 'deltas',
    columns: [label('Level'), label('Name'), ...a.runs.map((r) => num(r.label)), ...later.map((r) => num(`Δ${r.label} [CI]`))],
    rows: a.rows.map((r) => ({
      cls: r.level,
      cells: [
        r.level,
        r.name,
        ...r.scores.map(score),
        ...r.deltas.slice(1).map((d): Cell => (d ? { text: fmtDelta(d), tone: d.significant ? (d.delta > 0 ? 'up' : 'down') : '' } : '–')),
      ],
    })),
  };
}

/** Ablation: Hit@1 flips per task and later run with the exact McNemar p-value, raw and Holm-adjusted. */
export function mcnemarTable(a: Ablation): Table {
  const later = a.runs.slice(1);
  return {
    id: 'mcnemar',
    columns: [
      label('Task'),
      ...later.flatMap((r) => [`${r.label} helped`, `${r.label} hurt`, `${r.label} p`, `${r.label} p (Holm)`].map((h) => num(h))),
    ],
    rows: a.rows
      .filter((x) => x.level === 'task')
      .map((r) => ({
        cells: [
          r.name,
          ...(r.mcnemar ?? [])
            .slice(1)
            .flatMap((m): Cell[] =>
              m
                ? [String(m.helped), String(m.hurt), fmtP(m.p), { text: fmtP(m.pHolm), cls: m.pHolm < 0.05 ? 'sig' : '' }]
                : ['–', '–', '–', '–'],
            ),
        ],
      })),
  };
}

/** Ablation: what each run cost, in total and per query. */
export function runCostTable(a: Ablation): Table {
  return {
    id: 'costs',
    columns: [
      label('Run'),
      ...[
        'Queries',
        'Reasoner tokens',
        'Tokens/query',
        'Reason calls',
        'Model-busy s',
        'ms/query',
        'Wall s',
        ...(a.currency ? [`Cost (${a.currency})`] : []),
      ].map((h) => num(h)),
    ],
    rows: a.costs.map((c, i) => ({
      cells: [
        `${a.runs[i].label}: ${a.runs[i].name}`,
        String(c.queries),
        String(c.reasonerTokens),
        c.tokensPerQuery.toFixed(1),
        String(c.reasonCalls),
        c.busySeconds.toFixed(2),
        c.busyMsPerQuery.toFixed(2),
        c.wallSeconds.toFixed(2),
        ...(a.currency ? [(c.money ?? 0).toFixed(4)] : []),
      ],
    })),
  };
}
