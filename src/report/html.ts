/**
 * The HTML report: one page (inline CSS, charts as data: URIs, no network) plus the query browser, whose
 * per-task data and thumbnails lie beside it (browser/, thumbs/). The only scripts are the browser's own;
 * every piece of dataset or model text goes through escapeHtml here, and through JSON + textContent in the
 * browser, so a task text containing <script> is inert.
 */
import { ALL_META_TASKS, MODALITIES } from '../catalog/types.js';
import { formatScore } from './format.js';
import { cascadeHtml } from './cascade.js';
import type { ReportData } from './report-data.js';
import { BROWSER_CSS, browserSection } from './browser.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const pct = formatScore;
const cell = (v: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${v}</td>`;

export function htmlReport(d: ReportData): string {
  const s = d.summary;
  const e = escapeHtml;
  const head = ['Model', 'Overall', ...MODALITIES.map((m) => m[0].toUpperCase() + m.slice(1)), ...ALL_META_TASKS];
  const rows = [
    {
      model: `${s.backend.name} (this run${s.partial ? `, over ${s.partial.tasks_scored} of ${s.partial.tasks_requested} tasks` : ''})`,
      overall: s.rollup.overall,
      modalities: s.rollup.modalities,
      meta: s.rollup.meta,
      cls: 'run',
    },
    ...d.references.map((r) => ({
      model: `${r.model} — ${r.source}`,
      overall: r.overall,
      modalities: r.modalities,
      meta: r.meta,
      cls: '',
    })),
  ];
  const board = rows
    .map(
      (r) =>
        `<tr class="${r.cls}">${cell(e(r.model), 'name')}${cell(pct(r.overall))}${MODALITIES.map((m) => cell(pct(r.modalities[m]))).join('')}${ALL_META_TASKS.map((m) => cell(pct(r.meta[m]))).join('')}</tr>`,
    )
    .join('\n');
  const taskRows = s.tasks
    .map((t) => {
      const ref = d.references[0]?.scores[t.name];
      const c = d.costs[t.name];
      return `<tr>${cell(e(t.name), 'name')}${cell(e(t.meta))}${cell(e(t.mode))}${cell(e(t.metric))}${cell((t.main_score * 100).toFixed(2))}${cell((t['hit@1'] * 100).toFixed(2))}${cell((t['ndcg_linear@5'] * 100).toFixed(2))}${cell(pct(ref))}${cell(String(t.num_queries))}${cell(String(t.num_candidates))}${cell(c ? String(c.reasoner_prompt_tokens + c.reasoner_completion_tokens) : '–')}${cell(c ? String(c.embed_calls) : '–')}${cell(c ? c.wall_seconds.toFixed(2) : '–')}${d.prices ? cell(c ? d.money(c).toFixed(4) : '–') : ''}</tr>`;
    })
    .join('\n');
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
<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>
${board}
</tbody></table></div>
<h2>Tasks</h2>
<div class="scroll"><table><thead><tr><th>Task</th><th>Meta</th><th>Mode</th><th>Metric</th><th>Score</th><th>Hit@1</th><th>NDCG@5</th><th>${e(d.references[0]?.model ?? 'Reference')}</th><th>Queries</th><th>Candidates</th><th>Reasoner tokens</th><th>Embed calls</th><th>Wall s</th>${d.prices ? `<th>Cost (${e(d.prices.currency ?? 'USD')})</th>` : ''}</tr></thead><tbody>
${taskRows}
</tbody></table></div>
${cascadeHtml(s, d.costs, e)}<h2>Charts</h2>
${charts}
<h2>Example queries</h2>
${examples}
${d.browser ? `<h2>Query browser</h2>\n${browserSection(d.browser)}` : ''}
</body></html>
`;
}
