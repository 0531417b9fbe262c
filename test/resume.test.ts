/** Resuming a finished run reads no data: fingerprints come from the data files each task recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { ioCounts } from '../src/util/io-counts.js';
import { runTasks, type RunOptions } from '../src/engine/run.js';
import { loadSuite } from '../src/engine/suites.js';
import { tempDir } from './helpers.js';

test('resume: a finished 13-task run is reused with no data file read and no media checked; a changed file is noticed', async () => {
  const mini = loadSuite('mini');
  const dir = tempDir();
  const dataRoot = join(dir, 'data');
  cpSync(mini.dataRoot as string, dataRoot, { recursive: true });
  const backend = parseBackendConfig({ name: 'builtin-floor', pipeline: 'no-think', embedder: { type: 'builtin' } });
  const opts: RunOptions = {
    runId: 'resume',
    tasks: mini.tasks,
    dataRoot,
    version: 'v2.1',
    backend,
    outDir: join(dir, 'out'),
    reportDir: join(dir, 'report'),
    cacheDir: null,
  };
  const results = () =>
    Object.fromEntries(
      readdirSync(opts.outDir)
        .filter((f) => /(_score\.json|_pred\.jsonl|^summary\.json)$/.test(f))
        .map((f) => [f, readFileSync(join(opts.outDir, f), 'utf8')]),
    );

  const first = await runTasks(opts);
  assert.deepEqual(first.reused, []);
  assert.ok(ioCounts.dataFilesRead > 0 && ioCounts.mediaChecks > 0, 'the first run reads data (the counters count)');
  const before = results();
  const html = join(dir, 'report', 'report.html');
  const drawn = statSync(html).mtimeMs;
  const htmlText = readFileSync(html, 'utf8');
  await new Promise((r) => setTimeout(r, 20)); // a rewrite would get a later mtime

  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  const again = await runTasks(opts);
  assert.equal(again.reused.length, 13);
  assert.deepEqual(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  assert.deepEqual(results(), before, 'the same result files, byte for byte');
  assert.deepEqual(again.summary, first.summary);
  // the report's inputs did not change: it is not drawn again
  assert.equal(statSync(html).mtimeMs, drawn);
  rmSync(join(dir, 'report', 'charts', 'meta-tasks.png'));
  await runTasks(opts);
  assert.ok(statSync(join(dir, 'report', 'charts', 'meta-tasks.png')).size > 0, 'a missing report file is drawn again');
  assert.equal(readFileSync(html, 'utf8'), htmlText, 'the same report');

  // a data file whose mtime changed: that task's fingerprint changes and it is computed again, from the data
  const status = JSON.parse(readFileSync(join(opts.outDir, '.status', 'OK-VQA.json'), 'utf8')) as { data_files: string[] };
  assert.ok(status.data_files.length > 0);
  utimesSync(status.data_files[0], new Date(), new Date(Date.now() + 5_000));
  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  const touched = await runTasks(opts);
  assert.equal(touched.reused.length, 12);
  assert.ok(!touched.reused.includes('OK-VQA'));
  assert.ok(ioCounts.dataFilesRead > 0);
  assert.deepEqual(results(), before, 'recomputed from unchanged content: the same bytes');

  // a file added beside a task's data files may change what its split resolves to: the task is loaded again
  // (and, its fingerprint being the same, reused), never resumed blind
  const arxiv = JSON.parse(readFileSync(join(opts.outDir, '.status', 'ViDoRe_arxivqa.json'), 'utf8')) as { data_files: string[] };
  writeFileSync(join(arxiv.data_files[0], '..', 'notes.txt'), 'added\n');
  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  const added = await runTasks(opts);
  assert.equal(added.reused.length, 13);
  assert.ok(ioCounts.dataFilesRead > 0, 'ViDoRe_arxivqa was loaded again');
  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  await runTasks(opts);
  assert.deepEqual(ioCounts, { dataFilesRead: 0, mediaChecks: 0 }, 'and the next resume reads nothing again');
});

test('resume: query-range parts of split tasks are reused with no data read, with the same results, log and manifest', async () => {
  const mini = loadSuite('mini');
  const dir = tempDir();
  const backend = parseBackendConfig({ name: 'builtin-floor', pipeline: 'no-think', embedder: { type: 'builtin' } });
  const names = ['ImageNet-1K', 'MSR-VTT'];
  const log: string[] = [];
  const opts: RunOptions = {
    runId: 'parts',
    tasks: mini.tasks.filter((t) => names.includes(t.name)),
    dataRoot: mini.dataRoot as string,
    version: 'v2.1',
    backend,
    outDir: join(dir, 'out'),
    cacheDir: null,
    // a local task and a global one, each computed here only for its second half
    parts: { 'ImageNet-1K': { part: 1, parts: 2 }, 'MSR-VTT': { part: 1, parts: 2 } },
    log: (l) => log.push(l),
  };
  const results = () =>
    Object.fromEntries(
      readdirSync(opts.outDir)
        .filter((f) => /(_score\.json|_pred\.jsonl|^summary\.json)$/.test(f))
        .map((f) => [f, readFileSync(join(opts.outDir, f), 'utf8')]),
    );
  // what the manifest records of each task's identity (reused, seconds and stats say how this run went)
  const manifestTasks = () =>
    Object.entries(
      JSON.parse(readFileSync(join(opts.outDir, 'manifest.json'), 'utf8')).tasks as Record<string, Record<string, unknown>>,
    ).map(([name, t]) => [name, t.fingerprint, t.data, t.part]);
  const first = await runTasks(opts);
  assert.deepEqual(first.reused, []);
  const [before, manifestBefore, logBefore] = [results(), manifestTasks(), log.splice(0)];
  for (const name of names) {
    const status = JSON.parse(readFileSync(join(opts.outDir, '.status', `${name}.json`), 'utf8'));
    assert.equal(status.part.index, 1);
    assert.ok(status.part.num_queries > 0 && status.part.num_queries < status.num_queries, name);
  }

  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  const again = await runTasks(opts);
  assert.deepEqual(again.reused, names);
  assert.deepEqual(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  assert.deepEqual(results(), before, 'the same result files, byte for byte');
  assert.deepEqual(again.summary, first.summary);
  assert.deepEqual(manifestTasks(), manifestBefore, 'the same fingerprints, data and part ranges');
  // the same log lines (part, range, counts, score), but for saying they were reused and how long it took
  const partLines = (lines: string[]) => lines.map((l) => l.replace(/ \(reused\)/, '').replace(/ \([\d.]+s\)$/, ''));
  assert.equal(logBefore.filter((l) => / part 2\/2 \(queries \d+\.\.\d+ of \d+\): /.test(l)).length, 2, logBefore.join('\n'));
  assert.deepEqual(partLines(log.splice(0)), partLines(logBefore));

  // a status written before parts kept their own counts: loaded once (same results), then resumed blind
  for (const name of names) {
    const file = join(opts.outDir, '.status', `${name}.json`);
    const status = JSON.parse(readFileSync(file, 'utf8'));
    delete status.part.num_queries;
    delete status.part.num_candidates;
    writeFileSync(file, JSON.stringify(status));
  }
  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  const old = await runTasks(opts);
  assert.deepEqual(old.reused, names);
  assert.ok(ioCounts.dataFilesRead > 0, 'loaded to learn its counts');
  assert.deepEqual(results(), before);
  Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
  await runTasks(opts);
  assert.deepEqual(ioCounts, { dataFilesRead: 0, mediaChecks: 0 }, 'and the next resume reads nothing');
  assert.deepEqual(results(), before);
});
