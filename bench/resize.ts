/**
 * Time per video frame for the bit-exact resamplers (src/media/resize.ts) against sharp's cubic (libvips, native,
 * SIMD) on the same pixels in the same run: a 640×480 RGB frame to 448×336 (downscale) and to 896×672 (upscale).
 *   node dist/bench/resize.js [--reps 30]
 */
import sharp from 'sharp';
import { resizePillowBicubic, resizeTorchAaBicubic, resizeTorchvisionBicubicFloat } from '../src/media/resize.js';
import { numberArg } from './args.js';

const reps = numberArg('reps', 30);
const w = 640;
const h = 480;
const frame = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24);

async function time(run: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await run(); // warm up (JIT, libvips caches)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await run();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

sharp.concurrency(1); // one thread, as the JavaScript resamplers run
for (const [W, H] of [
  [448, 336],
  [896, 672],
]) {
  const pil = await time(() => resizePillowBicubic(frame, w, h, W, H));
  const torch = await time(() => resizeTorchAaBicubic(frame, w, h, W, H));
  // what the Qwen3-VL-Embedding frame chain runs (torchvision's float32 path)
  const tv = await time(() => resizeTorchvisionBicubicFloat(frame, w, h, W, H));
  const vips = await time(() =>
    sharp(frame, { raw: { width: w, height: h, channels: 3 } })
      .resize(W, H, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer(),
  );
  console.log(
    `${w}×${h} → ${W}×${H}: Pillow-exact ${pil.toFixed(2)} ms, torch-uint8-exact ${torch.toFixed(2)} ms, ` +
      `torchvision-float-exact ${tv.toFixed(2)} ms, sharp cubic ${vips.toFixed(2)} ms (1 thread) — ` +
      `${(pil / vips).toFixed(1)}×, ${(torch / vips).toFixed(1)}× and ${(tv / vips).toFixed(1)}× sharp's time`,
  );
}
