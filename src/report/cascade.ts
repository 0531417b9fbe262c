/**
 * The report's "Cascade and adaptive thinking" section: per task, what the rerank stage scored and cost,
 * and which share of items was reasoned on with the tokens that saved. Empty for plain runs.
 */
import type { TaskCost } from './results.js';
import type { RunSummary } from './results.js';

export interface CascadeRow {
  task: string;
  rerank?: NonNullable<TaskCost['rerank']>;
  think?: NonNullable<TaskCost['think']>;
}

export function cascadeRows(s: RunSummary, costs: Record<string, TaskCost>): CascadeRow[] {
  return s.tasks
    .map((t) => ({ task: t.name, rerank: costs[t.name]?.rerank, think: costs[t.name]?.think }))
    .filter((r) => r.rerank || r.think);
}

const HEAD = [
  'Task',
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
];

/** One table row per task, as plain cell strings (escaped by the caller's format). */
export function cascadeTable(rows: CascadeRow[]): { head: string[]; cells: string[][] } {
  const cells = rows.map(({ task, rerank: r, think: t }) => [
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
  ]);
  return { head: HEAD, cells };
}

export const CASCADE_NOTE =
  "Reranking re-sorts each query's top K retrieved candidates by the reranker's score (ties keep retrieval order); candidates below K keep their retrieval order after them. " +
  '"Est. tokens saved" = items not reasoned on × the mean reasoning tokens of the items that were — an estimate; an always/never/gate ablation measures it exactly.';

export function cascadeMarkdown(s: RunSummary, costs: Record<string, TaskCost>): string[] {
  const rows = cascadeRows(s, costs);
  if (!rows.length) return [];
  const { head, cells } = cascadeTable(rows);
  return [
    '',
    '## Cascade and adaptive thinking',
    '',
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
    ...cells.map((c) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
    CASCADE_NOTE,
  ];
}

export function cascadeHtml(s: RunSummary, costs: Record<string, TaskCost>, esc: (x: string) => string): string {
  const rows = cascadeRows(s, costs);
  if (!rows.length) return '';
  const { head, cells } = cascadeTable(rows);
  return `<h2>Cascade and adaptive thinking</h2>\n<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${cells.map((c) => `<tr>${c.map((x, i) => `<td${i ? ' class="num"' : ''}>${esc(x)}</td>`).join('')}</tr>`).join('\n')}\n</tbody></table></div>\n<p class="note">${esc(CASCADE_NOTE)}</p>\n`;
}
