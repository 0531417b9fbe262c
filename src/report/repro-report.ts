/**
 * The reproduction check as a document (`compare SOURCES --out FILE`): Markdown for a .md file, one
 * self-contained HTML page for .html/.htm, with the tables of the other reports (tables.ts's model,
 * markdownTable / htmlTable) and the ablation page's styles. Written atomically.
 */
import { extname } from 'node:path';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/json.js';
import { formatScore } from './format.js';
import { escapeHtml as e, htmlTable } from './html.js';
import { markdownTable } from './markdown.js';
import { bandsOff, flipsOff, formatBand, formatFlip, groupOf, signed, type ReproCheck, type ReproGroup, reproNotes } from './repro.js';
import type { Table } from './tables.js';

const signedOrDash = (x: number | null) => (x === null ? '–' : signed(x));

/** One row per group and one for all tasks: the counts, the largest delta and each source's mean. */
export function reproSummaryTable(r: ReproCheck): Table {
  const s = r.summary;
  const row = (g: ReproGroup) => ({
    cls: g.name === 'all' ? 'overall' : 'modality',
    cells: [
      { text: g.name, cls: 'name' },
      `${g.within} of ${g.compared}`,
      `${g.withinBand} of ${g.compared}`,
      g.largest ? `${g.largest.name} ${signedOrDash(g.largest.delta)}` : '–',
      ...g.means.map(formatScore),
      signedOrDash(g.meanDelta),
      { text: g.missing.map((m) => `${m.name} (not in ${m.sources.join(', ')})`).join(', ') || '–', cls: 'name' },
    ],
  });
  return {
    id: 'summary',
    columns: [
      { header: 'group', align: 'left', cls: 'name' },
      { header: `within ${s.within}`, align: 'right' },
      { header: 'within 1 SE', align: 'right' },
      { header: 'largest Δ', align: 'right' },
      ...s.sources.map((x) => ({ header: `${x.label} mean`, align: 'right' as const })),
      { header: 'Δ mean', align: 'right' },
      { header: 'missing (in no count or mean)', align: 'left' },
    ],
    rows: [...s.groups, s.all].map(row),
  };
}

/** One row per task: its group, query count, each source's score, the delta, its standard error and rank flip and the delta in each. */
export function reproTasksTable(r: ReproCheck): Table {
  const s = r.summary;
  return {
    id: 'tasks',
    columns: [
      { header: 'group', align: 'left' },
      { header: 'task', align: 'left', cls: 'name' },
      { header: 'n', align: 'right' },
      ...s.sources.map((x) => ({ header: x.label, align: 'right' as const })),
      { header: 'Δ', align: 'right' },
      { header: 'SE', align: 'right' },
      { header: '|Δ|/SE', align: 'right' },
      { header: 'flip', align: 'right' },
      { header: '|Δ|/flip', align: 'right' },
    ],
    rows: r.tasks.map((t) => {
      const outside = t.delta !== null && t.band !== null && Math.abs(t.delta) > t.band.value + 1e-9;
      return {
        cells: [
          groupOf(t.name),
          t.name,
          t.band ? String(t.band.n) : '–',
          ...t.scores.map(formatScore),
          outside ? { text: signedOrDash(t.delta), cls: 'sig', tone: (t.delta as number) > 0 ? 'up' : 'down' } : signedOrDash(t.delta),
          formatBand(t.band),
          bandsOff(t),
          formatFlip(t.band),
          flipsOff(t),
        ],
      };
    }),
  };
}

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function reproMarkdown(r: ReproCheck): string {
  const s = r.summary;
  const [first, last] = [s.sources[0], s.sources[s.sources.length - 1]];
  const L: string[] = ['# tte-bench reproduction check', ''];
  for (const x of s.sources) L.push(`- **${x.label}**: \`${md(x.path)}\` — ${md(x.model)}`);
  L.push('', `Scores ×100, main metric of each task. Δ = ${last.label} − ${first.label}. ${md(s.band)}.`, '');
  L.push('## Summary', '', ...[...s.groups, s.all].map((g) => `- ${md(g.line)}`), '', ...markdownTable(reproSummaryTable(r), md));
  L.push('', '## Tasks', '', ...markdownTable(reproTasksTable(r), md));
  const notes = reproNotes(r);
  if (notes.length) L.push('', '## Notes', '', ...notes.map((n) => `- ${md(n)}`));
  return L.join('\n') + '\n';
}

export function reproHtml(r: ReproCheck): string {
  const s = r.summary;
  const [first, last] = [s.sources[0], s.sources[s.sources.length - 1]];
  const notes = reproNotes(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tte-bench reproduction check</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1300px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:12px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f4f4f4}
td.name{text-align:left}
tr.meta td,tr.modality td{background:#f7f9fc}tr.overall td{font-weight:600;background:#eef4fb}
.up{color:#1a7f37}.down{color:#b42318}td.sig{font-weight:600}
.scroll{overflow-x:auto;max-width:100%}.note{color:#555}
</style></head><body>
<h1>tte-bench reproduction check</h1>
<ul>${s.sources.map((x) => `<li><b>${e(x.label)}</b>: <code>${e(x.path)}</code> — ${e(x.model)}</li>`).join('')}</ul>
<p class="note">Scores ×100, main metric of each task. Δ = ${e(last.label)} − ${e(first.label)}. ${e(s.band)}. Bold and colour: |Δ| beyond 1 SE.</p>
<h2>Summary</h2>
<ul>${[...s.groups, s.all].map((g) => `<li>${e(g.line)}</li>`).join('')}</ul>
${htmlTable(reproSummaryTable(r))}
<h2>Tasks</h2>
${htmlTable(reproTasksTable(r))}
${notes.length ? `<h2>Notes</h2>\n<ul>${notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>\n` : ''}</body></html>
`;
}

/** The document a --out FILE asks for, by its extension; a ConfigError for any other. */
export function reproFormat(file: string): 'markdown' | 'html' {
  const ext = extname(file).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new ConfigError(`--out of a reproduction check is a .md or .html file, got '${file}'`);
}

/** Write the check to FILE, Markdown or HTML by its extension; atomically (a reader never sees half a file). */
export function writeReproReport(r: ReproCheck, file: string): 'markdown' | 'html' {
  const format = reproFormat(file);
  writeFileAtomic(file, format === 'markdown' ? reproMarkdown(r) : reproHtml(r));
  return format;
}
