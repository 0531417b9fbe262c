/**
 * A video item's frames: how a frame folder lists (VLM2Vec's natural order) and how k frames are sampled from
 * it (numpy's linspace). In the item room because parsers (which frames a query holds), the data root (listing
 * a folder) and model protocols (Qwen3-VL's own frame sampling) all use them, and backends may not import datasets.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pySplitext } from '../util/pytext.js';

const FRAME_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

/** VLM2Vec's natural sort key: digit runs compare as integers (Python's, of any length), text parts lower-cased. */
function naturalKey(name: string): (string | bigint)[] {
  return name.split(/(\d+)/).map((part, i) => (i % 2 === 1 ? BigInt(part) : part.toLowerCase()));
}

export function naturalCompare(a: string, b: string): number {
  const ka = naturalKey(a);
  const kb = naturalKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const x = ka[i];
    const y = kb[i];
    if (x === y) continue;
    // Python compares the keys element-wise; at an even index both are strings, at an odd one both numbers.
    if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return ka.length - kb.length;
}

/**
 * Image files directly inside `dir`, in natural order; [] if dir is absent. The extension is
 * os.path.splitext's, lower-cased (.jpg/.jpeg/.png): a bare ".jpg" has none.
 */
export function listFrameFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => FRAME_EXTENSIONS.includes(pySplitext(n)[1].toLowerCase()))
    .filter((n) => {
      try {
        return statSync(join(dir, n)).isFile();
      } catch {
        return false;
      }
    })
    .sort(naturalCompare);
}

/** np.linspace(0, n-1, k, dtype=int): evenly spaced indices, truncated toward zero. */
export function linspaceIndices(n: number, k: number): number[] {
  if (k === 1) return [0];
  const step = (n - 1) / (k - 1);
  // numpy computes start + i*step (with the last point set to stop exactly), then truncates.
  return Array.from({ length: k }, (_, i) => (i === k - 1 ? n - 1 : Math.trunc(i * step)));
}

/** VLM2Vec's process_video_frames (MMEB-V2, 6e1e1d4): k evenly spaced frames when there are at least k, otherwise all of them. */
export function sampleFrames<T>(frames: T[], k: number): T[] {
  if (frames.length < k) return frames.slice();
  return linspaceIndices(frames.length, k).map((i) => frames[i]);
}

/**
 * MMEB-V3's process_video_frames (VLM2Vec 44f991d, src/utils/vision_utils/vision_utils.py:277-288): a folder
 * with frames always gives k of them — np.linspace(0, n-1, k, dtype=int), so a folder with fewer than k frames
 * repeats some (3 frames, k = 8: 0,0,0,0,1,1,1,2) — and an empty folder gives none.
 */
export function sampleFramesV3<T>(frames: T[], k: number): T[] {
  if (!frames.length) return [];
  return linspaceIndices(frames.length, k).map((i) => frames[i]);
}
