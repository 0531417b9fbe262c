/**
 * What qwen-vl-utils 0.0.14 does to a video given as a list of frame files, which is how Qwen3-VL-Embedding's
 * evaluation hands every video to it (QwenLM/Qwen3-VL-Embedding 8ce3aab, src/models/qwen3_vl_embedding.py:274-300
 * and 335-337; its uv.lock pins qwen-vl-utils 0.0.14, Pillow 12.0.0, torch 2.8.0, torchvision 0.23.0). Read in
 * QwenLM/Qwen3-VL at 0dcc180 (qwen-vl-utils/pyproject.toml version 0.0.14), src/qwen_vl_utils/vision_process.py:
 *
 *  1. `process_vision_info(..., image_patch_size=16)` calls `fetch_video(ele, image_patch_size=16)` (:517), whose
 *     image_factor is 16·2 = 32 (:405). For a frame list it resizes every frame as an image with
 *     `fetch_image({"image": frame, **ele-minus-type-and-video}, image_factor)` (:425) — passing the factor 32
 *     as the *patch* size, so fetch_image snaps to patch_factor = 32·2 = 64 (:100) with its image defaults
 *     min 4·64² = 16,384 and max 16,384·64² pixels (:131-132; the embedder passes only total_pixels, :276).
 *     Decoding is `to_rgb` (:84-90): RGBA is composited onto white, every other mode `convert("RGB")`; the
 *     resize `image.resize((w, h))`, Pillow's default bicubic (:140). (Later qwen-vl-utils pass the patch
 *     size here; the published numbers were made with 0.0.14.)
 *  2. An odd count is padded to an even one by repeating the last frame (:430-432) — the protocol's plan
 *     repeats it, so the padded list is what is sent.
 *  3. The frames are stacked (`torch.stack`, :435: frames whose step-1 sizes differ make it fail) and resized
 *     together to `smart_resize(h, w, 32, min_pixels = 128·32², max_pixels = max(min(768·32²,
 *     total_pixels / n · 2), int(128·32² · 1.05)))` for the padded count n (:449-469) with torchvision's
 *     `transforms.functional.resize(uint8 tensor, BICUBIC, antialias=True)` (:470-475). torchvision's v1
 *     functional resize (`_functional_tensor.resize`) casts the uint8 tensor to float32, interpolates in
 *     float32 and rounds back (resizeTorchvisionBicubicFloat); torch's native uint8 kernel is not involved.
 *  4. The processor then runs with `do_resize=False` (qwen3_vl_embedding.py:356-359): these are the model's pixels.
 *
 * smart_resize (:56-81) rounds with Python's round(), which sends a half to the even neighbour.
 */
import { BackendError } from '../errors.js';
import { loadSharp } from '../util/sharp.js';
import { decodeRgb, type RgbImage } from './decode.js';
import { resizePillowBicubic, resizeTorchvisionBicubicFloat, type TorchCubicForm } from './resize.js';

/** The constants of a frame-list chain (all of them pixels or factors, as vision_process.py names them). */
export interface FrameListChain {
  /** fetch_image's snapping factor for each frame (0.0.14: twice the video's) and its default pixel bounds */
  frameFactor: number;
  frameMinPixels: number;
  frameMaxPixels: number;
  /** fetch_video's factor, per-frame minimum, per-frame cap and the total budget shared by the padded frames */
  videoFactor: number;
  videoMinPixels: number;
  videoFrameCapPixels: number;
  totalPixels: number;
  /** Pillow ≥ 12.2 resizes very tall images vertically first; the reference's Pillow 12.0 does not */
  pillowTallVerticalFirst: boolean;
  /** the float arithmetic of torch's antialiased bicubic filter in step 3 (torch 2.x or 1.13, TorchCubicForm) */
  torchvisionCubic: TorchCubicForm;
}

/**
 * qwen-vl-utils 0.0.14 as Qwen3-VL-Embedding calls it: image_patch_size 16, total_pixels = 10·768·32²
 * (qwen3_vl_embedding.py:31-32), Pillow 12.0.0 and torch 2.8.0 (uv.lock).
 */
export const QWEN_VL_UTILS_0_0_14_FRAME_LIST: FrameListChain = {
  frameFactor: 64,
  frameMinPixels: 4 * 64 * 64,
  frameMaxPixels: 16384 * 64 * 64,
  videoFactor: 32,
  videoMinPixels: 128 * 32 * 32,
  videoFrameCapPixels: 768 * 32 * 32,
  totalPixels: 10 * 768 * 32 * 32,
  pillowTallVerticalFirst: false,
  torchvisionCubic: 'torch2',
};

/** Python's round(): a half goes to the even neighbour. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** qwen-vl-utils' smart_resize (vision_process.py:56-81): [height, width]; throws where it raises. */
export function qwenSmartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  if (maxPixels < minPixels) throw new RangeError(`smart_resize: max_pixels ${maxPixels} is below min_pixels ${minPixels}`);
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new RangeError(
      `smart_resize: absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`,
    );
  }
  let h = Math.max(factor, pyRound(height / factor) * factor);
  let w = Math.max(factor, pyRound(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.floor(height / beta / factor) * factor;
    w = Math.floor(width / beta / factor) * factor;
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return [h, w];
}

/** The per-frame pixel cap fetch_video gives n (padded) frames (vision_process.py:451), as a float as Python has it. */
export function frameListMaxPixels(paddedFrames: number, chain: FrameListChain = QWEN_VL_UTILS_0_0_14_FRAME_LIST): number {
  return Math.max(Math.min(chain.videoFrameCapPixels, (chain.totalPixels / paddedFrames) * 2), Math.floor(chain.videoMinPixels * 1.05));
}

export interface FrameListSizes {
  /** the frame count after padding (the count sent) */
  frames: number;
  /** each frame after fetch_image's Pillow resize, width × height */
  frameSize: [number, number];
  /** every frame after fetch_video's torch resize: what the model sees, width × height */
  videoSize: [number, number];
  /** the per-frame cap step 3 used */
  maxPixels: number;
}

/** The sizes qwen-vl-utils 0.0.14 gives `count` frames of `width` × `height` (steps 1-3 of the module note). */
export function frameListSizes(
  width: number,
  height: number,
  count: number,
  chain: FrameListChain = QWEN_VL_UTILS_0_0_14_FRAME_LIST,
): FrameListSizes {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a frame list needs at least one frame, got ${count}`);
  const [h1, w1] = qwenSmartResize(height, width, chain.frameFactor, chain.frameMinPixels, chain.frameMaxPixels);
  const frames = Math.ceil(count / 2) * 2;
  const maxPixels = frameListMaxPixels(frames, chain);
  const [h2, w2] = qwenSmartResize(h1, w1, chain.videoFactor, chain.videoMinPixels, maxPixels);
  return { frames, frameSize: [w1, h1], videoSize: [w2, h2], maxPixels };
}

/** PNG colour type 6 (RGBA): the one layout Pillow opens as mode RGBA, which to_rgb composites onto white. */
function isRgbaPng(b: Uint8Array): boolean {
  return b.length > 25 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[25] === 6;
}

/**
 * qwen-vl-utils' `to_rgb` (vision_process.py:84-90): an RGBA image is pasted onto white through its alpha
 * (Pillow's paste with a mask: DIV255(255·(255 − a) + c·a), Paste.c / ImagingUtils.h BLEND), everything else
 * is `convert("RGB")` (decodeRgb: palette and LA transparency dropped, as Pillow's convert does).
 */
export async function decodeToRgbQwen(bytes: Uint8Array, path: string): Promise<RgbImage> {
  if (!isRgbaPng(bytes)) return decodeRgb(bytes, path);
  const sharp = await loadSharp();
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await sharp(bytes, { ignoreIcc: true, autoOrient: false, limitInputPixels: false })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  const { data, info } = raw;
  const n = info.width * info.height;
  const out = new Uint8Array(n * 3);
  for (let p = 0, i = 0, o = 0; p < n; p++, i += info.channels, o += 3) {
    const a = info.channels === 4 ? data[i + 3] : 255;
    for (let c = 0; c < 3; c++) {
      const t = 255 * (255 - a) + data[i + c] * a + 128;
      out[o + c] = ((t >> 8) + t) >> 8;
    }
  }
  return { data: out, width: info.width, height: info.height };
}

export interface PreparedFrames {
  /** the frames as PNG (lossless), in order, padded list included */
  data: Uint8Array[];
  sizes: FrameListSizes;
  /** each frame's size as read */
  sourceSize: [number, number];
}

/**
 * Runs steps 1 and 3 of the module note on the frames sent (already padded by the plan): every frame decoded
 * as to_rgb does and resized with Pillow's bicubic to its fetch_image size, then with torchvision's
 * antialiased bicubic of a uint8 tensor (torch's float32 kernel) to the video size; PNG out. Frames whose fetch_image sizes differ are refused (the reference's
 * torch.stack fails there), naming both.
 */
export async function prepareFrameList(
  frames: Uint8Array[],
  paths: string[],
  chain: FrameListChain = QWEN_VL_UTILS_0_0_14_FRAME_LIST,
): Promise<PreparedFrames> {
  if (!frames.length) throw new BackendError('a video with no frames');
  const sharp = await loadSharp();
  // the padded list repeats its last frame: decode and resize each distinct buffer once
  const done = new Map<Uint8Array, Promise<{ png: Uint8Array; size: FrameListSizes; source: [number, number] }>>();
  const one = async (bytes: Uint8Array, path: string) => {
    const rgb = await decodeToRgbQwen(bytes, path);
    let size: FrameListSizes;
    try {
      size = frameListSizes(rgb.width, rgb.height, frames.length, chain);
    } catch (err) {
      throw new BackendError(`frame ${path} (${rgb.width}×${rgb.height}): ${(err as Error).message}`);
    }
    const [w1, h1] = size.frameSize;
    const [w2, h2] = size.videoSize;
    if (w2 < 1 || h2 < 1) throw new BackendError(`frame ${path} (${rgb.width}×${rgb.height}) resizes to ${w2}×${h2}`);
    const step1 = resizePillowBicubic(rgb.data, rgb.width, rgb.height, w1, h1, 3, { tallVerticalFirst: chain.pillowTallVerticalFirst });
    const step2 = resizeTorchvisionBicubicFloat(step1, w1, h1, w2, h2, 3, { cubic: chain.torchvisionCubic });
    const png = new Uint8Array(
      await sharp(step2, { raw: { width: w2, height: h2, channels: 3 } })
        .png()
        .toBuffer(),
    );
    return { png, size, source: [rgb.width, rgb.height] as [number, number] };
  };
  const results = await Promise.all(
    frames.map((f, i) => {
      let p = done.get(f);
      if (!p) {
        p = one(f, paths[i]);
        done.set(f, p);
      }
      return p;
    }),
  );
  const first = results[0];
  results.forEach((r, i) => {
    if (r.size.frameSize[0] !== first.size.frameSize[0] || r.size.frameSize[1] !== first.size.frameSize[1]) {
      throw new BackendError(
        `frames of one video resize to different sizes (${paths[0]}: ${first.source.join('×')} → ${first.size.frameSize.join('×')}, ` +
          `${paths[i]}: ${r.source.join('×')} → ${r.size.frameSize.join('×')}); the reference stacks them and fails`,
      );
    }
  });
  return { data: results.map((r) => r.png), sizes: first.size, sourceSize: first.source };
}

/**
 * fetch_image (vision_process.py:93-141) for an image given its min/max pixels: to_rgb, then Pillow's bicubic
 * to smart_resize's size with `factor` (qwen3_vl_embedding.py passes image_patch_size 16: factor 32). PNG out.
 */
export async function prepareImageFetch(
  bytes: Uint8Array,
  path: string,
  bounds: { factor: number; minPixels: number; maxPixels: number },
  pillowTallVerticalFirst = false,
): Promise<{ data: Uint8Array; sourceSize: [number, number]; size: [number, number] }> {
  const rgb = await decodeToRgbQwen(bytes, path);
  let h: number;
  let w: number;
  try {
    [h, w] = qwenSmartResize(rgb.height, rgb.width, bounds.factor, bounds.minPixels, bounds.maxPixels);
  } catch (err) {
    throw new BackendError(`image ${path} (${rgb.width}×${rgb.height}): ${(err as Error).message}`);
  }
  const pixels = resizePillowBicubic(rgb.data, rgb.width, rgb.height, w, h, 3, { tallVerticalFirst: pillowTallVerticalFirst });
  const sharp = await loadSharp();
  const data = new Uint8Array(
    await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
  return { data, sourceSize: [rgb.width, rgb.height], size: [w, h] };
}
