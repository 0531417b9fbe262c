/**
 * The MMEB-V3 audio parser families. audio_cls and audio_ret_speechcoco against the EvalSets VLM2Vec's own parsers
 * built from the shared V3 format fixtures (test/fixtures/mmeb-v3-formats/expected/*.jsonl, Stars1233/VLM2Vec
 * 44f991d); the families without such fixtures against small data roots written here (real WAV files) and EvalSets
 * derived by hand from the reference code, each with the lines it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { catalogFor, getTask } from '../src/catalog/load.js';
import type { TaskSpec } from '../src/catalog/types.js';
import { dumpLines } from '../src/datasets/dump.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { validateTasks } from '../src/datasets/validate.js';
import { DataError } from '../src/errors.js';
import { pyFixed } from '../src/util/pyformat.js';
import { sampleFrames, sampleFramesV3 } from '../src/items/frames.js';
import { normalizeSegment, negativeWindows, readEvaluateFile, segmentId } from '../src/datasets/tutsound.js';
import { pyIntSetOrder } from '../src/util/pyset.js';
import { writeHfParquet } from '../scripts/lib/hf-parquet.js';
import { FIXTURES, runCli, tempDir } from './helpers.js';

const V3 = join(FIXTURES, 'mmeb-v3-formats');
const ROOT = join(V3, 'root');
const V3CAT = catalogFor('v3');

type Line = Record<string, unknown>;
const parse = (lines: Iterable<string>): Line[] => [...lines].map((l) => JSON.parse(l) as Line);

function expected(name: string): Line[] {
  return parse(
    readFileSync(join(V3, 'expected', `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
}

/** Media entries comparable with the fixture: a clip held as bytes is compared by the name the struct gives (C7). */
function comparable(lines: Line[], embedded: boolean): Line[] {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  return lines.map((l) => ({
    ...l,
    media: (l.media as unknown[]).map((m) => {
      // dump writes an image as its path (the V2 format); the fixture writes a byte-held image as {type, path}
      const e = typeof m === 'string' ? (m.includes('.parquet#') ? { type: 'image', path: m } : m) : (m as { type?: string; path: string });
      if (typeof e === 'string') return e;
      return embedded ? { ...e, path: base(e.path) } : e;
    }),
  }));
}

for (const name of ['NSynth', 'SpeechCommands', 'CREMA-D', 'SpeechCOCO']) {
  test(`V3 audio ${name}: the EvalSet is the one VLM2Vec builds (expected/${name}.jsonl)`, async () => {
    const task = getTask(name, V3CAT);
    const { evalSet, problems } = await loadEvalSet(task, { dataRoot: ROOT, version: 'v3', format: 'plain', collectProblems: true });
    assert.deepEqual(
      problems.filter((p) => !p.warning),
      [],
    );
    const got = parse(dumpLines(evalSet));
    const embedded = name !== 'CREMA-D';
    // a clip or image held as bytes is written <parquet>#<row>/<column>/<name>: the name is the struct's own
    if (embedded)
      for (const l of got)
        for (const m of l.media as ({ path: string } | string)[])
          assert.match(typeof m === 'string' ? m : m.path, /\.parquet#\d+\/(audio|image)\//);
    assert.deepEqual(comparable(got, embedded), comparable(expected(name), embedded));
    // the data files VLM2Vec's parser opened, in order (reads.json)
    const reads = (JSON.parse(readFileSync(join(V3, 'reads.json'), 'utf8')) as { tasks: Record<string, string[]> }).tasks[name];
    assert.deepEqual(
      evalSet.dataFiles.map((f) => f.slice(ROOT.length + 1)),
      reads,
    );
  });
}

test('V3 audio: a clip held in parquet is addressed <file>#<row>/<column>/<name> and its bytes are in inlineMedia', async () => {
  const { evalSet } = await loadEvalSet(getTask('SpeechCommands', V3CAT), { dataRoot: ROOT, version: 'v3', format: 'plain' });
  const clip = evalSet.queries[2].media[0];
  assert.deepEqual(clip, {
    kind: 'audio',
    path: 'audio-tasks/speechcommand-1k/query_eval.parquet#2/audio/3bfd30e6_nohash_2.wav',
    start: null,
    end: null,
  });
  const bytes = evalSet.inlineMedia.get(clip.path);
  assert.ok(bytes && new TextDecoder().decode(bytes.subarray(0, 4)) === 'RIFF');
  // SpeechCOCO's images likewise
  const coco = await loadEvalSet(getTask('SpeechCOCO', V3CAT), {
    dataRoot: ROOT,
    version: 'v3',
    format: 'qwen2-vl',
    collectProblems: true,
  });
  const img = coco.evalSet.candidates[0];
  assert.equal(img.text, '<|image_pad|> Understand the content of the provided image.');
  assert.match(
    (img.media[0] as { path: string }).path,
    /^audio-tasks\/speechcoco-1k\/eval\/corpus-00000-of-00001\.parquet#0\/image\/COCO_val2014_000000400011\.jpg$/,
  );
  assert.ok(coco.evalSet.inlineMedia.has((img.media[0] as { path: string }).path));
});

/** A 16-bit PCM mono WAV of `frames` samples (a quiet ramp), or float32 samples as given. */
function wav(frames: number, rate = 16000, float?: Float32Array): Uint8Array {
  const bps = float ? 4 : 2;
  const n = float ? float.length : frames;
  const b = new Uint8Array(44 + n * bps);
  const v = new DataView(b.buffer);
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => (b[at + i] = c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + n * bps, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, float ? 3 : 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * bps, true);
  v.setUint16(32, bps, true);
  v.setUint16(34, bps * 8, true);
  ascii(36, 'data');
  v.setUint32(40, n * bps, true);
  for (let i = 0; i < n; i++) float ? v.setFloat32(44 + 4 * i, float[i], true) : v.setInt16(44 + 2 * i, (i % 200) - 100, true);
  return b;
}

function put(root: string, rel: string, data: string | Uint8Array): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

const task = (name: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({ ...getTask(name, V3CAT), ...extra });
const audio = (path: string, start: number | null = null, end: number | null = null) => ({ type: 'audio', path, start, end });

async function dump(t: TaskSpec, root: string, format: 'plain' | 'qwen2-vl' = 'plain') {
  const r = await loadEvalSet(t, { dataRoot: root, version: 'v3', format, collectProblems: true });
  return { lines: parse(dumpLines(r.evalSet)), problems: r.problems, evalSet: r.evalSet };
}

test("pyFixed is Python's %.3f: ties of the binary value go to even", () => {
  // python3 -c 'print([f"{x:.3f}" for x in (1.0625, 0.0625, 1.0635, 2.05, 3.9, 0.0005, -0.0, 1e-9, 123.4565, 5.0)])'
  const xs = [1.0625, 0.0625, 1.0635, 2.05, 3.9, 0.0005, -0.0, 1e-9, 123.4565, 5.0];
  assert.deepEqual(
    xs.map((x) => pyFixed(x, 3)),
    ['1.062', '0.062', '1.063', '2.050', '3.900', '0.001', '-0.000', '0.000', '123.457', '5.000'],
  );
  assert.equal((1.0625).toFixed(3), '1.063'); // what JavaScript would have written
});

test('pyIntSetOrder is the iteration order of a CPython set of ints (Python 3.11.7)', () => {
  // python3 -c 'print(list(set([...])))' for each input
  const cases: [number[], number[]][] = [
    [
      [5, 3, 11, 3],
      [11, 3, 5],
    ],
    [
      [100, 8, 16, 24, 1, 0],
      [0, 1, 100, 8, 16, 24],
    ],
    [
      [581929, 300000, 45, 9999999, 12, 581929, 77, 123456, 8, 16, 24, 32, 40],
      [300000, 123456, 32, 8, 581929, 40, 12, 45, 77, 16, 24, 9999999],
    ],
  ];
  for (const [input, order] of cases) assert.deepEqual(pyIntSetOrder(input.map(BigInt)).map(Number), order);
});

test('TUTSound / TUTSound(hard): events, normalised segments, negative windows, %.3f ids, relaxed vs strict gold', async () => {
  const root = tempDir();
  const base = 'audio-tasks/tutsound/TUT-sound-events-2017-development';
  put(root, `${base}/audio/street/a.wav`, wav(64000, 16000)); // 4.0 s
  put(root, `${base}/audio/street/b.wav`, wav(24000, 8000)); // 3.0 s
  put(
    root,
    `${base}/evaluation_setup/street_fold1_evaluate.txt`,
    'audio/street/b.wav\tstreet\t0.5\t1.0625\tcar\naudio/street/b.wav\tstreet\t2.0\t2.0\tpeople walking\naudio/street/a.wav\tstreet\t3.9\t5.0\tcar\nbad line\n',
  );
  put(root, `${base}/evaluation_setup/street_fold2_evaluate.txt`, '\naudio/street/a.wav street 0.0 0.5 car\n');
  const A = `${base}/audio/street/a.wav`;
  const B = `${base}/audio/street/b.wav`;
  // tutsound_dataset.py: files sorted (:108); a: (3.9, 5.0) → (3.9, 4.0) (:59-60), (0, 0.5); windows of 1 s every
  // 0.5 s with IoU < 0.1 (:149-163): [0,1] overlaps (0,0.5) by 0.5, [3,4] overlaps (3.9,4.0) by 0.1 (not < 0.1)
  const aIds = ['3.900-4.000', '0.000-0.500', '0.500-1.500', '1.000-2.000', '1.500-2.500', '2.000-3.000', '2.500-3.500'].map(
    (s) => `audio/street/a.wav|${s}`,
  );
  // b: (2.0, 2.0) → (2.0, 2.05) (:57-58); 1.0625 prints "1.062" (half-even); [1,2] IoU 0.0625/1.5, [1.5,2.5] and [2,3] 0.05
  const bIds = ['0.500-1.062', '2.000-2.050', '1.000-2.000', '1.500-2.500', '2.000-3.000'].map((s) => `audio/street/b.wav|${s}`);
  const inst = 'Retrieve the sound event categories that best match the given audio.';
  for (const hard of [false, true]) {
    const { lines, problems } = await dump(task(hard ? 'TUTSound(hard)' : 'TUTSound'), root);
    const q = lines.filter((l) => l.role === 'query');
    assert.deepEqual(
      q.map((l) => [l.id, l.text, l.media, l.candidates, l.gold]),
      [
        ['0', `${inst}\nQuery: car`, [audio(A)], aIds, hard ? [aIds[0]] : [aIds[0], aIds[1]]],
        ['1', `${inst}\nQuery: car`, [audio(A)], aIds, hard ? [aIds[1]] : [aIds[0], aIds[1]]],
        ['2', `${inst}\nQuery: car`, [audio(B)], bIds, [bIds[0]]],
        ['3', `${inst}\nQuery: people walking`, [audio(B)], bIds, [bIds[1]]],
      ],
    );
    const t = lines.filter((l) => l.role === 'target');
    assert.deepEqual(
      t.map((l) => l.id),
      [...aIds, ...bIds],
    );
    assert.deepEqual(t[0], { role: 'target', id: aIds[0], text: inst, media: [audio(A, 3.9, 4.0)] });
    assert.deepEqual(t[8], { role: 'target', id: bIds[1], text: inst, media: [audio(B, 2.0, 2.05)] });
    // skipped fold files and short lines are warnings, never silent
    assert.deepEqual(
      problems.map((p) => [p.warning, p.location.line ?? null, /fold[34]|fewer than 5/.test(p.message)]),
      [
        [true, 4, true],
        [true, null, true],
        [true, null, true],
      ],
    );
  }
  // the helpers on their own
  assert.deepEqual(normalizeSegment(5, 6, 4), [3.95, 4]);
  assert.deepEqual(normalizeSegment(-1, -2, 4), [0, 0.05]);
  assert.equal(segmentId('f.wav', 0.0625, 1.0005), 'f.wav|0.062-1.000');
  assert.deepEqual(negativeWindows(0.9, []), []);
  assert.equal(negativeWindows(100, []).length, 50);
  assert.deepEqual(readEvaluateFile('a\tb\t1\t2\tx y\n', 'f').events[0].label, 'x y');
});

test("ESC-50 (parquet under data/) and UrbanSound8K (CSV + WAV folds): class lists with id gaps, gold = the row's own name", async () => {
  const root = tempDir();
  // audio_cls_dataset.py:211-214: no esc50/*.parquet, so esc50/data/*.parquet
  writeHfParquet(
    join(root, 'audio-tasks/esc50/data/test-00000-of-00001.parquet'),
    [
      { name: 'audio', type: 'image' },
      { name: 'target', type: 'int64' },
      { name: 'category', type: 'string' },
    ],
    [
      { audio: { bytes: wav(800), path: '1-100-A.wav' }, target: 2, category: 'dog' },
      { audio: { bytes: wav(800), path: '1-101-A.wav' }, target: 0, category: 'rain' },
      { audio: { bytes: wav(800), path: '1-102-A.wav' }, target: 2, category: 'dog (second name)' },
      { audio: { bytes: wav(800), path: '1-103-A.wav' }, target: 4, category: 'crow' },
    ],
  );
  const esc = await dump(task('ESC-50'), root);
  const pool = ['rain', '1', 'dog', '3', 'crow']; // :222-231: ids 0..4, the first row's name, str(i) gaps
  const escFile = 'audio-tasks/esc50/data/test-00000-of-00001.parquet';
  assert.deepEqual(
    esc.lines.filter((l) => l.role === 'query').map((l) => [l.text, l.media, l.candidates, l.gold]),
    [
      ['dog', `${escFile}#0/audio/1-100-A.wav`],
      ['rain', `${escFile}#1/audio/1-101-A.wav`],
      ['dog (second name)', `${escFile}#2/audio/1-102-A.wav`], // :125: the row's own name, though no class
      ['crow', `${escFile}#3/audio/1-103-A.wav`],
    ].map(([g, p]) => ['Recognize the environmental sound category of the audio.', [audio(p)], pool, [g]]),
  );
  assert.deepEqual(
    esc.lines.filter((l) => l.role === 'target').map((l) => l.id),
    pool,
  );
  assert.equal(esc.evalSet.inlineMedia.size, 4);

  put(
    root,
    'audio-tasks/urbansound8k/csv_files/test.csv',
    'slice_file_name,fsID,fold,classID,class\n1.wav,9,1,3,dog_bark\n2.wav,9,2,0,air_conditioner\n3.wav,9,1,3,dog_bark\n',
  );
  for (const f of ['fold1/1.wav', 'fold2/2.wav', 'fold1/3.wav']) put(root, `audio-tasks/urbansound8k/audio/${f}`, wav(1600));
  const us = await dump(task('UrbanSound8K'), root);
  assert.deepEqual(
    us.lines.filter((l) => l.role === 'query').map((l) => [l.media, l.candidates, l.gold]),
    [
      ['fold1/1.wav', 'dog_bark'],
      ['fold2/2.wav', 'air_conditioner'],
      ['fold1/3.wav', 'dog_bark'],
    ].map(([f, g]) => [[audio(`audio-tasks/urbansound8k/audio/${f}`)], ['air_conditioner', '1', '2', 'dog_bark'], [g]]),
  );
  assert.deepEqual(us.problems, []);
});

test('Clotho: five captions per row, NaN cells skipped, rows with missing audio skipped as warnings, corpus = distinct files', async () => {
  const root = tempDir();
  put(
    root,
    'audio-tasks/clotho/clotho_captions_evaluation.csv',
    'file_name,caption_1,caption_2,caption_3,caption_4,caption_5\nx.wav, A dog barks. ,,NA,Birds sing,\nmissing.wav,cap,,,,\ny.wav,,,,,\nz.wav,rain falls,None,  ,,\nx.wav,Again,,,,\n',
  );
  for (const f of ['x.wav', 'y.wav', 'z.wav']) put(root, `audio-tasks/clotho/evaluation/${f}`, wav(1600));
  put(root, 'audio-tasks/clotho/development/decoy.wav', wav(10));
  const { lines, problems } = await dump(task('Clotho'), root);
  const inst = 'Retrieve audio clips that best match the given textual description.';
  // clotho_dataset.py:23-39: pandas NaN ("", "NA", "None") skipped; "  " is a string, stripped to "" → the
  // instruction alone (build_query_text); x.wav's second row adds queries, not a second candidate (:111-112)
  assert.deepEqual(
    lines.map((l) => [l.role, l.id, l.text, l.media, l.candidates ?? null, l.gold ?? null]),
    [
      ['query', '0', `${inst}\nQuery: A dog barks.`, [], null, ['x.wav']],
      ['query', '1', `${inst}\nQuery: Birds sing`, [], null, ['x.wav']],
      ['query', '2', `${inst}\nQuery: rain falls`, [], null, ['z.wav']],
      ['query', '3', inst, [], null, ['z.wav']],
      ['query', '4', `${inst}\nQuery: Again`, [], null, ['x.wav']],
      ['target', 'x.wav', '[AUDIO]', [audio('audio-tasks/clotho/evaluation/x.wav')], null, null],
      ['target', 'z.wav', '[AUDIO]', [audio('audio-tasks/clotho/evaluation/z.wav')], null, null],
    ],
  );
  assert.equal(problems.length, 1);
  assert.ok(problems[0].warning && problems[0].location.row === 1 && /missing\.wav is missing/.test(problems[0].message));
});

test('SoundDescs: pool = only the gold audios, in corpus order; path resolution, bytes read from the cell (no audio_cache)', async () => {
  const root = tempDir();
  const dir = 'audio-tasks/sounddescs-1k';
  writeHfParquet(
    join(root, dir, 'eval/query-00000-of-00001.parquet'),
    [
      { name: 'query-id', type: 'string' },
      { name: 'text', type: 'string' },
    ],
    [
      { 'query-id': 'q1', text: '  Door slams  ' },
      { 'query-id': 'q2', text: '   ' },
      { 'query-id': 'q3', text: 'Wind' },
      { 'query-id': 'q4', text: 'Rain' },
    ],
  );
  writeHfParquet(
    join(root, dir, 'eval/qrels-00000-of-00001.parquet'),
    [
      { name: 'query-id', type: 'string' },
      { name: 'corpus-id', type: 'string' },
      { name: 'score', type: 'int64' },
    ],
    [
      { 'query-id': 'q1', 'corpus-id': 'c2', score: 1 },
      { 'query-id': 'q1', 'corpus-id': 'c1', score: 2 },
      { 'query-id': 'q4', 'corpus-id': 'c2', score: 1 },
      { 'query-id': 'q4', 'corpus-id': 'c9', score: 1 },
      { 'query-id': 'q3', 'corpus-id': 'c3', score: 0 },
    ],
  );
  const corpusFile = `${dir}/eval/corpus-00000-of-00001.parquet`;
  writeHfParquet(
    join(root, corpusFile),
    [
      { name: 'corpus-id', type: 'string' },
      { name: 'audio', type: 'image' },
    ],
    [
      { 'corpus-id': 'c3', audio: { bytes: wav(100), path: 'clips/c3.wav' } },
      { 'corpus-id': 'c2', audio: { bytes: wav(100), path: 'gone/c2.wav' } },
      { 'corpus-id': 'c1', audio: { bytes: null, path: 'clips/c1.wav' } },
      { 'corpus-id': 'c1', audio: { bytes: wav(100), path: 'clips/other.wav' } },
    ],
  );
  put(root, `${dir}/eval/clips/c1.wav`, wav(1600)); // found at <dataset>/eval/<p>, the third place tried (:52-55)
  const { lines, problems, evalSet } = await dump(task('SoundDescs'), root);
  const inst = 'Retrieve audio samples that best match the given sound description.';
  const pool = ['c2', 'c1']; // c3 is no positive, c9 is in no corpus row, the second c1 is a repeat
  assert.deepEqual(
    lines.map((l) => [l.role, l.id, l.text, l.media, l.candidates ?? null, l.gold ?? null]),
    [
      ['query', 'q1', `${inst}\nQuery: Door slams`, [], pool, ['c1']], // the highest score
      ['query', 'q2', `${inst}\nQuery: q2`, [], pool, []], // no non-blank text column: the first string value (:75-77)
      ['query', 'q3', `${inst}\nQuery: Wind`, [], pool, []], // score 0 is no qrel
      ['query', 'q4', `${inst}\nQuery: Rain`, [], pool, ['c2']], // first among equals
      ['target', 'c2', '[AUDIO]', [audio(`${corpusFile}#1/audio/c2.wav`)], null, null],
      ['target', 'c1', '[AUDIO]', [audio(`${dir}/eval/clips/c1.wav`)], null, null],
    ],
  );
  assert.ok(evalSet.inlineMedia.has(`${corpusFile}#1/audio/c2.wav`));
  assert.deepEqual(problems, []);
  assert.deepEqual((await import('node:fs')).readdirSync(join(root, dir)).sort(), ['eval']); // nothing written
});

/** An AVE data root: testSet.txt, two videos (existence is all the parser checks), clip WAVs, frame folders. */
function aveRoot(withAudio: boolean): string {
  const root = tempDir();
  const d = 'audio-tasks/AVE/AVE_Dataset';
  put(
    root,
    `${d}/testSet.txt`,
    'Category&VideoID&Quality&StartTime&EndTime\nChurch bell&vidB&good&0&10\nDog&vidA&good&2.5&8.9\nDog&vidMissing&good&0&10\nshort&line\nCar&vidA&good&0&3\n',
  );
  for (const v of ['vidA', 'vidB']) put(root, `${d}/AVE/${v}.mp4`, 'not decoded here');
  if (withAudio) for (const c of ['vidB_vidB_0_10', 'vidA_vidA_2_8']) put(root, `${d}/audios/${c}.wav`, wav(1600));
  for (let i = 1; i <= 10; i++) put(root, `${d}/frames/vidA/frame_${String(i).padStart(4, '0')}.jpg`, 'jpg');
  for (let i = 1; i <= 3; i++) put(root, `${d}/frames/vidB/frame_${String(i).padStart(4, '0')}.jpg`, 'jpg');
  return root;
}

test('AVE: clip ids, dropped lines as warnings, candidates = sorted distinct videos with 8 sampled frames', async () => {
  const root = aveRoot(true);
  const d = 'audio-tasks/AVE/AVE_Dataset';
  const { lines, problems } = await dump(task('AVE'), root, 'qwen2-vl');
  const vidA = Array.from({ length: 10 }, (_, i) => `${d}/frames/vidA/frame_${String(i + 1).padStart(4, '0')}.jpg`);
  const vidB = Array.from({ length: 3 }, (_, i) => `${d}/frames/vidB/frame_${String(i + 1).padStart(4, '0')}.jpg`);
  const inst = 'Retrieve the video that best matches the given audio event.';
  // ave_retreival_dateset.py:99 clip id f"{vid}_{int(float(start))}_{int(float(end))}"; :268 <vid>_<clip id>.wav;
  // :310 sorted distinct video ids; vidMissing (no mp4), the short line and vidA_0_3 (no wav) are dropped
  assert.deepEqual(
    lines.map((l) => [l.role, l.id, l.text, l.media, l.candidates ?? null, l.gold ?? null]),
    [
      ['query', 'vidB_0_10', inst, [audio(`${d}/audios/vidB_vidB_0_10.wav`)], ['vidA', 'vidB'], ['vidB']],
      ['query', 'vidA_2_8', inst, [audio(`${d}/audios/vidA_vidA_2_8.wav`)], ['vidA', 'vidB'], ['vidA']],
      ['target', 'vidA', '<|video_pad|> Understand the content of the provided video.', sampleFrames(vidA, 8), null, null],
      // V3's process_video_frames pads a folder of fewer than 8 frames by repeating frames (3 → 0,0,0,0,1,1,1,2)
      ['target', 'vidB', '<|video_pad|> Understand the content of the provided video.', sampleFramesV3(vidB, 8), null, null],
    ],
  );
  assert.equal(sampleFrames(vidA, 8).length, 8);
  assert.deepEqual(
    problems.map((p) => [p.warning, p.location.line]),
    [
      [true, 5],
      [true, 4],
      [true, 6],
    ],
  );
  assert.match(problems[1].message, /vidMissing\.mp4 is missing/);
  assert.match(problems[2].message, /vidA_vidA_0_3\.wav is missing/);
});

test('AVE without an audio root: a missing ffmpeg is an error naming the clip, never a shorter candidate list (CLI)', () => {
  const root = aveRoot(false);
  const r = runCli(['dump', '--task', 'AVE', '--mmeb-version', 'v3', '--data-root', root], { env: { PATH: dirname(process.execPath) } });
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /ffmpeg/);
  assert.match(r.stderr, /testSet\.txt/);
  assert.match(r.stderr, /line 2/);
  assert.match(r.stderr, /clip vidB_0_10/);
  assert.doesNotMatch(r.stderr, /\n\s+at /); // a clear message, no stack trace
});

test('OmniSET: set order of the candidate ids, per-direction texts, catalog captions, gold in the target modality', async () => {
  const root = tempDir();
  put(
    root,
    'omniset/omniset.jsonl',
    '{"image_id": 42, "hard_negatives": [7, 300000], "qry_text": "a cat on a mat"}\n{"image_id": 7, "hard_negatives": [42], "qry_text": "a dog"}\n',
  );
  put(root, 'omniset/catalog.jsonl', '{"image_id": 42, "captions": ["A cat sits on a mat.", "x"]}\n{"image_id": 300000, "captions": []}\n');
  const stem = (id: number) => `COCO_val2014_${String(id).padStart(12, '0')}`;
  for (const id of [7, 42, 300000]) {
    put(root, `omniset/val2014/${stem(id)}.jpg`, 'jpg');
    put(root, `omniset/videos/${stem(id)}.mp4`, 'mp4');
    put(root, `omniset/audios/${stem(id)}.wav`, wav(800));
    for (let i = 1; i <= 2; i++) put(root, `omniset/frames_omni/${stem(id)}/frame_000${i}.jpg`, 'jpg');
  }
  // two frames saved, padded to 8 as V3's process_video_frames does (mscoco_cmret.py:178 → vision_utils.py)
  const frames = (id: number) =>
    sampleFramesV3(
      [1, 2].map((i) => `omniset/frames_omni/${stem(id)}/frame_000${i}.jpg`),
      8,
    );
  const rep = 'Represent the given text, image, video, or audio.';
  // mscoco_cmret.py:98 list(set([7, 300000, 42])) is [300000, 42, 7] and list(set([42, 7])) is [42, 7] (Python 3.11.7);
  // captions from the catalog (:285-295), 7 has none there, so the row's own caption (:101); 300000's is "" (empty list)
  const cands = (order: number[], own: string) =>
    order.flatMap((id) => [
      [`${stem(id)}.txt`, id === 42 ? 'A cat sits on a mat.' : id === 300000 ? '' : own, []],
      [`${stem(id)}.jpg`, `<|image_pad|> ${rep}`, [`omniset/val2014/${stem(id)}.jpg`]],
      [`${stem(id)}.mp4`, `<|video_pad|> ${rep}`, frames(id)],
      [`${stem(id)}.wav`, `<|audio_pad|> ${rep} `, [audio(`omniset/audios/${stem(id)}.wav`)]],
    ]);
  const t2a = await dump(task('OmniSET_t2a'), root, 'qwen2-vl');
  const row1 = cands([300000, 42, 7], 'a cat on a mat');
  assert.deepEqual(
    t2a.lines.filter((l) => l.role === 'query').map((l) => [l.text, l.media, l.candidates, l.gold]),
    [
      ['Find the audio that best matches the given text: a cat on a mat', [], row1.map((c) => c[0]), [`${stem(42)}.wav`]],
      ['Find the audio that best matches the given text: a dog', [], cands([42, 7], 'a dog').map((c) => c[0]), [`${stem(7)}.wav`]],
    ],
  );
  // the pool: row 1's candidates first (first occurrence wins: 7's caption is row 1's "a cat on a mat")
  assert.deepEqual(
    t2a.lines.filter((l) => l.role === 'target').map((l) => [l.id, l.text, l.media]),
    row1,
  );
  assert.deepEqual(t2a.problems, []);
  const v2i = await dump(task('OmniSET_v2i'), root, 'qwen2-vl');
  const q = v2i.lines[1];
  assert.deepEqual([q.text, q.media, q.gold], ['Find the image that best matches the given video: ', frames(7), [`${stem(7)}.jpg`]]);
});

test('validate names unreadable, empty and NaN audio per item; strict loading refuses a missing clip', async () => {
  const root = tempDir();
  const d = 'audio-tasks/creamD';
  put(
    root,
    `${d}/processed.csv`,
    'file,emotion\nok.wav,angry\nempty.wav,sad\nzero.wav,sad\nnan.wav,happy\nnot-wav.wav,angry\ngone.wav,sad\n',
  );
  put(root, `${d}/AudioWAV/ok.wav`, wav(1600));
  put(root, `${d}/AudioWAV/empty.wav`, new Uint8Array());
  put(root, `${d}/AudioWAV/zero.wav`, wav(0));
  put(root, `${d}/AudioWAV/nan.wav`, wav(0, 16000, new Float32Array([0.1, Number.NaN, 0.2])));
  put(root, `${d}/AudioWAV/not-wav.wav`, 'fLaC and more');
  const [v] = await validateTasks([task('CREMA-D')], { dataRoot: root, version: 'v3' });
  assert.equal(v.ok, false);
  assert.deepEqual(
    v.problems.map((p) => [p.location.row, p.message.replace(/: .*/s, '')]),
    [
      [1, `audio ${d}/AudioWAV/empty.wav is empty (0 bytes)`],
      [2, `audio ${d}/AudioWAV/zero.wav holds no samples (empty data chunk)`],
      [3, `unreadable audio ${d}/AudioWAV/nan.wav`],
      [4, `unreadable audio ${d}/AudioWAV/not-wav.wav`],
      [5, `missing audio ${d}/AudioWAV/gone.wav`],
    ],
  );
  assert.match(v.problems[2].message, /non-finite sample \(NaN\) at frame 1/);
  assert.match(v.problems[3].message, /FLAC audio is not supported/);
  await assert.rejects(
    loadEvalSet(task('CREMA-D'), { dataRoot: root, version: 'v3' }),
    (e: unknown) => e instanceof DataError && /missing audio .*gone\.wav/.test(e.message),
  );
  // a segment that holds no sample (TUTSound candidates are checked the same way)
  const { emptySegment } = await import('../src/datasets/audio-check.js');
  assert.equal(
    emptySegment({ frames: 16000, sampleRate: 16000 }, 1.0, 2.0),
    'segment starts at or after the end of the file (16000 frames at 16000 Hz)',
  );
  assert.equal(emptySegment({ frames: 16000, sampleRate: 16000 }, 0.5, 0.5), 'zero-length segment (end ≤ start)');
  assert.equal(emptySegment({ frames: 16000, sampleRate: 16000 }, 0.5, 2.0), null);
});
