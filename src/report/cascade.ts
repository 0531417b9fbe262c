/**
 * The report's "Cascade and adaptive thinking" section: per task, what the rerank stage scored and cost,
 * and which share of items was reasoned on with the tokens that saved. Empty for plain runs. Its table is
 * built in tables.ts.
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

export const CASCADE_NOTE =
  "Reranking re-sorts each query's top K retrieved candidates by the reranker's score (ties keep retrieval order); candidates below K keep their retrieval order after them. " +
  '"Est. tokens saved" = items not reasoned on × the mean reasoning tokens of the items that were — an estimate; an always/never/gate ablation measures it exactly.';
