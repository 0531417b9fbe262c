/**
 * PNG charts drawn with Chart.js on @napi-rs/canvas (Skia, prebuilt binaries inside npm; no Cairo build).
 * Every chart has a white background so it reads the same in any viewer.
 */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';

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
  const chart = new Chart(canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0], {
    ...config,
    options: { ...(config.options ?? {}), responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), whiteBackground],
  } as ChartConfiguration);
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

export function scatterChart(title: string, points: { label: string; x: number; y: number }[], xTitle: string, yTitle: string): Promise<Buffer> {
  return renderChart({
    type: 'scatter',
    data: {
      datasets: points.map((p, i) => ({ label: p.label, data: [{ x: p.x, y: p.y }], backgroundColor: PALETTE[i % PALETTE.length], pointRadius: 6 })),
    },
    options: {
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom', labels: { boxWidth: 10 } } },
      scales: { x: { title: { display: true, text: xTitle }, beginAtZero: true }, y: { beginAtZero: true, max: 100, title: { display: true, text: yTitle } } },
    },
  });
}

/** Points joined in x order per series (a scaling curve), each point labelled in the legend of its series. */
export function scatterLines(title: string, series: { label: string; points: { x: number; y: number; label: string }[] }[], xTitle: string, yTitle: string, width = CHART_WIDTH, height = CHART_HEIGHT): Promise<Buffer> {
  return renderChart({
    type: 'scatter',
    data: {
      datasets: series.map((s, i) => ({
        label: `${s.label}: ${[...s.points].sort((a, b) => a.x - b.x).map((p) => p.label).join(' → ')}`,
        data: [...s.points].sort((a, b) => a.x - b.x).map((p) => ({ x: p.x, y: p.y })),
        showLine: true,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        pointRadius: 5,
      })),
    },
    options: {
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom', labels: { boxWidth: 10 } } },
      scales: { x: { title: { display: true, text: xTitle }, beginAtZero: true }, y: { beginAtZero: true, max: 100, title: { display: true, text: yTitle } } },
    },
  }, width, height);
}
