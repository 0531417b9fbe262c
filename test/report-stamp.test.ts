/**
 * The report stamp: a run whose report inputs are unchanged keeps its report as it is; any input the report
 * reads — predictions (the query browser), the data root named in the manifest (thumbnails), the prices —
 * draws it again.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBackendConfig } from '../src/backends/config.js';
import { writeReportsIfChanged } from '../src/engine/report-stamp.js';
import { runTasks } from '../src/engine/run.js';
import { loadSuite } from '../src/engine/suites.js';
import { tempDir } from './helpers.js';

test('report stamp: unchanged inputs leave the report alone; a replaced pred file, another data root or prices redraw it', async () => {
  const mini = loadSuite('mini');
  const dir = tempDir();
  const out = join(dir, 'out');
  const report = join(dir, 'report');
  await runTasks({
    runId: 'stamp',
    tasks: mini.tasks.slice(0, 2),
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend: parseBackendConfig({ name: 'builtin-floor', pipeline: 'no-think', embedder: { type: 'builtin' } }),
    outDir: out,
    reportDir: report,
    cacheDir: null,
  });
  const html = join(report, 'report.html');
  const drawn = statSync(html, { bigint: true }).mtimeNs;
  assert.equal(await writeReportsIfChanged(out, report), false, 'nothing changed: not drawn');
  assert.equal(statSync(html, { bigint: true }).mtimeNs, drawn);

  // a prediction file replaced (as a re-computed task replaces it: a new file renamed over the old one)
  const pred = join(out, `${mini.tasks[0].name}_pred.jsonl`);
  writeFileSync(`${pred}.tmp`, readFileSync(pred));
  renameSync(`${pred}.tmp`, pred);
  assert.equal(await writeReportsIfChanged(out, report), true, 'a replaced pred file: drawn again');
  assert.equal(await writeReportsIfChanged(out, report), false, 'and then current');

  const manifestFile = join(out, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, started_at: 'another time' }));
  assert.equal(await writeReportsIfChanged(out, report), false, 'manifest times are not report inputs');
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, data_root: join(dir, 'elsewhere') }));
  assert.equal(await writeReportsIfChanged(out, report), true, 'another data root: thumbnails may differ, drawn again');

  assert.equal(await writeReportsIfChanged(out, report, { currency: 'USD', busyPerHour: 2 }), true, 'prices: drawn again');
  assert.ok(statSync(html, { bigint: true }).mtimeNs > drawn);
});
