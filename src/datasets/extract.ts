/**
 * Opt-in frame extraction from raw videos (`tte-bench extract-frames`), for users who downloaded
 * TIGER-Lab/MMEB_Raw_Video instead of (or besides) the frame archives. As VLM2Vec's save_frames: up to 64
 * frames at indices floor(i × total / 64), saved as frame_0001.jpg …, only into folders that are missing or
 * empty — except the video QA parsers, which extract with OpenCV instead: every step-th frame from the
 * first, step = max(1, total // 64), saved as 0000.jpeg …. ffmpeg and ffprobe are spawned with argument
 * arrays, never through a shell; frames are written to a temporary folder and renamed into place, so an
 * interrupted extraction leaves no half-filled folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import type { ParserFamily } from '../catalog/types.js';
import type { DataRoot } from '../items/data-root.js';

export function frameIndices(total: number, max = 64): number[] {
  const n = Math.min(max, total);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.floor((i * total) / n)))];
}

/**
 * How a parser family extracts frames: `save_frames` (src/utils/vision_utils/vision_utils.py) or the
 * OpenCV loop the video QA parsers (videomme, nextqa, egoschema, mvbench, activitynetqa) carry themselves.
 */
export type ExtractionRule = 'save_frames' | 'opencv';

export function extractionRule(parser: ParserFamily): ExtractionRule {
  return ['videomme', 'nextqa', 'egoschema', 'mvbench', 'activitynetqa'].includes(parser) ? 'opencv' : 'save_frames';
}

/** The QA parsers' OpenCV loop: frames 0, step, 2·step, … (step = max(1, total // max)), at most max of them. */
export function opencvFrameIndices(total: number, max = 64): number[] {
  const step = Math.max(1, Math.floor(total / max));
  return Array.from({ length: Math.min(max, Math.ceil(total / step)) }, (_, i) => i * step);
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', shell: false, maxBuffer: 1 << 24 });
  if (r.error) throw new DataError(`cannot run ${cmd}: ${r.error.message} (install ffmpeg to extract frames)`);
  if (r.status !== 0) throw new DataError(`${cmd} failed (${r.status}): ${(r.stderr || '').trim().split('\n').pop()}`);
  return r.stdout;
}

export function countFrames(video: string): number {
  const out = run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets',
    '-of',
    'csv=p=0',
    video,
  ]).trim();
  const n = Number(out.split(/\s+/)[0]);
  if (!Number.isInteger(n) || n <= 0) throw new DataError(`cannot count the frames of the video`, { file: video });
  return n;
}

/** Extract frames of one video into `frameDir` (root-relative). Returns the number of frames written. */
export function extractFrames(root: DataRoot, video: string, frameDir: string, max = 64, rule: ExtractionRule = 'save_frames'): number {
  const src = root.abs(video);
  if (!root.exists(video)) throw new DataError('raw video not found', { file: src });
  const total = countFrames(src);
  const indices = rule === 'opencv' ? opencvFrameIndices(total, max) : frameIndices(total, max);
  const dest = root.abs(frameDir);
  const tmp = `${dest}.extracting-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    src,
    '-vf',
    `select='${select}'`,
    '-vsync',
    'vfr',
    '-q:v',
    '2',
    // the names VLM2Vec gives them: ffmpeg's frame_0001.jpg …, cv2.imwrite's f"{i:04d}.jpeg" from 0
    ...(rule === 'opencv' ? ['-start_number', '0', join(tmp, '%04d.jpeg')] : [join(tmp, 'frame_%04d.jpg')]),
  ]);
  const written = readdirSync(tmp).length;
  if (existsSync(dest)) {
    if (readdirSync(dest).length) {
      rmSync(tmp, { recursive: true, force: true });
      return 0; // filled by someone else meanwhile
    }
    rmSync(dest, { recursive: true, force: true });
  }
  mkdirSync(dirname(dest), { recursive: true });
  renameSync(tmp, dest);
  return written;
}
