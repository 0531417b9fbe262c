/**
 * The reproduction check of `compare` on score-only sources: a grouped folder of VLM2Vec `{task}_score.json`
 * (test/fixtures/repro/a), a published all_scores report (b.json) and a flat score folder (c). Every expected
 * number below is computed by hand from those files (scores ×100).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatRepro, RANK_FLIP, reproductionCheck } from '../src/report/repro.js';
import { FIXTURES, runCli, tempDir } from './helpers.js';

const REPRO = join(FIXTURES, 'repro');
const [A, B, C, D] = ['a', 'b.json', 'c', 'd'].map((f) => join(REPRO, f));
const close = (actual: number | null | undefined, expected: number, what: string) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test('the rank flip is 1 − 1/log2(3), NDCG@5 of a single relevant item at rank 2 short of rank 1', () => {
  close(RANK_FLIP, 0.3690702464285426, 'RANK_FLIP');
  // VLM2Vec's ndcg_linear: gain 1/log2(rank+1); rank 1 scores 1, rank 2 scores 1/log2(3) = 0.6309297535714574
  close(1 - RANK_FLIP, 0.6309297535714574, '1/log2(3)');
});

test('a score folder against a published report: scores, deltas, bands, group counts and means by hand', () => {
  const r = reproductionCheck([A, B]);
  assert.deepEqual(Object.keys(r), ['tasks', 'summary']);
  // catalog order; the unscored English-only ViDoRe-V2 set is listed but in no count or mean
  assert.deepEqual(
    r.tasks.map((t) => t.name),
    [
      'ImageNet-1K',
      'N24News',
      'HatefulMemes',
      'Breakfast',
      'ViDoRe_arxivqa',
      'ViDoRe_esg_reports_human_labeled_v2',
      'ViDoRe_esg_reports_v2',
    ],
  );
  for (const t of r.tasks) assert.deepEqual(Object.keys(t), ['name', 'scores', 'delta', 'band']);
  const by = new Map(r.tasks.map((t) => [t.name, t]));
  const task = (n: string) => by.get(n) as (typeof r.tasks)[number];

  // ImageNet-1K: 80.0 → 81.2, n = 1000; 1 SE = sqrt(0.8·0.2/1000) = 0.0126491 → 1.26491
  close(task('ImageNet-1K').scores[0], 80, 'ImageNet A');
  close(task('ImageNet-1K').scores[1], 81.2, 'ImageNet B');
  close(task('ImageNet-1K').delta, 1.2, 'ImageNet Δ');
  assert.deepEqual(Object.keys(task('ImageNet-1K').band ?? {}), ['kind', 'n', 'p', 'value']);
  assert.equal(task('ImageNet-1K').band?.kind, 'binomial_se');
  assert.equal(task('ImageNet-1K').band?.n, 1000);
  close(task('ImageNet-1K').band?.p, 0.8, 'ImageNet p (the first source)');
  close(task('ImageNet-1K').band?.value, 1.2649110640673518, 'ImageNet SE');
  // N24News: 50.0 → 49.5 on 100 queries; 1 SE = sqrt(0.25/100) = 0.05 → 5.00; |Δ| = 0.5 exactly (within 0.5)
  close(task('N24News').delta, -0.5, 'N24News Δ');
  close(task('N24News').band?.value, 5, 'N24News SE');
  // HatefulMemes: FILE_N/A in the report → null score, no delta
  assert.deepEqual(task('HatefulMemes').scores.slice(1), [null]);
  close(task('HatefulMemes').scores[0], 70, 'HatefulMemes A');
  assert.equal(task('HatefulMemes').delta, null);
  // Breakfast: 25 → 20 on 400; 1 SE = sqrt(0.25·0.75/400) = 0.0216506 → 2.16506
  close(task('Breakfast').delta, -5, 'Breakfast Δ');
  close(task('Breakfast').band?.value, 2.1650635094610964, 'Breakfast SE');
  // ViDoRe_esg_reports_human_labeled_v2: NDCG@5 75 → 73 on 52 queries; SE bound sqrt(0.75·0.25/52) → 6.00481;
  // one rank flip (1 − 1/log2 3)/52 = 0.3690702464/52 → 0.709750
  const esg = task('ViDoRe_esg_reports_human_labeled_v2');
  close(esg.delta, -2, 'esg Δ');
  assert.deepEqual(esg.band, {
    kind: 'ndcg_se_bound',
    n: 52,
    p: 0.75,
    value: Math.sqrt((0.75 * 0.25) / 52) * 100,
    rankFlip: (RANK_FLIP / 52) * 100,
  });
  close(esg.band?.value, 6.004805767690768, 'esg SE bound');
  close(esg.band?.kind === 'ndcg_se_bound' ? esg.band.rankFlip : null, 0.7097504739010432, 'esg rank flip');
  // ViDoRe_arxivqa: 90 → 90 on 500; SE bound sqrt(0.09/500) → 1.34164
  close(task('ViDoRe_arxivqa').delta, 0, 'arxivqa Δ');
  close(task('ViDoRe_arxivqa').band?.value, 1.3416407864998738, 'arxivqa SE bound');

  const s = r.summary;
  assert.deepEqual(Object.keys(s), ['sources', 'within', 'band', 'groups', 'all', 'unscored', 'notInCatalog', 'differentData']);
  assert.deepEqual(s.sources, [
    { label: 'A', path: A, model: 'a' },
    { label: 'B', path: B, model: 'Synthetic-Published' },
  ]);
  assert.equal(s.within, 0.5);
  assert.deepEqual(
    s.groups.map((g) => g.name),
    ['image', 'video', 'visdoc'],
  );
  const [image, video, visdoc] = s.groups;
  // image: ImageNet-1K and N24News compared (HatefulMemes missing in B); means (80+50)/2 = 65, (81.2+49.5)/2 = 65.35
  assert.deepEqual(
    { tasks: image.tasks, compared: image.compared, within: image.within, withinBand: image.withinBand },
    { tasks: 3, compared: 2, within: 1, withinBand: 2 },
  );
  assert.deepEqual(image.largest?.name, 'ImageNet-1K');
  close(image.means[0], 65, 'image mean A');
  close(image.means[1], 65.35, 'image mean B');
  close(image.meanDelta, 0.35, 'image mean Δ');
  assert.deepEqual(image.missing, [{ name: 'HatefulMemes', sources: ['B'] }]);
  assert.equal(
    image.line,
    'image: 1 of 2 within 0.5; largest: ImageNet-1K +1.20; 2 of 2 within 1 SE; means A 65.00, B 65.35 (Δ +0.35); missing: HatefulMemes (not in B)',
  );
  // video: Breakfast alone, −5 beyond 0.5 and beyond its 2.17 SE
  assert.equal(video.line, 'video: 0 of 1 within 0.5; largest: Breakfast -5.00; 0 of 1 within 1 SE; means A 25.00, B 20.00 (Δ -5.00)');
  // visdoc: (75+90)/2 = 82.5 vs (73+90)/2 = 81.5; the unscored set is in no count
  assert.equal(
    visdoc.line,
    'visdoc: 1 of 2 within 0.5; largest: ViDoRe_esg_reports_human_labeled_v2 -2.00; 2 of 2 within 1 SE; means A 82.50, B 81.50 (Δ -1.00)',
  );
  // all: 5 tasks compared; (80+50+25+75+90)/5 = 64, (81.2+49.5+20+73+90)/5 = 62.74
  close(s.all.means[0], 64, 'all mean A');
  close(s.all.means[1], 62.74, 'all mean B');
  assert.equal(
    s.all.line,
    'all: 2 of 5 within 0.5; largest: Breakfast -5.00; 4 of 5 within 1 SE; means A 64.00, B 62.74 (Δ -1.26); missing: HatefulMemes (not in B)',
  );
  assert.deepEqual(s.unscored, ['ViDoRe_esg_reports_v2']);
  assert.deepEqual(s.notInCatalog, [{ source: 'B', keys: ['MomentSeeker_1k8'] }]);
  assert.deepEqual(s.differentData, []);
});

test('three sources: the delta is the last against the first; a task missing from one is in no mean', () => {
  const r = reproductionCheck([A, B, C], { within: 1 });
  const by = new Map(r.tasks.map((t) => [t.name, t]));
  close(by.get('ImageNet-1K')?.delta, -1, 'ImageNet C − A');
  close(by.get('N24News')?.delta, 2, 'N24News C − A');
  close(by.get('ViDoRe_esg_reports_human_labeled_v2')?.delta, -5, 'esg C − A');
  close(by.get('ViDoRe_arxivqa')?.delta, 1, 'arxivqa C − A');
  assert.deepEqual(by.get('HatefulMemes')?.scores.slice(1), [null, null]);
  assert.deepEqual(by.get('ViDoRe_esg_reports_v2')?.scores[2], null);
  const image = r.summary.groups[0];
  // means over ImageNet-1K and N24News: 65, 65.35, (79+52)/2 = 65.5
  close(image.means[2], 65.5, 'image mean C');
  close(image.meanDelta, 0.5, 'image mean C − A');
  assert.deepEqual(image.missing, [{ name: 'HatefulMemes', sources: ['B', 'C'] }]);
  assert.equal(
    image.line,
    'image: 1 of 2 within 1; largest: N24News +2.00; 2 of 2 within 1 SE; means A 65.00, B 65.35, C 65.50 (Δ +0.50); missing: HatefulMemes (not in B, C)',
  );
  assert.match(formatRepro(r), /^C: .*\/c \(c\)$/m);
});

test('sources that scored a task on different numbers of queries are refused unless allowed, and then named', () => {
  assert.throws(() => reproductionCheck([A, D]), /Breakfast \(A 400, B 433\).*--allow-different-data/);
  const r = reproductionCheck([A, D], { allowDifferentData: true });
  assert.deepEqual(r.summary.differentData, [{ name: 'Breakfast', numData: [400, 433] }]);
  // the band's n is the first source's count
  assert.equal(r.tasks.find((t) => t.name === 'Breakfast')?.band?.n, 400);
  assert.match(formatRepro(r), /note: Compared with --allow-different-data .*Breakfast \(A 400, B 433\)/);
});

test('CLI: text, --json (exactly one object), bounds and refusals', () => {
  const text = runCli(['compare', A, B]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^A: .*repro\/a \(a\)\nB: .*repro\/b\.json \(Synthetic-Published\)\n/);
  assert.match(text.stdout, /^image\s+ImageNet-1K\s+1000\s+80\.00\s+81\.20\s+\+1\.20\s+1\.26\s+0\.9$/m);
  assert.match(text.stdout, /^image\s+HatefulMemes\s+1000\s+70\.00\s+–\s+–\s+1\.45\s+–$/m);
  assert.match(
    text.stdout,
    /^visdoc\s+ViDoRe_esg_reports_human_labeled_v2\s+52\s+75\.00\s+73\.00\s+-2\.00\s+6\.00\s+0\.3\s+0\.71\s+2\.8$/m,
  );
  assert.match(text.stdout, /^ {2}image: 1 of 2 within 0\.5; largest: ImageNet-1K \+1\.20; 2 of 2 within 1 SE; means A 65\.00, B 65\.35/m);
  assert.match(text.stdout, /note: B has scores under keys no catalog task has, left out: MomentSeeker_1k8\./);

  const json = runCli(['compare', A, B, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(doc), ['tasks', 'summary']);
  assert.deepEqual(doc, JSON.parse(JSON.stringify(reproductionCheck([A, B]))));
  assert.equal(doc.tasks.find((t: { name: string }) => t.name === 'HatefulMemes').delta, null);

  assert.match(runCli(['compare', A, C, '--within', '2']).stdout, /image: 2 of 2 within 2;/);
  for (const v of ['-1', '101', 'abc']) {
    const r = runCli(['compare', A, B, '--within', v]);
    assert.equal(r.status, 2, `--within ${v}`);
    assert.match(r.stderr, /--within must be a number from 0 to 100/);
  }
  const diff = runCli(['compare', A, D]);
  assert.equal(diff.status, 2);
  assert.match(diff.stderr, /different numbers of queries: Breakfast \(A 400, B 433\)/);
  assert.equal(runCli(['compare', A, D, '--allow-different-data']).status, 0);
  assert.equal(runCli(['compare', A]).status, 2);
  const prices = runCli(['compare', A, B, '--prices', join(REPRO, 'b.json')]);
  assert.equal(prices.status, 2);
  assert.match(prices.stderr, /--prices is for the ablation/);
});

test('CLI --out writes Markdown or HTML by extension, atomically, and refuses another extension', () => {
  const dir = tempDir();
  const md = runCli(['compare', A, B, '--out', join(dir, 'repro.md')]);
  assert.equal(md.status, 0, md.stderr);
  const mdText = readFileSync(join(dir, 'repro.md'), 'utf8');
  assert.match(mdText, /^# tte-bench reproduction check\n/);
  assert.match(mdText, /^- image: 1 of 2 within 0\.5; largest: ImageNet-1K \+1\.20;/m);
  assert.match(
    mdText,
    /^\| image \| 1 of 2 \| 2 of 2 \| ImageNet-1K \+1\.20 \| 65\.00 \| 65\.35 \| \+0\.35 \| HatefulMemes \(not in B\) \|$/m,
  );
  assert.match(
    mdText,
    /^\| visdoc \| ViDoRe_esg_reports_human_labeled_v2 \| 52 \| 75\.00 \| 73\.00 \| -2\.00 \| 6\.00 \| 0\.3 \| 0\.71 \| 2\.8 \|$/m,
  );
  // stdout still carries the text check
  assert.match(md.stdout, /^ {2}all: 2 of 5 within 0\.5/m);

  const html = runCli(['compare', A, B, '--out', join(dir, 'repro.html'), '--json']);
  assert.equal(html.status, 0, html.stderr);
  assert.deepEqual(Object.keys(JSON.parse(html.stdout)), ['tasks', 'summary']);
  const page = readFileSync(join(dir, 'repro.html'), 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<table id="summary">/);
  assert.match(page, /<td class="sig"><span class="down">-5\.00<\/span><\/td>/); // Breakfast, beyond its SE
  assert.match(page, /<li>image: 1 of 2 within 0\.5; largest: ImageNet-1K \+1\.20;/);
  // atomic: the files and nothing else (no temporary siblings left behind)
  assert.deepEqual(readdirSync(dir).sort(), ['repro.html', 'repro.md']);

  const bad = runCli(['compare', A, B, '--out', join(dir, 'repro.txt')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--out of a reproduction check is a \.md or \.html file/);
  assert.equal(existsSync(join(dir, 'repro.txt')), false);
});

test('a run folder among score sources is read for its scores (named by its summary); --scores-only takes run folders alone', () => {
  const dir = tempDir();
  const run = join(dir, 'run');
  mkdirSync(run);
  for (const f of readdirSync(join(C))) cpSync(join(C, f), join(run, f));
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ backend: { name: 'my-backend' }, mmeb_version: 'v2.1' }));
  const r = runCli(['compare', run, B, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.summary.sources[0].model, 'my-backend');
  close(doc.tasks[0].delta, 2.2, 'ImageNet B − run'); // 81.2 − 79
  const only = runCli(['compare', run, run, '--scores-only']);
  assert.equal(only.status, 0, only.stderr);
  assert.match(only.stdout, /all: 5 of 5 within 0\.5; largest: ImageNet-1K \+0\.00;/);
});
