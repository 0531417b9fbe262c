/** Opt-in frame extraction with ffmpeg (needs ffmpeg and ffprobe on PATH; .ci/run installs them). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getTask } from '../src/catalog/load.js';
import { frameIndices } from '../src/datasets/extract.js';
import { loadEvalSet } from '../src/datasets/load.js';
import { loadSuite } from '../src/engine/suites.js';
import { FIXTURES, runCli, tempDir } from './helpers.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

test('frame indices follow VLM2Vec save_frames: floor(i*total/64), all frames when fewer', () => {
  assert.deepEqual(frameIndices(128).slice(0, 4), [0, 2, 4, 6]);
  assert.equal(frameIndices(128).length, 64);
  assert.deepEqual(frameIndices(5), [0, 1, 2, 3, 4]);
  assert.deepEqual(frameIndices(100, 4), [0, 25, 50, 75]);
});

test('extract-frames fills empty frame folders from raw videos, then the task loads', {
  skip: hasFfmpeg ? false : 'ffmpeg/ffprobe not installed',
}, async () => {
  const root = tempDir();
  cpSync(join(loadSuite('mini').dataRoot!, 'hf', 'VLM2Vec', 'HMDB51'), join(root, 'hf', 'VLM2Vec', 'HMDB51'), { recursive: true });
  const { extractable } = await loadEvalSet(getTask('HMDB51'), { dataRoot: root, collectProblems: true });
  assert.equal(extractable.length, 4);
  mkdirSync(join(root, 'video-tasks/videos/video_cls/HMDB51'), { recursive: true });
  for (const e of extractable) copyFileSync(join(FIXTURES, 'video', 'example_video.mp4'), join(root, e.video));
  const r = runCli(['extract-frames', '--task', 'HMDB51', '--data-root', root, '--max-frames', '16']);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(root, extractable[0].frameDir);
  const frames = readdirSync(dir).sort();
  assert.equal(frames.length, 16);
  assert.equal(frames[0], 'frame_0001.jpg');
  const { evalSet, problems } = await loadEvalSet(getTask('HMDB51'), { dataRoot: root, collectProblems: true });
  assert.deepEqual(problems, []);
  assert.equal(evalSet.queries[0].media[0].kind === 'frames' && evalSet.queries[0].media[0].paths.length, 8);
  // a second pass touches nothing
  const again = runCli(['extract-frames', '--task', 'HMDB51', '--data-root', root]);
  assert.equal(again.status, 0, `exit ${again.status}: ${again.stderr}`);
  assert.match(again.stdout, /0 folder\(s\) filled/);
});
