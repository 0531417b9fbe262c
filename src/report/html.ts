/**
 * The HTML report: one page (inline CSS, charts as data: URIs, no network) plus the query browser, whose
 * per-task data and thumbnails lie beside it (browser/, thumbs/). The only scripts are the browser's own;
 * every piece of dataset or model text goes through escapeHtml here, and through JSON + textContent in the
 * browser, so a task text containing <script> is inert.
 */
import type { ReportData } from './report-data.js';
import { BROWSER_CSS, browserSection } from './browser.js';
import { type Cell, type Column, cascadeTable, leaderboardTable, type Table, tasksTable } from './tables.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * A table of the model (tables.ts) in HTML: a scrolling <table> (its id when it has one), every text escaped,
 * each cell's class its own or its column's, then its notes as paragraphs. Columns only Markdown shows are left out.
 */
export function htmlTable(t: Table): string {
  const e = escapeHtml;
  const keep = t.columns.map((c) => c.only !== 'markdown');
  const columns = t.columns.filter((_, i) => keep[i]);
  const td = (c: Cell, col: Column): string => {
    const spec = typeof c === 'string' ? { text: c } : c;
    const cls = 'cls' in spec && spec.cls !== undefined ? spec.cls : col.cls;
    const body = 'tone' in spec && spec.tone !== undefined ? `<span class="${spec.tone}">${e(spec.text)}</span>` : e(spec.text);
    return `<td${cls ? ` class="${cls}"` : ''}>${body}</td>`;
  };
  const rows = t.rows.map(
    (r) =>
      `<tr${r.cls !== undefined ? ` class="${r.cls}"` : ''}>${r.cells
        .filter((_, i) => keep[i])
        .map((c, i) => td(c, columns[i]))
        .join('')}</tr>`,
  );
  return `<div class="scroll"><table${t.id ? ` id="${t.id}"` : ''}><thead><tr>${columns.map((c) => `<th>${e(c.header)}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>${(t.notes ?? []).map((n) => `\n<p class="note">${e(n)}</p>`).join('')}`;
}

export function htmlReport(d: ReportData): string {
  const s = d.summary;
  const e = escapeHtml;
  const cascade = cascadeTable(s, d.costs);
  const charts = d.charts
    .map(
      (c) =>
        `<figure><img alt="${e(c.title)}" width="${c.width}" height="${c.height}" src="data:image/png;base64,${c.png.toString('base64')}"><figcaption>${e(c.title)}</figcaption></figure>`,
    )
    .join('\n');
  const examples = s.tasks
    .map((t) => {
      const ex = d.examples[t.name];
      if (!ex) return '';
      const list = (label: string, items: typeof ex.best) =>
        `<h4>${label}</h4><ol>${items
          .map(
            (x) =>
              `<li><div class="q">${e(x.text)}</div><div>gold: <code>${e(x.gold.join(', '))}</code> · top-3: <code>${e(x.top.join(' | '))}</code> · ${e(t.metric)} ${(x.score * 100).toFixed(1)}</div>${x.trace ? `<pre class="trace">${e(x.trace)}</pre>` : ''}</li>`,
          )
          .join('')}</ol>`;
      return `<details><summary>${e(t.name)}</summary>${list('Best queries', ex.best)}${list('Worst queries', ex.worst)}</details>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tte-bench run ${e(s.run_id)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:12px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f4f4f4}
.scroll{overflow-x:auto;max-width:100%}img{max-width:100%;height:auto}
td.name{text-align:left;white-space:nowrap}tr.run td{font-weight:600;background:#eef4fb}
figure{display:inline-block;margin:8px}figcaption{text-align:center;color:#555}
.q{white-space:pre-wrap;font-family:ui-monospace,monospace;background:#fafafa;padding:4px}
pre.trace{white-space:pre-wrap;background:#f6f8fa;padding:6px;border-left:3px solid #4e79a7}
.note{color:#555}.partial{color:#a40000}
${BROWSER_CSS}
</style></head><body>
<h1>tte-bench run <code>${e(s.run_id)}</code></h1>
<p>${e(s.benchmark)} ${e(s.mmeb_version)}${s.suite ? ` · suite <code>${e(s.suite)}</code>` : ''} · backend <code>${e(s.backend.name)}</code> · pipeline ${e(s.backend.pipeline)} · embedder ${e(String(s.backend.embedder.type))}${s.backend.reasoner ? ` · reasoner ${e(String(s.backend.reasoner.type))}` : ''}</p>
<p class="note">Scores ×100. Every average is a plain mean over the ${s.rollup.tasks} task(s) of this run; reference rows are averaged over the same tasks.${s.backend.embedder.type === 'builtin' ? ' The builtin backend is a weight-free floor, not a model.' : ''}</p>
${s.partial ? `<p class="partial"><strong>Partial run: ${s.partial.tasks_scored} of ${s.partial.tasks_requested} tasks scored.</strong> Every average is over those ${s.partial.tasks_scored} tasks only. Failed:</p><ul class="partial">${s.partial.failed.map((f) => `<li><code>${e(f.name)}</code>: ${e(f.error)}</li>`).join('')}</ul>` : ''}
${s.suite === 'mini' ? '<p class="note"><strong>The mini suite is synthetic data in the MMEB-V2 layout:</strong> reference rows are the published scores on the real tasks of the same names, shown for layout, not for comparison.</p>' : ''}
<h2>Leaderboard columns</h2>
${htmlTable(leaderboardTable(d))}
<h2>Tasks</h2>
${htmlTable(tasksTable(d))}
${cascade ? `<h2>Cascade and adaptive thinking</h2>\n${htmlTable(cascade)}\n` : ''}<h2>Charts</h2>
${charts}
<h2>Example queries</h2>
${examples}
${d.browser ? `<h2>Query browser</h2>\n${browserSection(d.browser)}` : ''}
</body></html>
`;
}
