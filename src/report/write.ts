/** Writes reports/<run>/: report.md, report.html (self-contained) and charts/*.png, from a results folder. */
import { join } from 'node:path';
import { metaTasksOf } from '../catalog/types.js';
import type { TaskCost } from './results.js';
import { writeFileAtomic } from '../util/json.js';
import { barChart, scatterChart, CHART_HEIGHT, CHART_WIDTH } from './charts.js';
import { price, type PriceTable } from './costs.js';
import { htmlReport } from './html.js';
import { writeBrowser } from './browser.js';
import { markdownReport } from './markdown.js';
import { referenceRows } from './reference.js';
import type { RunSummary } from './results.js';
import { readCosts, readExamples, readSummary } from './run-folder.js';

export type { ReportChart, ReportData } from './report-data.js';
import type { ReportChart, ReportData } from './report-data.js';

export async function buildReportData(resultsDir: string, { prices }: { prices?: PriceTable } = {}): Promise<ReportData> {
  const summary = readSummary(resultsDir);
  const references = referenceRows(
    summary.tasks.map((t) => t.name),
    summary.mmeb_version,
  );
  const costs = readCosts(resultsDir);
  const examples = Object.fromEntries(
    summary.tasks.map((t) => [t.name, readExamples(resultsDir, t.name)]).filter(([, v]) => v),
  ) as ReportData['examples'];
  const money = (c: TaskCost) => (prices ? price(c, prices) : 0);
  const metas = metaTasksOf(summary.mmeb_version).filter((m) => (summary.rollup.meta[m] ?? null) !== null);
  const charts: ReportChart[] = [];
  const add = async (file: string, title: string, png: Promise<Buffer>) =>
    charts.push({ file, title, png: await png, width: CHART_WIDTH, height: CHART_HEIGHT });
  await add(
    'meta-tasks.png',
    'Per-meta-task scores (×100)',
    barChart(
      'Per-meta-task scores (×100)',
      metas,
      [
        { label: summary.backend.name, values: metas.map((m) => summary.rollup.meta[m]) },
        ...references.map((r) => ({ label: r.model, values: metas.map((m) => r.meta[m]) })),
      ],
      'score',
    ),
  );
  if (references.length) {
    const ref = references.find((r) => /V2\.0/.test(r.model)) ?? references[0];
    await add(
      'model-vs-reference.png',
      `This run vs ${ref.model}, per task (×100)`,
      barChart(
        `This run vs ${ref.model}, per task (×100)`,
        summary.tasks.map((t) => t.name),
        [
          { label: summary.backend.name, values: summary.tasks.map((t) => t.main_score * 100) },
          { label: ref.model, values: summary.tasks.map((t) => ref.scores[t.name] ?? null) },
        ],
        'main metric',
      ),
    );
  }
  // per query, on one axis for every task: reasoner tokens (or money) when a reasoner ran, else model-busy
  // time, so a no-think run is not a column of dots at zero
  const tokens = summary.tasks.some(
    (t) => costs[t.name] && costs[t.name].reasoner_prompt_tokens + costs[t.name].reasoner_completion_tokens > 0,
  );
  const perQuery = (t: RunSummary['tasks'][number]) => {
    const c = costs[t.name];
    if (!c || !t.num_queries) return 0;
    const v = prices
      ? price(c, prices) * 1000
      : tokens
        ? c.reasoner_prompt_tokens + c.reasoner_completion_tokens
        : c.model_busy_seconds * 1000;
    return v / t.num_queries;
  };
  const costLabel = prices
    ? `cost per 1000 queries (${prices.currency ?? 'USD'})`
    : tokens
      ? 'reasoner tokens per query'
      : 'model-busy ms per query (no reasoner)';
  await add(
    'accuracy-vs-cost.png',
    `Accuracy vs cost per task (${costLabel})`,
    scatterChart(
      `Accuracy vs cost per task (${costLabel})`,
      summary.tasks.map((t) => ({ label: t.name, x: perQuery(t), y: t.main_score * 100 })),
      costLabel,
      'main metric ×100',
    ),
  );
  return { summary, references, costs, examples, charts, prices, money };
}

export async function writeReports(
  resultsDir: string,
  reportDir: string,
  opts: { prices?: PriceTable; dataRoot?: string } = {},
): Promise<ReportData> {
  const data = await buildReportData(resultsDir, opts);
  data.browser = await writeBrowser(
    [{ dir: resultsDir, label: 'A', name: data.summary.backend.name }],
    data.summary.tasks.map((t) => t.name),
    reportDir,
    { dataRoot: opts.dataRoot },
  );
  for (const c of data.charts) writeFileAtomic(join(reportDir, 'charts', c.file), c.png);
  writeFileAtomic(join(reportDir, 'report.md'), markdownReport(data));
  writeFileAtomic(join(reportDir, 'report.html'), htmlReport(data));
  return data;
}
