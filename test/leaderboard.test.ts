import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLeaderboard, formatLeaderboard } from '../src/report/leaderboard.js';
import { SCORES, tempDir } from './helpers.js';

const close = (a: number | null, b: number, eps = 1e-9) => assert.ok(a !== null && Math.abs(a - b) <= eps, `${a} != ${b}`);

// Expected values: numpy means over the published per-task scores (×100 applied here).
const EXPECTED: [string, string, number, number, number, number][] = [
  ['v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B', 0.5802217379447168, 0.6485277777777778, 0.34577528070341185, 0.6535975211261047],
  ['v2.0.0', 'gme-Qwen2-VL-2B-Instruct', 0.5408420379749459, 0.5189166666666668, 0.3363989672592543, 0.7270623979741329],
  ['v2.0.0', 'VLM2Vec-V1-Qwen2VL-2B', 0.4696119655036446, 0.5974444444444446, 0.28607208615058916, 0.4155181566072361],
  ['v2.0.1', 'VLM2Vec-V2.0-Qwen2VL-2B', 0.5789051996812609, 0.6492222222222223, 0.3466764517526458, 0.6476012268162802],
  ['v2.0.1', 'gme-Qwen2-VL-2B-Instruct', 0.5418934416545187, 0.5187222222222221, 0.3359048192252142, 0.7311417376249413],
];

test('leaderboard reproduces the published roll-ups to 1e-9 (before ×100)', () => {
  for (const [version, model, overall, image, video, visdoc] of EXPECTED) {
    const [row] = buildLeaderboard([join(SCORES, version, `${model}.json`)]);
    assert.equal(row.model, model);
    assert.equal(row.tasks, 78);
    assert.deepEqual(row.missing, []);
    // every published task was scored on the queries its benchmark version has
    assert.deepEqual(row.partial, [], `${version} ${model}`);
    close((row.overall as number) / 100, overall);
    close((row.modalities.image as number) / 100, image);
    close((row.modalities.video as number) / 100, video);
    close((row.modalities.visdoc as number) / 100, visdoc);
  }
});

test('VLM2Vec-V2 v2.0.0 prints 58.02 / 64.85 / 34.58 / 65.36 and the paper meta-task columns', () => {
  const [row] = buildLeaderboard([join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json')]);
  assert.equal(row.overall?.toFixed(2), '58.02');
  assert.deepEqual(
    [row.modalities.image, row.modalities.video, row.modalities.visdoc].map((v) => v?.toFixed(2)),
    ['64.85', '34.58', '65.36'],
  );
  // Paper table: I-CLS 62.9, I-QA 56.3, I-RET 69.5, I-VG 77.3, V-CLS 39.3, V-QA 34.3, V-RET 28.8, V-MRET 36.8,
  // VDRv1 75.5, VDRv2 44.9, VR 79.4, OOD 39.4
  const meta = ['I-CLS', 'I-QA', 'I-RET', 'I-VG', 'V-CLS', 'V-QA', 'V-RET', 'V-MRET', 'VD-V1', 'VD-V2', 'VD-VR', 'VD-OOD'] as const;
  assert.deepEqual(
    meta.map((m) => row.meta[m]?.toFixed(1)),
    ['62.9', '56.3', '69.5', '77.3', '39.3', '34.3', '28.8', '36.8', '75.5', '44.9', '79.4', '39.4'],
  );
  // overall is the 78-task mean, not the mean of the modality means (55.0)
  assert.notEqual(row.overall?.toFixed(1), '55.0');
});

test('missing tasks give null overall and modality unless --allow-partial', () => {
  const file = join(SCORES, 'v2.1-baselines-visdoc-page-fixed', 'VLM2Vec-V2.0-Qwen2VL-2B.json');
  const [strict] = buildLeaderboard([file]);
  assert.deepEqual(strict.missing.sort(), ['MMLongBench-doc', 'ViDoSeek-doc']);
  assert.equal(strict.overall, null);
  assert.equal(strict.modalities.visdoc, null);
  assert.equal(strict.meta['VD-OOD'], null);
  assert.notEqual(strict.modalities.image, null);
  assert.ok(strict.extra.includes('MomentSeeker_1k8'));
  const [partial] = buildLeaderboard([file], { allowPartial: true });
  assert.equal(partial.tasks, 76);
  assert.ok(partial.overall !== null && partial.modalities.visdoc !== null);
});

test('overlay: v2.0.0 plus the two page-fixed tasks of v2.1 gives the updated-OOD row (59.2 / 69.2 / 62.2)', () => {
  const rows = buildLeaderboard(
    [
      join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'),
      `${join(SCORES, 'v2.1-baselines-visdoc-page-fixed', 'VLM2Vec-V2.0-Qwen2VL-2B.json')}::ViDoSeek-page,MMLongBench-page`,
    ],
    { overlay: true },
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].overall?.toFixed(1), '59.2');
  assert.equal(rows[0].modalities.visdoc?.toFixed(1), '69.2');
  assert.equal(rows[0].meta['VD-OOD']?.toFixed(1), '62.2');
  assert.equal(rows[0].modalities.image?.toFixed(2), '64.85');
});

test('without overlay each source is its own row', () => {
  const rows = buildLeaderboard([
    join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'),
    join(SCORES, 'v2.0.1', 'VLM2Vec-V2.0-Qwen2VL-2B.json'),
  ]);
  assert.equal(rows.length, 2);
  assert.notEqual(rows[0].overall, rows[1].overall);
});

test('tasks scored on another number of queries than the benchmark has are named, in the row and under the table', () => {
  const dir = tempDir();
  const published = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as {
    metrics: Record<string, Record<string, Record<string, number>>>;
  };
  for (const m of Object.values(published.metrics))
    for (const [t, s] of Object.entries(m)) writeFileSync(join(dir, `${t}_score.json`), JSON.stringify(s));
  // one shard's share of a task, left in the folder
  const okvqa = published.metrics.image['OK-VQA'];
  writeFileSync(join(dir, 'OK-VQA_score.json'), JSON.stringify({ ...okvqa, num_pred: 250, num_data: 250 }));
  const [row] = buildLeaderboard([dir]);
  assert.deepEqual(row.partial, [{ task: 'OK-VQA', numData: 250, published: [1000] }]);
  // MomentSeeker's two published counts are both whole
  assert.ok(!row.partial.some((p) => p.task === 'MomentSeeker'));
  assert.match(
    formatLeaderboard([row]),
    /: 1 task\(s\) scored on another number of queries than the benchmark has: OK-VQA 250 \(MMEB-V2 has 1000\)\n$/,
  );
  writeFileSync(join(dir, 'MomentSeeker_score.json'), JSON.stringify({ ...published.metrics.video.MomentSeeker, num_data: 1602 }));
  assert.ok(!buildLeaderboard([dir])[0].partial.some((p) => p.task === 'MomentSeeker'));
  // a run folder says its version: there MomentSeeker must have that version's count
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ backend: { name: 'V2' }, mmeb_version: 'v2.0.0' }));
  const [run] = buildLeaderboard([dir]);
  assert.equal(run.model, 'V2');
  assert.deepEqual(
    run.partial.map((p) => [p.task, p.numData, p.published, p.version]),
    [
      ['OK-VQA', 250, [1000], 'v2.0.0'],
      ['MomentSeeker', 1602, [1800], 'v2.0.0'],
    ],
  );
});
