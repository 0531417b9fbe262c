/**
 * Bad audio: a truncated WAV, a zero-length segment and NaN samples each stop the embedding with a DataError that
 * names the task, the item and the file — never a silently different score.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../../src/backends/config.js';
import { createBackend } from '../../src/backends/registry.js';
import { catalogFor, getTask } from '../../src/catalog/load.js';
import { DataError } from '../../src/errors.js';
import { DataRoot } from '../../src/items/data-root.js';
import type { EvalSet, MediaRef } from '../../src/items/types.js';
import { encodeFloatWav } from '../../src/media/audio-encode.js';
import { embedEvalSet } from '../../src/tte/pipeline.js';
import { MediaLoader } from '../../src/tte/media.js';
import { tempDir } from '../helpers.js';
import { pcm16Wav } from '../audio-fixtures.js';

async function embedFails(file: string, bytes: Uint8Array, ref: MediaRef): Promise<DataError> {
  const dir = tempDir('audio-fault-');
  mkdirSync(join(dir, 'tut'), { recursive: true });
  writeFileSync(join(dir, file), bytes);
  writeFileSync(join(dir, 'tut/good.wav'), pcm16Wav(16000, 1, 16000));
  const es: EvalSet = {
    task: getTask('TUTSound', catalogFor('v3')),
    version: 'v3',
    format: 'qwen2-vl',
    mode: 'local',
    queries: [
      {
        id: 'q-7',
        text: 'Retrieve the sound event categories.',
        media: [{ kind: 'audio', path: 'tut/good.wav', start: null, end: null }],
        candidateIds: ['c-bad'],
        gold: ['c-bad'],
        relScores: null,
      },
    ],
    candidates: [{ id: 'c-bad', text: 'Retrieve the sound event categories that best match the given audio.', media: [ref] }],
    inlineMedia: new Map(),
    dataFiles: [],
  };
  const backend = await createBackend(parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } }));
  try {
    await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v3', cache: null });
  } catch (err) {
    assert.ok(err instanceof DataError, String(err));
    return err;
  } finally {
    await backend.close();
  }
  assert.fail('no error');
}

test('a truncated WAV (data chunk longer than the file) names task, item and file', async () => {
  const wav = pcm16Wav(44100, 2, 44100);
  const err = await embedFails('tut/cut.wav', wav.subarray(0, 10000), { kind: 'audio', path: 'tut/cut.wav', start: null, end: null });
  assert.match(
    err.message,
    /^task TUTSound, tut\/cut\.wav: item c-bad: WAV file is truncated: its data chunk declares 176400 bytes, 9956 are present$/,
  );
});

test('a zero-length segment (end not after start) names task, item and file', async () => {
  const err = await embedFails('tut/seg.wav', pcm16Wav(16000, 1, 32000), { kind: 'audio', path: 'tut/seg.wav', start: 1.25, end: 1.25 });
  assert.match(err.message, /^task TUTSound, tut\/seg\.wav: item c-bad: audio segment \[1\.25, 1\.25\) s is empty/);
});

test('NaN samples name task, item, file, frame and channel', async () => {
  const samples = new Float32Array(8000).fill(0.1);
  samples[4321] = Number.NaN;
  const err = await embedFails('tut/nan.wav', encodeFloatWav({ samples, sampleRate: 16000 }), {
    kind: 'audio',
    path: 'tut/nan.wav',
    start: null,
    end: null,
  });
  assert.match(err.message, /^task TUTSound, tut\/nan\.wav: item c-bad: non-finite sample \(NaN\) at frame 4321, channel 0$/);
});
