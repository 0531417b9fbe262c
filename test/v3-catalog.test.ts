/**
 * The MMEB-V3 catalog (tasks/mmeb-v3) and `--mmeb-version v3`: group counts and names as VLM2Vec's
 * experiments/report_score_v3.py lists them (Stars1233/VLM2Vec 44f991d), every V2 task present, the V2 adapters
 * reading V3's annotation folders, and the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { catalogFor, getTask, loadCatalog, publishedQueries, V3_CATALOG_DIR } from '../src/catalog/load.js';
import { benchmarkOf, MODALITIES, V3_MODALITIES, type TaskSpec } from '../src/catalog/types.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { readRows } from '../src/datasets/readers/tabular.js';
import { DataError } from '../src/errors.js';
import type { EvalSet } from '../src/datasets/types.js';
import { FORMATS_ROOT, runCli, tempDir } from './helpers.js';

const V3 = catalogFor('v3');
const scored = (m: string): TaskSpec[] => V3.tasks.filter((t) => t.scored && t.modality === m);

test('the V3 catalog has report_score_v3.py’s 190 scored tasks: 37/18/24/11/53/35/8/4 per group, names unique', () => {
  const counts = Object.fromEntries(V3_MODALITIES.map((m) => [m, scored(m).length]));
  assert.deepEqual(counts, { image: 37, video: 18, visdoc: 24, audio: 11, text: 53, tool: 35, gui: 8, memory: 4 });
  assert.equal(V3.tasks.filter((t) => t.scored).length, 190);
  assert.equal(new Set(V3.tasks.map((t) => t.name)).size, V3.tasks.length);
  // the names to copy exactly (docs/mmeb-v3.md §0), and R2MED's Biology next to BRIGHT's biology
  for (const n of ['TUTSound(hard)', 'Legal Document', 'Medical Case', 'GAE-GUIAct_q2t', '2wikimqa', 'Biology', 'biology', 'MCMR']) {
    assert.ok(V3.byName.get(n)?.scored, n);
  }
  assert.equal(loadCatalog(V3_CATALOG_DIR), V3);
});

test('every V2 task is in the V3 catalog with the same group, metric, mode and parser, and V3 data paths', () => {
  const v2 = catalogFor('v2.1');
  assert.equal(v2.tasks.length, 81);
  for (const t of v2.tasks) {
    const v = getTask(t.name, V3);
    assert.deepEqual(
      [v.modality, v.meta, v.metric, v.mode, v.parser, v.scored],
      [t.modality, t.meta, t.metric, t.mode, t.parser, t.scored],
      t.name,
    );
    assert.deepEqual(v.instructions, t.instructions, t.name);
    assert.ok(v.v3?.configs, `${t.name} has v3.configs`);
  }
  assert.deepEqual(getTask('ImageNet-1K', V3).v3?.configs, { 'ImageNet-1K': 'image-query/ImageNet-1K/test-*.parquet' });
  assert.equal(getTask('ImageNet-1K', V3).media.imageRoot, 'image-tasks/MMEB');
  assert.deepEqual(getTask('MSR-VTT', V3).v3?.configs, { test_1k: 'video-tasks/data/msr-vtt.jsonl' });
  assert.equal(getTask('MSR-VTT', V3).media.frameRoot, 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSR-VTT/frames');
  assert.equal(getTask('MMLongBench-page', V3).v3?.configs?.queries, 'visdoc-tasks/data/MMLongBench/queries/test-*.parquet');
  assert.equal(getTask('MVBench', V3).v3?.configs?.action_count, 'video-tasks/data/mvbench/action_count.json');
  assert.equal(getTask('MomentSeeker', V3).v3?.configs?.default, 'video-tasks/data/momentseeker_1k6.jsonl');
  // MMEB-V3 reads v2.1's MomentSeeker (1,602 queries), not v2.0.0's 1,800
  assert.equal(publishedQueries(getTask('MomentSeeker', V3), 'v3'), 1602);
  assert.equal(publishedQueries(getTask('ImageNet-1K', V3), 'v3'), 1000);
});

test('metrics, modes and parsers of the new groups; OmniSET and the English-only ViDoRe-V2 sets unscored', () => {
  for (const t of V3.tasks.filter((x) => x.scored)) {
    assert.equal(t.metric, t.modality === 'visdoc' || t.modality === 'text' ? 'ndcg_linear@5' : 'hit@1', t.name);
  }
  const modes = (m: string): string =>
    scored(m).filter((t) => t.mode === 'local').length + '/' + scored(m).filter((t) => t.mode === 'global').length;
  assert.deepEqual(V3_MODALITIES.map(modes), ['36/1', '9/9', '0/24', '9/2', '0/53', '0/35', '0/8', '0/4']);
  const parsers = (m: string): string[] => [...new Set(scored(m).map((t) => t.parser))].sort();
  assert.deepEqual(parsers('text'), ['complex_text_retrieve']);
  assert.deepEqual(parsers('tool'), ['toolde']);
  assert.deepEqual(parsers('gui'), ['gui']);
  assert.deepEqual(parsers('memory'), ['memory_retrieval']);
  assert.deepEqual(parsers('audio'), [
    'audio_cls',
    'audio_ret_speechcoco',
    'ave_retrieval',
    'clotho_text_audio',
    'sounddescs_text_audio',
    'tutsound_audio_gnd',
    'tutsound_audio_gnd_hard',
  ]);
  const unscored = V3.tasks.filter((t) => !t.scored).map((t) => t.name);
  assert.equal(unscored.length, 15);
  assert.equal(V3.tasks.filter((t) => t.parser === 'omniset' && !t.scored).length, 12);
  assert.ok(unscored.includes('ViDoRe_esg_reports_v2'));
  // YAML keys: text, tool and memory keys are paths ending in the report name
  assert.equal(getTask('Legal Document', V3).v3?.key, 'text/MultiConIR/Legal Document');
  assert.equal(getTask('Legal Document', V3).v3?.queryFile, 'text-tasks/MultiConIR_v2/Legal Document/queries.jsonl');
  assert.equal(getTask('apibank', V3).v3?.candidateFile, 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet');
  assert.deepEqual(getTask('KnowMeBench', V3).v3, { key: 'memory/KnowMeBench', dataPath: 'memory-tasks/Episodic/KnowMeBench' });
  assert.equal(getTask('GAE-Mind2Web_s2s', V3).v3?.split, 's2s');
  assert.deepEqual(getTask('TUTSound(hard)', V3).instructions, {
    query: 'Retrieve the sound event categories that best match the given audio.',
  });
  assert.equal(benchmarkOf('v3'), 'MMEB-V3');
  assert.equal(benchmarkOf('v2.1'), 'MMEB-V2');
});

/** Copy a file or folder of the V2 fixture root to a path of a V3-layout root. */
function copy(v3root: string, from: string, to: string): void {
  mkdirSync(dirname(join(v3root, to)), { recursive: true });
  cpSync(join(FORMATS_ROOT, from), join(v3root, to), { recursive: true });
}

/** A parquet split of the V2 fixtures written as the JSON Lines file MMEB-V3 ships for video tasks. */
async function toJsonl(v3root: string, from: string[], to: string): Promise<void> {
  const rows = await readRows(from.map((f) => join(FORMATS_ROOT, f)));
  const json = rows.map((r) => JSON.stringify(r.row, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))).join('\n');
  mkdirSync(dirname(join(v3root, to)), { recursive: true });
  writeFileSync(join(v3root, to), json + '\n');
}

/** The parts of an EvalSet that do not depend on where the data sits, media paths rebased onto V2's roots. */
function comparable(e: EvalSet, rebase: [string, string][]): unknown {
  const path = (p: string): string => rebase.reduce((s, [a, b]) => (s.startsWith(a) ? b + s.slice(a.length) : s), p);
  const media = (m: EvalSet['candidates'][number]['media']): unknown =>
    m.map((x) => (x.kind === 'frames' ? { ...x, paths: x.paths.map(path) } : 'path' in x ? { ...x, path: path(x.path) } : x));
  return {
    queries: e.queries.map((q) => ({
      id: q.id,
      text: q.text,
      media: media(q.media),
      cands: q.candidateIds,
      gold: q.gold,
      rel: q.relScores,
    })),
    candidates: e.candidates.map((c) => ({ id: c.id, text: c.text, media: media(c.media) })),
  };
}

test('under v3 the V2 adapters read V3’s annotation folders and give the same EvalSet as V2 (image, video, visdoc)', async () => {
  const v3root = tempDir();
  // image: image-query/<Task>/test-*.parquet, media under image-tasks/MMEB/
  copy(v3root, 'hf/ziyjiang/MMEB_Test_Instruct/VisDial', 'image-query/VisDial');
  copy(v3root, 'image-tasks/VisDial', 'image-tasks/MMEB/VisDial');
  // video: video-tasks/data/msvd.jsonl, frames under V3's YAML frame root
  await toJsonl(
    v3root,
    ['hf/VLM2Vec/MSVD/data/test-00000-of-00002.parquet', 'hf/VLM2Vec/MSVD/data/test-00001-of-00002.parquet'],
    'video-tasks/data/msvd.jsonl',
  );
  copy(v3root, 'video-tasks/frames/video_ret/MSVD', 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSVD/frames');
  // visdoc: visdoc-tasks/data/<dir>/{queries,corpus,qrels}/, pages under visdoc-tasks/images/<name>/
  for (const c of ['queries', 'corpus', 'qrels'])
    copy(v3root, `hf/vidore/tatdqa_test_beir/${c}`, `visdoc-tasks/data/tatdqa_test_beir/${c}`);
  copy(v3root, 'visdoc-tasks/ViDoRe_tatdqa', 'visdoc-tasks/images/ViDoRe_tatdqa');

  const cases: [string, [string, string][]][] = [
    ['VisDial', [['image-tasks/MMEB/', 'image-tasks/']]],
    ['MSVD', [['video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSVD/frames/', 'video-tasks/frames/video_ret/MSVD/']]],
    ['ViDoRe_tatdqa', [['visdoc-tasks/images/', 'visdoc-tasks/']]],
  ];
  for (const [name, rebase] of cases) {
    const v2 = await loadEvalSet(getTask(name, catalogFor('v2.1')), { dataRoot: FORMATS_ROOT, version: 'v2.1' });
    const v3 = await loadEvalSet(getTask(name, V3), { dataRoot: v3root, version: 'v3' });
    assert.ok(v2.evalSet.queries.length > 0, name);
    assert.deepEqual(comparable(v3.evalSet, rebase), comparable(v2.evalSet, []), name);
    assert.ok(
      v3.evalSet.dataFiles.every((f) => f.startsWith(v3root) && !f.includes('/hf/')),
      `${name} read V3 files: ${v3.evalSet.dataFiles}`,
    );
    assert.equal(v3.evalSet.version, 'v3');
  }
  // a V3 annotation file that is missing is an error naming it
  await assert.rejects(
    loadEvalSet(getTask('MSR-VTT', V3), { dataRoot: v3root, version: 'v3' }),
    (e: unknown) => e instanceof DataError && /video-tasks\/data\/msr-vtt\.jsonl not found/.test(e.message),
  );
});

test('a task whose parser family has no adapter is refused at load with a DataError', async () => {
  // every family of the catalog has one now (the audio families and omniset included): a made-up family stands in
  const t = { ...getTask('OmniSET_t2i', V3), parser: 'not_a_family' as TaskSpec['parser'] };
  await assert.rejects(
    loadEvalSet(t, { dataRoot: FORMATS_ROOT, version: 'v3' }),
    (e: unknown) => e instanceof DataError && /parser family not_a_family is not supported yet/.test(e.message),
  );
});

test('CLI: tasks --mmeb-version v3 lists 190 scored tasks and OmniSET unscored; the default stays MMEB-V2; fetch refuses v3', () => {
  const r = runCli(['tasks', '--json', '--mmeb-version', 'v3']);
  assert.equal(r.status, 0, r.stderr);
  const tasks = JSON.parse(r.stdout) as { name: string; modality: string; metric: string; mode: string; scored: boolean }[];
  assert.equal(tasks.filter((t) => t.scored).length, 190);
  assert.equal(tasks.length, 205);
  assert.deepEqual(
    tasks.find((t) => t.name === 'Legal Document'),
    {
      name: 'Legal Document',
      modality: 'text',
      meta: 'T-RET',
      metric: 'ndcg_linear@5',
      mode: 'global',
      parser: 'complex_text_retrieve',
      scored: true,
    },
  );
  assert.equal(tasks.find((t) => t.name === 'OmniSET_a2v')?.scored, false);
  const audio = JSON.parse(runCli(['tasks', '--json', '--mmeb-version', 'v3', '--modality', 'audio']).stdout) as unknown[];
  assert.equal(audio.length, 11);
  const text = runCli(['tasks', '--mmeb-version', 'v3']).stdout;
  assert.match(text, /190 scored task\(s\), 15 unscored\n$/);
  const v2 = JSON.parse(runCli(['tasks', '--json']).stdout) as { scored: boolean; modality: string }[];
  assert.equal(v2.filter((t) => t.scored).length, 78);
  assert.ok(v2.every((t) => MODALITIES.includes(t.modality as never)));
  const f = runCli(['fetch', '--mmeb-version', 'v3', '--task', 'aops', '--to', tempDir()]);
  assert.equal(f.status, 2, f.stderr);
  assert.match(f.stderr, /downloads whole groups \(--group\), not single tasks/);
});
