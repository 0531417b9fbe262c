/**
 * Rewrite a run's report only when what it is made from changed. Rendering the charts (chart.js on a
 * canvas) was most of the time of a resumed run whose results were all reused. The report is a function of
 * the results folder's summary.json, costs.json, *_examples.json, *_items.json and *_traces.jsonl (hashed
 * whole), its *_pred.jsonl (the query browser reads them; they can be large, so each enters by size, mtime
 * and inode — a prediction file is only ever replaced whole, by a rename), the data root the manifest names
 * (thumbnails come from it), the price table and the harness version (which fixes the reference scores and
 * the templates); a stamp beside the report records their hash and the files written, and a report whose
 * stamp matches and whose files all exist is left as it is.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PriceTable } from '../report/costs.js';
import { writeJsonAtomic } from '../util/json.js';
import { packageVersion } from '../util/package-root.js';

const STAMP = '.report-inputs.json';

function inputsHash(resultsDir: string, prices: PriceTable | undefined): string {
  const h = createHash('sha256').update(JSON.stringify({ harness: packageVersion(), prices: prices ?? null }));
  // the query browser also reads each task's items, traces and predictions
  const names = readdirSync(resultsDir).sort();
  const files = ['summary.json', 'costs.json', ...names.filter((f) => /_(examples|items)\.json$|_traces\.jsonl$/.test(f))];
  for (const f of files) {
    const p = join(resultsDir, f);
    h.update(`\0${f}\0`).update(existsSync(p) ? readFileSync(p) : '(absent)');
  }
  for (const f of names.filter((n) => n.endsWith('_pred.jsonl'))) {
    const st = statSync(join(resultsDir, f), { bigint: true });
    h.update(`\0${f}\0${st.size} ${st.mtimeNs} ${st.ino}`);
  }
  const manifest = join(resultsDir, 'manifest.json');
  h.update(
    `\0data_root\0${existsSync(manifest) ? String((JSON.parse(readFileSync(manifest, 'utf8')) as { data_root?: unknown }).data_root) : ''}`,
  );
  return h.digest('hex');
}

/** Write the report unless it is current; returns whether it was written. */
export async function writeReportsIfChanged(resultsDir: string, reportDir: string, prices?: PriceTable): Promise<boolean> {
  const hash = inputsHash(resultsDir, prices);
  const stampFile = join(reportDir, STAMP);
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { inputs?: string; files?: string[] };
    if (stamp.inputs === hash && Array.isArray(stamp.files) && stamp.files.every((f) => existsSync(join(reportDir, f)))) return false;
  } catch {
    /* no stamp or an unreadable one: write the report */
  }
  const { writeReports } = await import('../report/write.js'); // chart.js and the canvas only when drawing
  const data = await writeReports(resultsDir, reportDir, { prices });
  writeJsonAtomic(stampFile, { inputs: hash, files: ['report.md', 'report.html', ...data.charts.map((c) => join('charts', c.file))] });
  return true;
}
