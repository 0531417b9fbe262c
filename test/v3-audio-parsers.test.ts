/**
 * The MMEB-V3 audio parser families. audio_cls and audio_ret_speechcoco against the EvalSets VLM2Vec's own parsers
 * built from the shared V3 format fixtures (test/fixtures/mmeb-v3-formats/expected/*.jsonl, Stars1233/VLM2Vec
 * 44f991d); the families without such fixtures against small data roots written here (real WAV files) and EvalSets
 * derived by hand from the reference code, each with the lines it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { catalogFor, getTask } from '../src/catalog/load.js';
import type { TaskSpec } from '../src/catalog/types.js';
import { dumpLines } from '../src/datasets/dump.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { validateTasks } from '../src/datasets/validate.js';
import { DataError } from '../src/errors.js';
import { pyFixed } from '../src/util/pyformat.js';
import { normalizeSegment, negativeWindows, readEvaluateFile, segmentId } from '../src/datasets/tutsound.js';
import { FIXTURES, tempDir } from './helpers.js';

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
