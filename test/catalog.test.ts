import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackendConfig } from '../src/backends/config.js';
import { loadPrices } from '../src/report/costs.js';
import { loadCatalog, scoredTasks, validateCatalogFile, loadLabels } from '../src/catalog/load.js';
import { ConfigError } from '../src/errors.js';
import { FIXTURES, SCORES } from './helpers.js';

test('78 scored tasks: image 36, video 18, visdoc 24, with the published meta-task sizes', () => {
  const tasks = scoredTasks();
  assert.equal(tasks.length, 78);
  const count = (f: (t: (typeof tasks)[number]) => boolean) => tasks.filter(f).length;
  assert.deepEqual(
    [count((t) => t.modality === 'image'), count((t) => t.modality === 'video'), count((t) => t.modality === 'visdoc')],
    [36, 18, 24],
  );
  const sizes = Object.fromEntries(
    ['I-CLS', 'I-QA', 'I-RET', 'I-VG', 'V-CLS', 'V-QA', 'V-RET', 'V-MRET', 'VD-V1', 'VD-V2', 'VD-VR', 'VD-OOD'].map((m) => [
      m,
      count((t) => t.meta === m),
    ]),
  );
  assert.deepEqual(sizes, {
    'I-CLS': 10,
    'I-QA': 10,
    'I-RET': 12,
    'I-VG': 4,
    'V-CLS': 5,
    'V-QA': 5,
    'V-RET': 5,
    'V-MRET': 3,
    'VD-V1': 10,
    'VD-V2': 4,
    'VD-VR': 6,
    'VD-OOD': 4,
  });
  for (const t of tasks) assert.equal(t.metric, t.modality === 'visdoc' ? 'ndcg_linear@5' : 'hit@1');
});

test('task names are spelled exactly as the published score files and the task-group file', () => {
  const groups = JSON.parse(readFileSync(join(FIXTURES, 'reference', 'mmeb-v2-task-groups.json'), 'utf8')) as Record<
    string,
    Record<string, string[]>
  >;
  const fromGroups = Object.values(groups).flatMap((g) => Object.values(g).flat());
  assert.deepEqual(
    scoredTasks().map((t) => t.name),
    fromGroups,
  );
  const v200 = JSON.parse(readFileSync(join(SCORES, 'v2.0.0', 'VLM2Vec-V2.0-Qwen2VL-2B.json'), 'utf8')) as {
    metrics: Record<string, Record<string, unknown>>;
  };
  const keys = Object.values(v200.metrics).flatMap((m) => Object.keys(m));
  assert.deepEqual(
    [...keys].sort(),
    scoredTasks()
      .map((t) => t.name)
      .sort(),
  );
});

test('unscored English-only ViDoRe-V2 variants are listed, marked and filtered', () => {
  const unscored = loadCatalog().tasks.filter((t) => !t.scored);
  assert.deepEqual(unscored.map((t) => t.name).sort(), [
    'ViDoRe_biomedical_lectures_v2',
    'ViDoRe_economics_reports_v2',
    'ViDoRe_esg_reports_v2',
  ]);
  for (const t of unscored) assert.deepEqual(t.filter, { language: 'english' });
});

test('label vocabularies have the published sizes', () => {
  const byName = loadCatalog().byName;
  assert.equal(loadLabels(byName.get('K700')!).length, 700);
  assert.equal(loadLabels(byName.get('UCF101')!).length, 101);
  assert.equal(loadLabels(byName.get('HMDB51')!).length, 51);
  assert.equal(loadLabels(byName.get('Breakfast')!).length, 10);
});

test('the schema rejects malformed catalog entries with the file named', () => {
  const good = JSON.parse(readFileSync(join(loadCatalog().dir, 'image.json'), 'utf8'));
  const bad = structuredClone(good);
  bad.tasks[0].metric = 'accuracy';
  assert.throws(
    () => validateCatalogFile(bad, 'image.json'),
    (e: unknown) => e instanceof ConfigError && /image\.json.*metric/.test((e as Error).message),
  );
  const extra = structuredClone(good);
  extra.tasks[0].surprise = 1;
  assert.throws(() => validateCatalogFile(extra, 'image.json'), ConfigError);
});

test('configuration files that cannot be read or parsed are ConfigErrors naming the file and what it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tte-bench-config-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"name": ');
  const missing = join(dir, 'missing.json');
  const cases: [string, () => unknown, string][] = [
    ['backend config', () => loadBackendConfig(bad), bad],
    ['price table', () => loadPrices(missing), missing],
    ['task catalog', () => loadCatalog(dir), join(dir, 'image.json')],
  ];
  for (const [what, load, file] of cases) {
    assert.throws(
      load,
      (e: unknown) => e instanceof ConfigError && e.message.includes(`cannot read ${what}:`) && e.message.includes(file),
      what,
    );
  }
});
