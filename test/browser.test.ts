/**
 * The reports in a real browser: Debian's chromium, headless, driven over the DevTools protocol. Opens the
 * mini-suite run report and an ablation of two mini runs from disk (file://, no server), and checks that the
 * tables, charts and thumbnails render (no broken image, no console error), that filtering to flips shows
 * exactly the flipped queries, and that a <script> planted in a dataset text stays inert. Skipped, with a
 * message, where chromium is not installed (`.ci/run` installs it when it runs as root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getTask } from '../src/catalog/load.js';
import { runTasks } from '../src/engine/run.js';
import { Chromium, findChromium, type Page } from './chromium.js';
import { runCli, tempDir } from './helpers.js';
import { floor, mini, think, writeMarkupTask } from './report-fixtures.js';

const chromium = findChromium();
const skip = chromium ? false : 'chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH): browser checks skipped';
if (skip) process.stdout.write(`# ${skip}\n`);

/** Broken images after every image on the page has settled (loaded or failed). */
const BROKEN_IMAGES = `Promise.all([...document.images].map((i) => i.complete ? 0 : new Promise((r) => { i.addEventListener('load', r); i.addEventListener('error', r); })))
  .then(() => [...document.images].filter((i) => !(i.naturalWidth > 0)).map((i) => (i.getAttribute('src') || '').slice(0, 60)))`;

async function pick(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(
    `(() => { const s = document.getElementById(${JSON.stringify(id)}); s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event('change')); })()`,
  );
}

async function showTask(page: Page, task: string): Promise<void> {
  await page.evaluate(`document.getElementById('browser').setAttribute('data-ready', '')`);
  await pick(page, 'b-task', task);
  await page.waitFor(
    `document.getElementById('browser').getAttribute('data-ready') === ${JSON.stringify(task)}`,
    `the browser to show ${task}`,
  );
}

const shownKeys = (page: Page) =>
  page.evaluate<string[]>(`[...document.querySelectorAll('#b-list .bq')].map((e) => e.getAttribute('data-key'))`);

test('the run report and an ablation report render in headless Chromium: tables, charts, thumbnails, flips, inert dataset text', {
  skip,
  timeout: 600_000,
}, async () => {
  const dir = tempDir();
  await runTasks({
    runId: 'a',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot!,
    version: 'v2.1',
    backend: floor,
    outDir: join(dir, 'a'),
    reportDir: join(dir, 'rep-a'),
    cacheDir: null,
    suite: 'mini',
  });
  await runTasks({
    runId: 'b',
    tasks: mini.tasks,
    dataRoot: mini.dataRoot!,
    version: 'v2.1',
    backend: think,
    outDir: join(dir, 'b'),
    cacheDir: null,
    suite: 'mini',
  });
  const cmp = runCli(['compare', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'ablation'), '--resamples', '200']);
  assert.equal(cmp.status, 0, cmp.stderr);

  // a task whose dataset text carries markup and script
  const root = join(dir, 'data');
  const planted = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> what is shown?';
  writeMarkupTask(root, planted, ['<b onmouseover="window.__pwned=3">Sports</b>', 'Art']);
  await runTasks({
    runId: 'xss',
    tasks: [getTask('N24News')],
    dataRoot: root,
    version: 'v2.1',
    backend: think,
    outDir: join(dir, 'x'),
    reportDir: join(dir, 'rep-x'),
    cacheDir: null,
  });

  const browser = await Chromium.launch(chromium as string);
  try {
    // 1. the mini-suite run report
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'rep-a', 'report.html')).href);
    assert.ok((await page.evaluate<number>(`document.querySelectorAll('table tbody tr').length`)) >= 13 + 1, 'leaderboard and task tables');
    assert.equal(await page.evaluate<number>(`document.querySelectorAll('figure img[src^="data:image/png"]').length`), 3);
    const tasks = await page.evaluate<string[]>(`[...document.querySelectorAll('#b-task option')].map((o) => o.value)`);
    assert.deepEqual(
      tasks,
      mini.tasks.map((t) => t.name),
    );
    let thumbs = 0;
    for (const t of tasks) {
      await showTask(page, t);
      await pick(page, 'b-size', '1000');
      const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8')).tasks.find((x: { name: string }) => x.name === t);
      assert.equal((await shownKeys(page)).length, summary.num_queries, `${t}: every query`);
      assert.deepEqual(await page.evaluate(BROKEN_IMAGES), [], `${t}: no broken image`);
      thumbs += await page.evaluate<number>(`document.querySelectorAll('#b-list img').length`);
      // failures: exactly the queries with Hit@1 = 0
      await pick(page, 'b-filter', 'fail');
      const fails = await page.evaluate<string[]>(
        `[...document.querySelectorAll('#b-list .run > div:nth-child(2)')].map((e) => e.textContent)`,
      );
      assert.equal(fails.length, Math.round(summary.num_queries * (1 - summary['hit@1'])), `${t}: failures`);
      assert.ok(fails.every((f) => f.startsWith('Hit@1 0')));
      await pick(page, 'b-filter', 'all');
    }
    assert.ok(thumbs > 50, `thumbnails shown: ${thumbs}`);
    assert.ok(await page.evaluate<boolean>(`document.querySelectorAll('#b-list img.strip').length >= 0`));
    await showTask(page, 'HMDB51');
    assert.ok((await page.evaluate<number>(`document.querySelectorAll('#b-list img.strip').length`)) > 0, 'a video as a strip of frames');
    // search by id
    await showTask(page, 'ImageNet-1K');
    await page.evaluate(`(() => { const i = document.getElementById('b-search'); i.value = '3'; i.dispatchEvent(new Event('input')); })()`);
    assert.ok((await shownKeys(page)).every((k) => k.includes('3')));
    await page.screenshot(join(dir, 'run-report.png'));
    assert.deepEqual(page.errors, []);

    // 2. the ablation of two mini runs: filtering to flips shows exactly the flipped queries
    const ab = JSON.parse(readFileSync(join(dir, 'ablation', 'ablation.json'), 'utf8'));
    const p2 = await browser.newPage();
    await p2.goto(pathToFileURL(join(dir, 'ablation', 'ablation.html')).href);
    for (const id of ['deltas', 'mcnemar', 'costs', 'flips'])
      assert.ok((await p2.evaluate<number>(`document.querySelectorAll('#${id} tbody tr').length`)) > 0, id);
    assert.equal(await p2.evaluate<number>(`document.querySelectorAll('figure img[src^="data:image/png"]').length`), 3);
    let flipped = 0;
    for (const f of ab.flips as { task: string; runs: { helped: string[]; hurt: string[] }[] }[]) {
      await showTask(p2, f.task);
      await pick(p2, 'b-size', '1000');
      await pick(p2, 'b-filter', 'flips');
      const want = [...f.runs[0].helped, ...f.runs[0].hurt].sort();
      assert.deepEqual((await shownKeys(p2)).sort(), want, `${f.task}: flips`);
      await pick(p2, 'b-filter', 'helped1');
      assert.deepEqual((await shownKeys(p2)).sort(), [...f.runs[0].helped].sort(), `${f.task}: helped`);
      await pick(p2, 'b-filter', 'hurt1');
      assert.deepEqual((await shownKeys(p2)).sort(), [...f.runs[0].hurt].sort(), `${f.task}: hurt`);
      flipped += want.length;
      await pick(p2, 'b-filter', 'all');
      assert.deepEqual(await p2.evaluate(BROKEN_IMAGES), [], `${f.task}: no broken image`);
      // runs side by side: one column per run
      assert.ok(await p2.evaluate<boolean>(`[...document.querySelectorAll('#b-list .runs')].every((r) => r.children.length === 2)`));
    }
    assert.ok(flipped > 0, 'the two mini runs differ somewhere');
    // a flip link opens exactly that query
    const link = await p2.evaluate<{ task: string; key: string }>(
      `(() => { const a = document.querySelector('#flips a.flip'); a.click(); return { task: a.getAttribute('data-task'), key: a.textContent }; })()`,
    );
    await p2.waitFor(
      `document.getElementById('browser').getAttribute('data-ready') === ${JSON.stringify(link.task)} && document.querySelectorAll('#b-list .bq').length === 1`,
      'the linked query',
    );
    assert.deepEqual(await shownKeys(p2), [link.key]);
    await p2.screenshot(join(dir, 'ablation.png'));
    assert.deepEqual(p2.errors, []);

    // 3. planted markup stays text
    const p3 = await browser.newPage();
    await p3.goto(pathToFileURL(join(dir, 'rep-x', 'report.html')).href);
    await showTask(p3, 'N24News');
    assert.equal(await p3.evaluate<unknown>(`typeof window.__pwned`), 'undefined');
    const texts = await p3.evaluate<string[]>(`[...document.querySelectorAll('#b-list .txt, #b-list .ct')].map((e) => e.textContent)`);
    assert.ok(
      texts.some((t) => t.includes('<script>window.__pwned = 1</script>')),
      'the planted text is shown as text',
    );
    assert.equal(
      await p3.evaluate<number>(`document.querySelectorAll('#b-list script, #b-list b, #b-list img:not(.th):not(.strip)').length`),
      0,
    );
    await p3.evaluate(
      `document.querySelectorAll('#b-list .ct').forEach((e) => e.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })))`,
    );
    assert.equal(await p3.evaluate<unknown>(`typeof window.__pwned`), 'undefined');
    await p3.screenshot(join(dir, 'planted.png'));
    assert.deepEqual(p3.errors, []);
    for (const s of ['run-report.png', 'ablation.png', 'planted.png']) assert.ok(existsSync(join(dir, s)));
  } finally {
    await browser.close();
  }
});
