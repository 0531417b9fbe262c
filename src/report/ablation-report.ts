/**
 * The ablation report of `compare A B [C …] --out DIR`: ablation.json (everything computed), ablation.md and
 * ablation.html (tables, a forest plot of deltas per meta-task, cost per run, accuracy-vs-cost charts, flips
 * per task linking into a side-by-side query browser). The page needs nothing from the network; its charts
 * are inline PNGs, its browser data and thumbnails lie beside it.
 */
import { join } from 'node:path';
import { toJson, writeFileAtomic } from '../util/json.js';
import { browserLink, BROWSER_CSS, browserSection, writeBrowser, type BrowserIndex } from './browser.js';
import { forestPlot, scatterChart, CHART_HEIGHT, CHART_WIDTH } from './charts.js';
import type { Ablation } from './compare.js';
import { escapeHtml as e, htmlTable } from './html.js';
import { markdownTable } from './markdown.js';
import type { ReportChart } from './report-data.js';
import { deltasTable, mcnemarTable, runCostTable } from './tables.js';

export async function ablationCharts(a: Ablation): Promise<ReportChart[]> {
  const charts: ReportChart[] = [];
  const later = a.runs.slice(1);
  const metaRows = a.rows.filter((r) => r.level === 'meta' || r.level === 'modality' || r.level === 'overall');
  if (later.length) {
    const rows = metaRows.map((r) => ({
      label: r.level === 'meta' ? r.name : r.level === 'overall' ? 'Overall' : `${r.name} (all)`,
      intervals: r.deltas.slice(1).map((d) => d),
    }));
    const png = await forestPlot(
      `Δ against A (×100) with ${Math.round(a.level * 100)}% paired bootstrap intervals`,
      rows,
      later.map((r) => `${r.label}: ${r.name}`),
      'Δ main metric (×100)',
    );
    charts.push({
      file: 'forest.png',
      title: 'Deltas against A per meta-task, modality and overall',
      png,
      width: CHART_WIDTH,
      height: png.readUInt32BE(20),
    });
  }
  const overall = a.rows.find((r) => r.level === 'overall') as Ablation['rows'][number];
  const pts = (x: (i: number) => number) => a.runs.map((r, i) => ({ label: `${r.label}: ${r.name}`, x: x(i), y: overall.scores[i] ?? 0 }));
  const first = a.currency
    ? {
        file: 'accuracy-vs-money.png',
        axis: `cost per 1000 queries (${a.currency})`,
        x: (i: number) => ((a.costs[i].money ?? 0) * 1000) / Math.max(1, a.costs[i].queries),
      }
    : { file: 'accuracy-vs-tokens.png', axis: 'reasoner tokens per query (no-think = 0)', x: (i: number) => a.costs[i].tokensPerQuery };
  for (const c of [first, { file: 'accuracy-vs-busy.png', axis: 'model-busy ms per query', x: (i: number) => a.costs[i].busyMsPerQuery }]) {
    const title = `Overall score vs ${c.axis}`;
    charts.push({
      file: c.file,
      title,
      png: await scatterChart(title, pts(c.x), c.axis, 'overall main metric ×100', { y: 'fit' }),
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
    });
  }
  return charts;
}

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function ablationMarkdown(a: Ablation, charts: ReportChart[]): string {
  const L: string[] = ['# tte-bench ablation', ''];
  for (const r of a.runs)
    L.push(
      `- **${r.label}**: \`${md(r.dir)}\` — ${md(r.name)} (${md(r.pipeline)}${r.reasoner ? `, reasoner ${md(r.reasoner)}` : ''}, embedder ${md(r.embedder)}; ${r.mmebVersion}, profile ${md(r.profile)})`,
    );
  L.push(
    '',
    `Scores ×100 over queries paired by id. Δ = run − A with a ${Math.round(a.level * 100)}% paired bootstrap interval (${a.resamples} resamples, seed ${a.seed}); * = the interval excludes 0.`,
    '',
  );
  const later = a.runs.slice(1);
  L.push('## Scores and deltas', '', ...markdownTable(deltasTable(a), md));
  L.push(
    '',
    '## Hit@1: exact McNemar test per task',
    '',
    'helped = wrong under A, right under the run; hurt = the reverse. p is the exact two-sided McNemar p-value; p (Holm) is adjusted over the tasks compared.',
    '',
    ...markdownTable(mcnemarTable(a), md),
  );
  L.push('', '## Cost per run', '', ...markdownTable(runCostTable(a), md));
  L.push('', '## Flips (Hit@1 changed against A)', '');
  for (const f of a.flips) {
    const parts = f.runs.map((x, j) => `${later[j].label}: +${x.helped.length} / −${x.hurt.length}`);
    L.push(`- **${md(f.task)}** — ${parts.join('; ')}`);
    f.runs.forEach((x, j) => {
      if (x.helped.length) L.push(`  - helped by ${later[j].label}: ${x.helped.map((k) => `\`${md(k)}\``).join(', ')}`);
      if (x.hurt.length) L.push(`  - hurt by ${later[j].label}: ${x.hurt.map((k) => `\`${md(k)}\``).join(', ')}`);
    });
  }
  if (charts.length) {
    L.push('', '## Charts', '');
    for (const c of charts) L.push(`![${c.title}](charts/${c.file})`, '');
  }
  L.push('## Notes', '', ...a.notes.map((n) => `- ${md(n)}`));
  return L.join('\n') + '\n';
}

export function ablationHtml(a: Ablation, charts: ReportChart[], browser: BrowserIndex): string {
  const later = a.runs.slice(1);
  const c = (v: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${v}</td>`;
  const link = (task: string, k: string) => `<a class="flip" data-task="${e(task)}" href="${e(browserLink(task, k))}">${e(k)}</a>`;
  const flips = a.flips
    .map((f) => {
      const cells = f.runs
        .map(
          (x, j) =>
            `<td class="flips"><b>${e(later[j].label)}</b> helped ${x.helped.length}: ${x.helped.map((k) => link(f.task, k)).join(' ') || '–'}<br>hurt ${x.hurt.length}: ${x.hurt.map((k) => link(f.task, k)).join(' ') || '–'}</td>`,
        )
        .join('');
      return `<tr>${c(e(f.task), 'name')}${cells}</tr>`;
    })
    .join('\n');
  const figs = charts
    .map(
      (x) =>
        `<figure><img alt="${e(x.title)}" width="${x.width}" height="${x.height}" src="data:image/png;base64,${x.png.toString('base64')}"><figcaption>${e(x.title)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tte-bench ablation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1300px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:12px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f4f4f4}
td.name{text-align:left}td.flips{text-align:left;white-space:normal;max-width:40em}
tr.meta td,tr.modality td{background:#f7f9fc}tr.overall td{font-weight:600;background:#eef4fb}
.up{color:#1a7f37}.down{color:#b42318}td.sig{font-weight:600}
.scroll{overflow-x:auto;max-width:100%}img{max-width:100%;height:auto}
figure{display:inline-block;margin:8px}figcaption{text-align:center;color:#555}.note{color:#555}
${BROWSER_CSS}
</style></head><body>
<h1>tte-bench ablation</h1>
<ul>${a.runs.map((r) => `<li><b>${e(r.label)}</b>: <code>${e(r.dir)}</code> — ${e(r.name)} (${e(r.pipeline)}${r.reasoner ? `, reasoner ${e(r.reasoner)}` : ''}, embedder ${e(r.embedder)}; ${e(r.mmebVersion)}, profile ${e(r.profile)})</li>`).join('')}</ul>
<p class="note">Scores ×100 over queries paired by id. Δ = run − A with a ${Math.round(a.level * 100)}% paired bootstrap interval over queries (${a.resamples} resamples, seed ${a.seed}); * and colour = the interval excludes 0.</p>
<h2>Scores and deltas</h2>
${htmlTable(deltasTable(a))}
<h2>Charts</h2>
${figs}
<h2>Hit@1: exact McNemar test per task</h2>
<p class="note">helped = wrong under A, right under the run; hurt = the reverse. p is the exact two-sided McNemar p-value on those discordant queries; p (Holm) is adjusted for the ${a.flips.length} task(s) tested (bold: below 0.05).</p>
${htmlTable(mcnemarTable(a))}
<h2>Cost per run</h2>
${htmlTable(runCostTable(a))}
<h2>Flips</h2>
<p class="note">Queries whose Hit@1 changed against A; each id opens the query in the browser below.</p>
<div class="scroll"><table id="flips"><thead><tr><th>Task</th>${later.map((r) => `<th>${e(r.label)} vs A</th>`).join('')}</tr></thead><tbody>
${flips}
</tbody></table></div>
<h2>Notes</h2>
<ul>${a.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>
<h2>Query browser</h2>
${browserSection(browser)}
</body></html>
`;
}

export async function writeAblationReport(
  a: Ablation,
  outDir: string,
  opts: { dataRoot?: string } = {},
): Promise<{ charts: ReportChart[]; browser: BrowserIndex }> {
  const charts = await ablationCharts(a);
  const browser = await writeBrowser(
    a.runs.map((r) => ({ dir: r.dir, label: r.label, name: r.name })),
    a.flips.map((f) => f.task),
    outDir,
    opts,
  );
  for (const c of charts) writeFileAtomic(join(outDir, 'charts', c.file), c.png);
  writeFileAtomic(join(outDir, 'ablation.json'), toJson(a));
  writeFileAtomic(join(outDir, 'ablation.md'), ablationMarkdown(a, charts));
  writeFileAtomic(join(outDir, 'ablation.html'), ablationHtml(a, charts, browser));
  return { charts, browser };
}
