/**
 * torchvision's `transforms.functional.resize(uint8 tensor, BICUBIC, antialias=True)` — the second resize of
 * Qwen3-VL-Embedding's video frames (qwen-vl-utils fetch_video) — against torchvision's own outputs
 * (test/fixtures/torchvision-goldens, made by scripts/make-torchvision-goldens.py with Debian's torchvision
 * 0.14.1 / torch 1.13.1 on torch's DEFAULT CPU kernel), bit for bit; and, where a python3 with torchvision is
 * installed, freshly generated cases of random sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeRgb } from '../src/media/decode.js';
import { resizeTorchAaBicubic, resizeTorchvisionBicubicFloat } from '../src/media/resize.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { FIXTURES, tempDir } from './helpers.js';

const GOLDENS = join(FIXTURES, 'torchvision-goldens');
const SOURCES = join(FIXTURES, 'resize-goldens', 'src');

interface GoldenCase {
  source: string;
  width: number;
  height: number;
  target: [number, number];
  golden: string;
}
interface GoldenSet {
  torch: string;
  torchvision: string;
  cpu_capability: string;
  cases: GoldenCase[];
}

async function png(file: string): Promise<Uint8Array> {
  const { data } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** A case's source pixels: the committed frames decoded as Pillow's convert("RGB"), or the script's PNG. */
async function sourcePixels(dir: string, c: GoldenCase): Promise<Uint8Array> {
  if (c.source.startsWith('rnd-')) return png(join(dir, c.source));
  const file = join(SOURCES, c.source);
  const rgb = await decodeRgb(new Uint8Array(readFileSync(file)), file);
  assert.deepEqual([rgb.width, rgb.height], [c.width, c.height], c.source);
  return rgb.data;
}

function diff(a: Uint8Array, b: Uint8Array): { max: number; count: number } {
  assert.equal(a.length, b.length, 'sizes differ');
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d) {
      count++;
      if (d > max) max = d;
    }
  }
  return { max, count };
}

/** Compares every case of a golden set; returns the largest difference and the samples compared. */
async function compareSet(dir: string, what: string, cubic: 'torch1' | 'torch2') {
  const set = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as GoldenSet;
  let max = 0;
  let samples = 0;
  const failures: string[] = [];
  for (const c of set.cases) {
    const src = await sourcePixels(dir, c);
    const got = resizeTorchvisionBicubicFloat(src, c.width, c.height, c.target[0], c.target[1], 3, { cubic });
    const d = diff(got, await png(join(dir, c.golden)));
    samples += got.length;
    if (d.max > max) max = d.max;
    if (d.count) failures.push(`${c.golden}: ${d.count} of ${got.length} samples differ, by up to ${d.max}`);
  }
  console.log(
    `${what}: torchvision ${set.torchvision} / torch ${set.torch} (${set.cpu_capability} kernel), ${set.cases.length} cases, ` +
      `${samples} samples, largest difference ${max}`,
  );
  return { set, max, samples, failures };
}

test('torchvision resize of a uint8 tensor (float32 path, torch 1.13 arithmetic): every committed golden, bit for bit', async () => {
  const { set, failures } = await compareSet(GOLDENS, 'committed goldens', 'torch1');
  assert.ok(set.cases.length >= 20, 'the fixture lists its cases');
  assert.deepEqual(failures, []);
});

test("torch 2.x's float filter form changes a few samples of the same goldens by one level, never more", async () => {
  const { max, failures } = await compareSet(GOLDENS, 'torch2 form against torch 1.13 goldens', 'torch2');
  // the same kernel function rounded in another order: a .5 tie moves, nothing else
  assert.equal(max, 1);
  assert.ok(failures.length > 0);
});

test('the native uint8 kernel (resizeTorchAaBicubic) is a different resampler from what torchvision runs', async () => {
  const set = JSON.parse(readFileSync(join(GOLDENS, 'cases.json'), 'utf8')) as GoldenSet;
  let differing = 0;
  for (const c of set.cases) {
    const src = await sourcePixels(GOLDENS, c);
    const u8 = resizeTorchAaBicubic(src, c.width, c.height, c.target[0], c.target[1], 3);
    if (diff(u8, await png(join(GOLDENS, c.golden))).count) differing++;
  }
  assert.ok(differing > set.cases.length / 2, `only ${differing} of ${set.cases.length} cases differ`);
});

test('an unchanged size is a copy; one changed side runs one pass; bad sizes are refused', () => {
  const px = new Uint8Array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  const same = resizeTorchvisionBicubicFloat(px, 2, 2, 2, 2);
  assert.deepEqual(same, px);
  assert.notEqual(same, px);
  // 2×2 → 1×2: each output is the two pixels' mean (two taps, weights 0.5 and 0.5)
  assert.deepEqual([...resizeTorchvisionBicubicFloat(px, 2, 2, 1, 2)], [15, 25, 35, 75, 85, 95]);
  assert.throws(() => resizeTorchvisionBicubicFloat(px, 2, 2, 0, 2), /target width/);
  assert.throws(() => resizeTorchvisionBicubicFloat(px, 3, 2, 1, 1), /bytes is not/);
  assert.throws(() => resizeTorchvisionBicubicFloat(px, 2, 2, 1, 1, 3, { cubic: 'torch3' as 'torch1' }), /cubic must be/);
});

/** A python3 with torchvision, numpy and Pillow, or null (the generated test is skipped with a message then). */
function pythonWithTorchvision(): string | null {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import torchvision, numpy, PIL'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithTorchvision();
test('random sizes resized by the installed torchvision (DEFAULT CPU kernel): equal, bit for bit', {
  skip: python ? false : 'no python3 with torchvision found; apt-get install python3-torchvision to run it',
}, async () => {
  const dir = tempDir('torchvision-goldens-');
  const seed = String(1 + Math.floor(Math.random() * 1e6));
  const r = spawnSync(
    python as string,
    [join(PACKAGE_ROOT, 'scripts', 'make-torchvision-goldens.py'), dir, '--cases', '24', '--seed', seed],
    {
      encoding: 'utf8',
      // torch's AVX2 / AVX-512 builds of the kernel round some downscales differently (docs/exactness-resize.md)
      env: { ...process.env, ATEN_CPU_CAPABILITY: 'default' },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const major = Number((JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as GoldenSet).torch.split('.')[0]);
  const { failures } = await compareSet(dir, `seed ${seed}`, major >= 2 ? 'torch2' : 'torch1');
  assert.deepEqual(failures, [], `seed ${seed}`);
});
