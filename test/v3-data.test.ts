/**
 * The bundled mini-v3 suite (a synthetic MMEB-V3 root in dataset_setup_v3.py's layout) run end to end, and
 * `validate --mmeb-version v3` on broken copies of it: each staging mistake VLM2Vec's setup script leaves to the
 * user (mmeb-v3 docs, "Data layout") is named with the path and a hint that says what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSuite } from '../src/engine/suites.js';
import { validateDataRoot } from '../src/engine/data-check.js';
import type { TaskValidation } from '../src/datasets/validate.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { runCli, tempDir } from './helpers.js';

const MINI_V3 = join(PACKAGE_ROOT, 'tasks/mini-v3');
const TASKS = loadSuite('mini-v3').tasks.map((t) => t.name);

test('mini-v3: suite.json lists every family, records v3, and its data is small', () => {
  const suite = JSON.parse(readFileSync(join(MINI_V3, 'suite.json'), 'utf8'));
  assert.equal(suite.mmebVersion, 'v3');
  assert.deepEqual(Object.keys(suite.families).sort(), [
    'audio (audio_cls, clotho_text_audio, tutsound_audio_gnd)',
    'audio in parquet (audio_cls, audio_ret_speechcoco)',
    'complex_text_retrieve',
    'gui',
    'mcmr',
    'memory_retrieval',
    'mmeb-v2 (image, video, visdoc)',
    'more audio (audio_cls, sounddescs_text_audio)',
    'toolde',
  ]);
  const s = loadSuite('mini-v3');
  assert.equal(s.version, 'v3');
  assert.deepEqual(
    new Set(s.tasks.map((t) => t.modality)),
    new Set(['image', 'video', 'visdoc', 'text', 'tool', 'gui', 'memory', 'audio']),
  );
  // two tool tasks share the web category's pool
  assert.deepEqual(
    s.tasks.filter((t) => t.parser === 'toolde').map((t) => t.v3?.candidateFile),
    ['tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet', 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet'],
  );
  const du = runCli(['validate', '--mmeb-version', 'v3', '--data-root', join(MINI_V3, 'data'), '--task', ...TASKS]);
  assert.equal(du.status, 0, du.stdout + du.stderr);
  assert.match(du.stdout, /20 of 20 task\(s\) complete\n$/);
  assert.doesNotMatch(du.stdout, /warning/);
});

test('run --suite mini-v3: offline with the builtin backend, a deterministic score per task', () => {
  const a = tempDir();
  const r = runCli(['run', '--suite', 'mini-v3', '--out', join(a, 'res'), '--report-dir', join(a, 'rep'), '--no-cache']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(a, 'res', 'summary.json'), 'utf8'));
  assert.equal(summary.mmeb_version ?? summary.version ?? summary.mmebVersion, 'v3');
  const scores = Object.fromEntries(
    (summary.tasks as { name: string; main_score: number }[]).map((t) => [t.name, Math.round(t.main_score * 10000) / 100]),
  );
  // the builtin backend's floor on this data (hand-checked: text/tool/memory share words with their gold, the
  // GUI and MCMR golds carry the colours the queries name; MSR-VTT's real captions name no colour)
  assert.deepEqual(scores, {
    'OK-VQA': 100,
    'MSR-VTT': 0,
    ViDoRe_arxivqa: 81.02,
    MCMR: 100,
    pony: 100,
    'news21-instructions': 100,
    NanoArguAna: 100,
    apibank: 100,
    toolace: 100,
    'GAE-GUIAct_t2s': 100,
    DeepPlanning: 100,
    // audio: the floor's loudness envelope against text it cannot relate to sound (CREMA-D: 1 of 5; Clotho: 2 of 6)
    'CREMA-D': 20,
    Clotho: 33.33,
    // TUTSound: a 5 s recording, 3 events and 3 negative windows; relaxed gold (both "car" segments) vs strict
    TUTSound: 66.67,
    'TUTSound(hard)': 33.33,
    // ESC-50: clips held in the parquet's audio struct, 37 classes (ids 0..36; the unused ones are their digits)
    'ESC-50': 0,
    // SpeechCOCO: the floor's envelope shares the thumbnail's slots, so a caption sounding in quarter q of its length
    // lies nearest the photo banded white in quarter q of its rows: all three found
    SpeechCOCO: 100,
    // text ↔ sound again: class names (SpeechCommands, UrbanSound8K) and descriptions (SoundDescs, 1 of 3)
    SpeechCommands: 0,
    UrbanSound8K: 0,
    SoundDescs: 33.33,
  });
  // the audio tasks were embedded from their clips (16 kHz mono after preparation), not skipped
  assert.deepEqual(
    (summary.tasks as { name: string; modality: string }[]).filter((t) => t.modality === 'audio').map((t) => t.name),
    ['CREMA-D', 'Clotho', 'TUTSound', 'TUTSound(hard)', 'ESC-50', 'SpeechCOCO', 'SpeechCommands', 'UrbanSound8K', 'SoundDescs'],
  );
  // the console names every V3 group run, then agent (tool, gui and memory tasks together), as summary.json does
  assert.match(r.stdout, /\n {2}audio {3}31\.85 \(9 of 11 tasks, PARTIAL\)\n/);
  assert.match(r.stdout, /\n {2}memory {2}100\.00 \(1 of 4 tasks, PARTIAL\)\n {2}agent {3}100\.00 \(4 of 47 tasks, PARTIAL\)\n/);
  assert.equal(summary.rollup.modalities.agent, 100);
});

/** A copy of the mini-v3 root to break. */
function copyRoot(): string {
  const root = join(tempDir(), 'MMEB-V3');
  cpSync(join(MINI_V3, 'data'), root, { recursive: true });
  return root;
}

async function check(root: string, tasks: string[]): Promise<Map<string, TaskValidation>> {
  return new Map((await validateDataRoot(tasks, { dataRoot: root, version: 'v3' })).map((r) => [r.task, r]));
}

test('validate --mmeb-version v3 names each staging mistake with a hint', async () => {
  const root = copyRoot();
  // memory archive unpacked flat: memory-tasks/DeepPlanning instead of memory-tasks/Procedural/DeepPlanning
  renameSync(join(root, 'memory-tasks/Procedural/DeepPlanning'), join(root, 'memory-tasks/DeepPlanning'));
  rmSync(join(root, 'memory-tasks/Procedural'), { recursive: true });
  // GUI zip unpacked lower-case and never renamed
  renameSync(join(root, 'gui-tasks/GUIAct'), join(root, 'gui-tasks/guiact'));
  // image-query/ never supplied
  rmSync(join(root, 'image-query'), { recursive: true });
  // video frames without the YAML root's extra data/ziyan/video_retrieval/<T>/frames levels
  renameSync(
    join(root, 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSR-VTT/frames'),
    join(root, 'video-tasks/frames/video_ret/MSR-VTT'),
  );
  rmSync(join(root, 'video-tasks/frames/video_ret/data'), { recursive: true });
  // the tool tree left in the download's underscore folder
  renameSync(join(root, 'tool-tasks'), join(root, 'tool_tasks'));
  // text: unpacking interrupted (no .done), and a file missing from the tree
  rmSync(join(root, 'text-tasks/.done'));
  rmSync(join(root, 'text-tasks/FollowIR/news21-instructions/corpus.jsonl'));
  // MCMR never unpacked, its archive present
  rmSync(join(root, 'image-tasks/MCMR'), { recursive: true });
  mkdirSync(join(root, 'image_tasks'));
  writeFileSync(join(root, 'image_tasks/MCMR.tar.gz'), 'x');
  // visdoc: unpacked, marked done, but the qrels folder has no parquet
  rmSync(join(root, 'visdoc-tasks/data/arxivqa_test_subsampled_beir/qrels/test-00000-of-00001.parquet'));

  const r = await check(root, TASKS);
  const hint = (task: string, path: string): string => {
    const p = r.get(task)?.problems.find((x) => x.message.includes(path));
    assert.ok(p, `${task}: a problem naming ${path}; got ${JSON.stringify(r.get(task)?.problems)}`);
    assert.ok(!p.warning);
    return p.hint ?? '';
  };
  assert.match(
    hint('DeepPlanning', 'memory-tasks/Procedural/DeepPlanning'),
    /unpacks flat.*ln -s \.\.\/DeepPlanning memory-tasks\/Procedural\/DeepPlanning/,
  );
  assert.match(hint('GAE-GUIAct_t2s', 'gui-tasks/GUIAct'), /mv gui-tasks\/guiact gui-tasks\/GUIAct/);
  assert.match(hint('OK-VQA', 'image-query/OK-VQA'), /not part of the VLM2Vec\/MMEB-V3 download.*MMEB_Test_Instruct/);
  assert.match(
    hint('MSR-VTT', 'video-tasks/frames/video_ret/data/ziyan/video_retrieval/MSR-VTT/frames'),
    /frames are at video-tasks\/frames\/video_ret\/MSR-VTT.*extra levels.*ln -s/,
  );
  assert.match(
    hint('apibank', 'tool-tasks/ToolDe-Queries/web/apibank/queries-00000-of-00001.parquet'),
    /download folder tool_tasks\/ \(underscore\)/,
  );
  assert.match(hint('toolace', 'tool-tasks/ToolDe-Candidates/web/tools-00000-of-00001.parquet'), /tool_tasks\/ \(underscore\)/);
  assert.match(
    hint('news21-instructions', 'text-tasks/FollowIR/news21-instructions/corpus.jsonl'),
    /text-tasks has no \.done marker: its unpacking did not finish/,
  );
  assert.match(
    hint('MCMR', 'image-tasks/MCMR/query.jsonl'),
    /never unpacked from image_tasks\/MCMR\.tar\.gz: run `tte-bench fetch --mmeb-version v3/,
  );
  assert.match(
    hint('ViDoRe_arxivqa', 'visdoc-tasks/data/arxivqa_test_subsampled_beir/qrels'),
    /unpacked but has no .*delete visdoc-tasks\/data\/\.done/,
  );
  // every problem of a task at once: MCMR lacks its query, candidate and image files
  assert.equal(r.get('MCMR')?.problems.filter((p) => !p.warning).length, 3);
  // an intact text task in the unfinished tree: built, with a warning
  const pony = r.get('pony');
  assert.ok(pony?.ok);
  assert.equal(pony.queries, 3);
  assert.match(pony.problems[0].message, /text-tasks has no \.done marker/);
  assert.ok(pony.problems[0].warning);
  // the CLI prints the hints and fails
  const cli = runCli(['validate', '--mmeb-version', 'v3', '--data-root', root, '--task', 'DeepPlanning', 'pony']);
  assert.equal(cli.status, 1);
  assert.match(
    cli.stdout,
    /FAIL DeepPlanning: .*\n {5}- .*: missing folder memory-tasks\/Procedural\/DeepPlanning .*\n {7}hint: memory-tasks\/DeepPlanning exists without its type level/,
  );
  assert.match(cli.stdout, /ok {3}pony: 3 queries.*\n {5}- warning: .*: text-tasks has no \.done marker/);
});

test('validate --mmeb-version v3: a missing instruction file, a raw archive never unpacked, a link out of the root', async () => {
  const root = copyRoot();
  rmSync(join(root, 'memory-tasks/task_instructions.json'));
  // text-tasks never unpacked; its split archive is in the download folder
  rmSync(join(root, 'text-tasks'), { recursive: true });
  mkdirSync(join(root, 'text_tasks'));
  writeFileSync(join(root, 'text_tasks/text_tasks.tar.part-000'), 'x');
  // image-query linked to a folder outside the root (dataset_setup_v3.py's default symlink mode)
  const outside = join(tempDir(), 'MMEB_Test_Instruct');
  renameSync(join(root, 'image-query'), outside);
  symlinkSync(outside, join(root, 'image-query'));
  const r = await check(root, ['DeepPlanning', 'pony', 'OK-VQA']);
  assert.match(r.get('DeepPlanning')!.problems[0].message, /missing file memory-tasks\/task_instructions\.json \(query instructions\)/);
  assert.match(r.get('pony')!.problems[0].hint!, /never unpacked from text_tasks\/text_tasks\.tar\.part-\*/);
  assert.equal(r.get('pony')!.problems.length, 2, 'query and document files both named');
  assert.match(r.get('OK-VQA')!.problems[0].message, /image-query\/OK-VQA \(annotations \(OK-VQA\)\) is a link that leaves the data root/);
  assert.ok(!existsSync(join(root, 'text-tasks')));
});

test('run --audio-max-seconds / --audio-crop: bounded, recorded in the manifest, and a changed value recomputes the task', () => {
  const a = tempDir();
  const base = ['run', '--suite', 'mini-v3', '--tasks', 'CREMA-D', '--out', join(a, 'res'), '--report-dir', join(a, 'rep')];
  const cache = ['--cache-dir', join(a, 'cache')];
  const first = runCli([...base, ...cache]);
  assert.equal(first.status, 0, first.stderr);
  const manifest = () => JSON.parse(readFileSync(join(a, 'res', 'manifest.json'), 'utf8'));
  // the collator's defaults: nothing recorded, so runs made before the options existed resume as before
  assert.equal(manifest().audio, undefined);
  const same = runCli([...base, ...cache]);
  assert.match(same.stdout + same.stderr, /CREMA-D: .*\(reused\)/);
  // a 0.3 s head crop of the 0.6 s clips: other samples, so the task is recomputed (its cache keys follow the samples)
  const cropped = runCli([...base, ...cache, '--audio-max-seconds', '0.3', '--audio-crop', 'center']);
  assert.equal(cropped.status, 0, cropped.stderr);
  assert.doesNotMatch(cropped.stdout + cropped.stderr, /\(reused\)/);
  assert.deepEqual(manifest().audio, { max_seconds: 0.3, crop: 'center' });
  for (const bad of ['0', '601', 'ten']) {
    const r = runCli([...base, '--audio-max-seconds', bad]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--audio-max-seconds must be a number above 0 and at most 600/);
  }
});
