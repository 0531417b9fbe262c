import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import type { RunSummary } from './results.js';

const pct = (v: number | null): string => (v === null ? '–' : v.toFixed(2));

/** The run report in Markdown: roll-up columns, then one row per task. */
export function markdownReport(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`# tte-bench run \`${s.run_id}\``, '');
  lines.push(`- benchmark: ${s.benchmark} ${s.mmeb_version}${s.suite ? ` (suite \`${s.suite}\`)` : ''}`);
  lines.push(`- backend: \`${s.backend.name}\` — pipeline ${s.backend.pipeline}, embedder ${String(s.backend.embedder.type)}` +
    (s.backend.reasoner ? `, reasoner ${String(s.backend.reasoner.type)}` : ''));
  if (s.backend.embedder.type === 'builtin') {
    lines.push('- note: the builtin backend is a weight-free floor (hashed words + colour names + thumbnails), not a model.');
  }
  lines.push(`- scores ×100; averages are plain means over the ${s.rollup.tasks} task(s) of this run, not the 78-task leaderboard`, '');
  const head = ['Overall', ...MODALITIES.map((m) => m[0].toUpperCase() + m.slice(1)), ...ALL_META_TASKS];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---:').join('|')}|`);
  lines.push(`| ${[pct(s.rollup.overall), ...MODALITIES.map((m) => pct(s.rollup.modalities[m])), ...ALL_META_TASKS.map((m) => pct(s.rollup.meta[m]))].join(' | ')} |`, '');
  lines.push('## Tasks', '', '| Task | Meta | Mode | Metric | Score | Hit@1 | NDCG@5 | Queries | Candidates |', '|---|---|---|---|---:|---:|---:|---:|---:|');
  for (const t of s.tasks) {
    lines.push(
      `| ${t.name} | ${t.meta} | ${t.mode} | ${t.metric} | ${(t.main_score * 100).toFixed(2)} | ${(t['hit@1'] * 100).toFixed(2)} | ${(t['ndcg_linear@5'] * 100).toFixed(2)} | ${t.num_queries} | ${t.num_candidates} |`,
    );
  }
  return lines.join('\n') + '\n';
}
