import type { ReportData } from './report-data.js';
import { type Cell, cascadeTable, costTable, leaderboardTable, type Table, tasksTable } from './tables.js';

/** Table cells must not break the Markdown table. */
const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ⏎ ');

/**
 * A table of the model (tables.ts) in Markdown: header, alignment row, one line per row (cells escaped by
 * `esc`, the document's own escaping), then its notes as paragraphs. Columns only HTML shows are left out.
 */
export function markdownTable(t: Table, esc: (s: string) => string = md): string[] {
  const keep = t.columns.map((c) => c.only !== 'html');
  const columns = t.columns.filter((_, i) => keep[i]);
  const cell = (c: Cell): string => {
    if (typeof c === 'string') return esc(c);
    if (!c.markdown) return esc(c.text);
    return (c.markdown.strong !== undefined ? `**${esc(c.markdown.strong)}**` : '') + esc(c.markdown.text);
  };
  return [
    `| ${columns.map((c) => esc(c.header)).join(' | ')} |`,
    `|${columns.map((c) => (c.align === 'left' ? '---' : '---:')).join('|')}|`,
    ...t.rows.map(
      (r) =>
        `| ${r.cells
          .filter((_, i) => keep[i])
          .map(cell)
          .join(' | ')} |`,
    ),
    ...(t.notes ?? []).flatMap((n) => ['', n]),
  ];
}

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
  lines.push('## Leaderboard columns', '', ...markdownTable(leaderboardTable(d)));
  lines.push('', '## Tasks', '', ...markdownTable(tasksTable(d)));
  const costs = costTable(d);
  if (costs) lines.push('', '## Cost', '', ...markdownTable(costs));
  const cascade = cascadeTable(s, d.costs);
  if (cascade) lines.push('', '## Cascade and adaptive thinking', '', ...markdownTable(cascade));
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
