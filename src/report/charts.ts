/**
 * PNG charts drawn with Chart.js on @napi-rs/canvas (Skia, prebuilt binaries inside npm; no Cairo build).
 * Every chart has a white background so it reads the same in any viewer.
 */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartDataset } from 'chart.js';

Chart.register(...registerables);

export const CHART_WIDTH = 900;
export const CHART_HEIGHT = 420;
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];

const whiteBackground = {
  id: 'whiteBackground',
  beforeDraw(chart: Chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export async function renderChart(config: ChartConfiguration, width = CHART_WIDTH, height = CHART_HEIGHT): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  const chart = new Chart(
    // stays a cast: Skia's 2D context implements what Chart.js draws with, but is not the DOM's
    // CanvasRenderingContext2D type that Chart.js declares (no common type to name instead)
    canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0],
    {
      ...config,
      options: { ...(config.options ?? {}), responsive: false, animation: false, devicePixelRatio: 1 },
      plugins: [...(config.plugins ?? []), whiteBackground],
    } as ChartConfiguration,
  );
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

export interface Series {
  label: string;
  values: (number | null)[];
}

export function barChart(title: string, labels: string[], series: Series[], yTitle: string): Promise<Buffer> {
  return renderChart({
    type: 'bar',
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] })) },
    options: {
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: yTitle } } },
    },
  });
}

/**
 * One point per labelled item (accuracy against cost). Points at x = 0 are drawn whole on the axis
 * (clip: false), so a no-think run is not a column of half dots. `y: 'full'` fixes the axis at 0–100 (a run's
 * tasks, which spread over it); `'fit'` pads it around the points (a few runs, close together).
 */
export function scatterChart(
  title: string,
  points: { label: string; x: number; y: number }[],
  xTitle: string,
  yTitle: string,
  { y = 'full' }: { y?: 'full' | 'fit' } = {},
): Promise<Buffer> {
  const ys = points.map((p) => p.y);
  const [lo, hi] = [Math.min(...ys), Math.max(...ys)];
  const pad = Math.max(1, (hi - lo) * 0.25);
  const xmax = Math.max(...points.map((p) => p.x));
  return renderChart({
    type: 'scatter',
    data: {
      datasets: points.map((p, i) => ({
        label: p.label,
        data: [{ x: p.x, y: p.y }],
        backgroundColor: PALETTE[i % PALETTE.length],
        pointRadius: 7,
        clip: false,
      })),
    },
    options: {
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom', labels: { boxWidth: 10 } } },
      scales: {
        x: { title: { display: true, text: xTitle }, min: 0, suggestedMax: xmax > 0 ? xmax * 1.15 : 1 },
        y:
          y === 'full'
            ? { min: 0, max: 100, title: { display: true, text: yTitle } }
            : { title: { display: true, text: yTitle }, suggestedMin: Math.max(0, lo - pad), suggestedMax: Math.min(100, hi + pad) },
      },
    },
  });
}

export interface ForestRow {
  label: string;
  /** One interval per compared run (null where that run has none). */
  intervals: ({ delta: number; low: number; high: number } | null)[];
}

/**
 * A forest plot: one row per group (meta-task), one horizontal interval per compared run with its point
 * estimate, and a dashed line at zero. Drawn as a scatter chart whose y axis is the row index.
 */
export function forestPlot(title: string, rows: ForestRow[], runLabels: string[], xTitle: string): Promise<Buffer> {
  const k = runLabels.length;
  const offset = (j: number) => (k === 1 ? 0 : (j - (k - 1) / 2) * (0.6 / k));
  const datasets: ChartDataset<'scatter', { x: number; y: number }[]>[] = [];
  runLabels.forEach((label, j) => {
    const color = PALETTE[(j + 1) % PALETTE.length];
    rows.forEach((r, i) => {
      const d = r.intervals[j];
      if (!d) return;
      datasets.push({
        label: `${label} interval`,
        data: [
          { x: d.low, y: i + offset(j) },
          { x: d.high, y: i + offset(j) },
        ],
        showLine: true,
        borderColor: color,
        borderWidth: 2,
        pointRadius: 0,
      });
    });
    datasets.push({
      label,
      data: rows.flatMap((r, i) => (r.intervals[j] ? [{ x: r.intervals[j]!.delta, y: i + offset(j) }] : [])),
      backgroundColor: color,
      borderColor: color,
      pointRadius: 5,
      pointStyle: 'rectRot',
    });
  });
  datasets.push({
    label: 'zero',
    data: [
      { x: 0, y: -0.5 },
      { x: 0, y: rows.length - 0.5 },
    ],
    showLine: true,
    borderColor: '#555555',
    borderDash: [4, 4],
    borderWidth: 1,
    pointRadius: 0,
  });
  const height = Math.max(220, 110 + 34 * rows.length);
  return renderChart(
    {
      type: 'scatter',
      data: { datasets },
      options: {
        plugins: {
          title: { display: true, text: title },
          legend: { position: 'bottom', labels: { filter: (item: { text: string }) => runLabels.includes(item.text) } },
        },
        scales: {
          x: { title: { display: true, text: xTitle }, grace: '5%' },
          y: {
            reverse: true,
            min: -0.5,
            max: rows.length - 0.5,
            afterBuildTicks: (axis: { ticks: { value: number }[] }) => {
              axis.ticks = rows.map((_, i) => ({ value: i }));
            },
            ticks: { autoSkip: false, callback: (v: number | string) => rows[Number(v)]?.label ?? '' },
            grid: { display: false },
          },
        },
      },
    },
    CHART_WIDTH,
    height,
  );
}

/** Points joined in x order per series (a scaling curve), each point labelled in the legend of its series. */
export function scatterLines(
  title: string,
  series: { label: string; points: { x: number; y: number; label: string }[] }[],
  xTitle: string,
  yTitle: string,
  width = CHART_WIDTH,
  height = CHART_HEIGHT,
): Promise<Buffer> {
  return renderChart(
    {
      type: 'scatter',
      data: {
        datasets: series.map((s, i) => ({
          label: `${s.label}: ${[...s.points]
            .sort((a, b) => a.x - b.x)
            .map((p) => p.label)
            .join(' → ')}`,
          data: [...s.points].sort((a, b) => a.x - b.x).map((p) => ({ x: p.x, y: p.y })),
          showLine: true,
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          pointRadius: 5,
        })),
      },
      options: {
        plugins: { title: { display: true, text: title }, legend: { position: 'bottom', labels: { boxWidth: 10 } } },
        scales: {
          x: { title: { display: true, text: xTitle }, beginAtZero: true },
          y: { beginAtZero: true, max: 100, title: { display: true, text: yTitle } },
        },
      },
    },
    width,
    height,
  );
}
