import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { formatScore } from './format.js';
import { sumCosts } from './costs.js';
import { cascadeMarkdown } from './cascade.js';
import type { ReportData } from './report-data.js';

const pct = formatScore;
/** Table cells must not break the Markdown table. */
const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ⏎ ');

/** The run report in Markdown: leaderboard columns beside the published rows, tasks, costs, charts, examples. */
export function markdownReport(d: ReportData): string {
  const s = d.summary;
  const lines: string[] = [];
  lines.push(`# tte-bench run \`${s.run_id}\``, '');
  lines.push(`- benchmark: ${s.benchmark} ${s.mmeb_version}${s.suite ? ` (suite \`${s.suite}\`)` : ''}`);
  lines.push(
    `- backend: \`${s.backend.name}\` — pipeline ${s.backend.pipeline}, embedder ${String(s.backend.embedder.type)}` +
      (s.backend.reasoner ? `, reasoner ${String(s.backend.reasoner.type)}` : ''),
  );
  if (s.backend.embedder.type === 'builtin')
    lines.push('- note: the builtin backend is a weight-free floor (hashed words + colour names + thumbnails), not a model.');
  lines.push(
    `- scores ×100; averages are plain means over the ${s.rollup.tasks} task(s) of this run (reference rows over the same tasks), not the 78-task leaderboard unless the run covers all 78`,
    '',
  );
  if (s.partial) {
    lines.push(
      `> **Partial run: ${s.partial.tasks_scored} of ${s.partial.tasks_requested} tasks scored.** Every average below is over those ${s.partial.tasks_scored} tasks only. Failed:`,
      ...s.partial.failed.map((f) => `> - ${md(f.name)}: ${md(f.error)}`),
      '',
    );
  }
  if (s.suite === 'mini')
    lines.push(
      '> The mini suite is synthetic data in the MMEB-V2 layout: reference rows are the published scores on the *real* tasks of the same names, shown for layout, not for comparison.',
      '',
    );
  lines.push('## Leaderboard columns', '');
  const head = ['Model', 'Overall', ...MODALITIES.map((m) => m[0].toUpperCase() + m.slice(1)), ...ALL_META_TASKS];
  lines.push(
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  );
  lines.push(
    `| **${md(s.backend.name)}** (this run${s.partial ? `, over ${s.partial.tasks_scored} of ${s.partial.tasks_requested} tasks` : ''}) | ${[pct(s.rollup.overall), ...MODALITIES.map((m) => pct(s.rollup.modalities[m])), ...ALL_META_TASKS.map((m) => pct(s.rollup.meta[m]))].join(' | ')} |`,
  );
  for (const r of d.references) {
    lines.push(
      `| ${md(r.model)} (${md(r.source)}) | ${[pct(r.overall), ...MODALITIES.map((m) => pct(r.modalities[m])), ...ALL_META_TASKS.map((m) => pct(r.meta[m]))].join(' | ')} |`,
    );
  }
  const ref = d.references[0];
  lines.push(
    '',
    '## Tasks',
    '',
    `| Task | Meta | Mode | Metric | Score | Hit@1 | NDCG@5 | ${ref ? md(ref.model) : 'Reference'} | Queries | Candidates |`,
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const t of s.tasks) {
    lines.push(
      `| ${t.name} | ${t.meta} | ${t.mode} | ${t.metric} | ${(t.main_score * 100).toFixed(2)} | ${(t['hit@1'] * 100).toFixed(2)} | ${(t['ndcg_linear@5'] * 100).toFixed(2)} | ${pct(ref?.scores[t.name])} | ${t.num_queries} | ${t.num_candidates} |`,
    );
  }
  const costs = s.tasks.map((t) => d.costs[t.name]).filter(Boolean);
  if (costs.length) {
    const total = sumCosts(costs);
    lines.push(
      '',
      '## Cost',
      '',
      `| Task | Reasoner prompt tokens | Completion tokens | Reason calls | Embed calls | Embedded items | Cache hits | Model-busy s | Wall s${d.prices ? ` | Cost (${d.prices.currency ?? 'USD'})` : ''} |`,
      `|---|---:|---:|---:|---:|---:|---:|---:|---:${d.prices ? '|---:' : ''}|`,
    );
    const row = (name: string, c: typeof total) =>
      `| ${name} | ${c.reasoner_prompt_tokens} | ${c.reasoner_completion_tokens} | ${c.reason_calls} | ${c.embed_calls} | ${c.embedded_items} | ${c.cache_hits} | ${c.model_busy_seconds.toFixed(2)} | ${c.wall_seconds.toFixed(2)}${d.prices ? ` | ${d.money(c).toFixed(4)}` : ''} |`;
    for (const t of s.tasks) if (d.costs[t.name]) lines.push(row(t.name, d.costs[t.name]));
    lines.push(row('**total**', total));
    lines.push('', 'Counts are what this run asked for; work served from the cache (or a reused task) costs nothing here.');
  }
  lines.push(...cascadeMarkdown(s, d.costs));
  if (d.charts.length) {
    lines.push('', '## Charts', '');
    for (const c of d.charts) lines.push(`![${c.title}](charts/${c.file})`, '');
  }
  const withExamples = s.tasks.filter((t) => d.examples[t.name]);
  if (withExamples.length) {
    lines.push('## Example queries', '');
    for (const t of withExamples) {
      const ex = d.examples[t.name];
      lines.push(`### ${t.name}`, '');
      for (const [label, list] of [
        ['best', ex.best],
        ['worst', ex.worst],
      ] as const) {
        for (const x of list) {
          lines.push(
            `- ${label} · ${t.metric} ${(x.score * 100).toFixed(1)} · query \`${md(x.id)}\`: ${md(x.text).slice(0, 300)} — gold \`${md(x.gold.join(', ')).slice(0, 120)}\`, top-3 \`${md(x.top.join(' | ')).slice(0, 200)}\``,
          );
          if (x.trace) lines.push(`  - trace: ${md(x.trace).slice(0, 400)}`);
        }
      }
      lines.push('');
    }
  }
  return lines.join('\n') + '\n';
}
