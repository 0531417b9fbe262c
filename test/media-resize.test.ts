/**
 * Client-side decoding and resizing against the reference libraries' own outputs: Pillow 12.3's decode and
 * bicubic resize and torch 2.13's uint8 antialiased bicubic (test/fixtures/resize-goldens), bit for bit; and,
 * where python3 with Pillow is installed, freshly generated Pillow cases of random sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeRgb } from '../src/media/decode.js';
import { resizePillowBicubic, resizeTorchAaBicubic } from '../src/media/resize.js';
import { prepareImage } from '../src/backends/protocols/apply.js';
import { vlm2vecQwen2vl } from '../src/backends/protocols/vlm2vec-qwen2vl.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { FIXTURES, tempDir } from './helpers.js';

const GOLDENS = join(FIXTURES, 'resize-goldens');

interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A golden PNG's RGB pixels (PNG is lossless: these are the bytes the reference wrote). */
async function png(file: string | Uint8Array): Promise<Raster> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** Largest per-sample difference and how many samples differ. */
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

function assertSame(got: Uint8Array, want: Uint8Array, what: string): void {
  const d = diff(got, want);
  assert.equal(d.count, 0, `${what}: ${d.count} samples differ, the largest by ${d.max}`);
}

interface GoldenCase {
  source: string;
  width?: number;
  height?: number;
  pil?: string;
  torch?: string;
  pil_size?: [number, number];
  torch_size?: [number, number];
  chain?: string;
}
const golden = JSON.parse(readFileSync(join(GOLDENS, 'cases.json'), 'utf8')) as { cases: GoldenCase[] };
const stem = (name: string) => name.replace(/\.[^.]+$/, '');

test("decodeRgb: every source decodes to Pillow's Image.open(f).convert('RGB'), bit for bit", async () => {
  const sources = [...new Set(golden.cases.map((c) => c.source))];
  assert.ok(sources.length >= 4);
  for (const s of sources) {
    const got = await decodeRgb(new Uint8Array(readFileSync(join(GOLDENS, 'src', s))), s);
    const want = await png(join(GOLDENS, 'decoded', `${stem(s)}.png`));
    assert.deepEqual([got.width, got.height], [want.width, want.height], s);
    assertSame(got.data, want.data, `decode of ${s}`);
  }
});

test("resizePillowBicubic and resizeTorchAaBicubic: every golden case equals the reference's output", async () => {
  let pairs = 0;
  let largestGap = 0;
  for (const c of golden.cases) {
    const src = await png(join(GOLDENS, 'decoded', `${stem(c.source)}.png`));
    if (c.chain) {
      const [w1, h1] = c.pil_size as [number, number];
      const [w2, h2] = c.torch_size as [number, number];
      const mid = resizePillowBicubic(src.data, src.width, src.height, w1, h1);
      assertSame(resizeTorchAaBicubic(mid, w1, h1, w2, h2), (await png(join(GOLDENS, c.chain))).data, c.chain);
      continue;
    }
    const W = c.width as number;
    const H = c.height as number;
    const pil = await png(join(GOLDENS, c.pil as string));
    const torch = await png(join(GOLDENS, c.torch as string));
    assertSame(resizePillowBicubic(src.data, src.width, src.height, W, H), pil.data, c.pil as string);
    assertSame(resizeTorchAaBicubic(src.data, src.width, src.height, W, H), torch.data, c.torch as string);
    largestGap = Math.max(largestGap, diff(pil.data, torch.data).max);
    pairs++;
  }
  assert.ok(pairs >= 7, `${pairs} cases`);
  // the two references are different resamplers (which is why both are implemented): up to 2 levels apart here
  assert.ok(largestGap >= 1 && largestGap <= 2, `Pillow and torch differ by ${largestGap}`);
});

test('resizers: same size is a copy, one channel works, bad arguments are refused with the reason', () => {
  const px = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(resizePillowBicubic(px, 4, 3, 4, 3), px);
  assert.deepEqual(resizeTorchAaBicubic(px, 4, 3, 4, 3), px);
  // a grey image resized alone equals each of three equal channels resized together
  const grey = Uint8Array.from({ length: 30 * 20 }, (_, i) => (i * 53 + (i >> 4)) % 256);
  const rgb = new Uint8Array(grey.length * 3).map((_, i) => grey[Math.floor(i / 3)]);
  const one = resizePillowBicubic(grey, 30, 20, 11, 29, 1);
  const three = resizePillowBicubic(rgb, 30, 20, 11, 29, 3);
  assert.deepEqual(Array.from(three.filter((_, i) => i % 3 === 0)), Array.from(one));
  assert.throws(() => resizePillowBicubic(px, 4, 3, 0, 3), /target width must be an integer in 1\.\.65536, got 0/);
  assert.throws(() => resizeTorchAaBicubic(px, 4, 4, 2, 2), /36 bytes is not 4×4×3/);
  assert.throws(() => resizePillowBicubic(new Uint8Array(48), 4, 3, 2, 2, 4), /premultiplied by alpha/);
});

test("VLM2Vec's small-image rule sends Pillow's bicubic 56×56 of the decoded image, as PNG", async () => {
  const file = join(GOLDENS, 'src', 'tiny-rgba.png');
  const bytes = new Uint8Array(readFileSync(file));
  const plan = vlm2vecQwen2vl.plan({ role: 'query', text: 'x', media: [{ kind: 'image' }] });
  const sent = await prepareImage(bytes, file, plan);
  const meta = await sharp(sent).metadata();
  assert.equal(meta.format, 'png');
  const got = await png(sent);
  // the fixture's golden is Pillow's resize of convert("RGB") of this 20×15 RGBA image
  assertSame(got.data, (await png(join(GOLDENS, 'pil-bicubic', 'tiny-rgba@56x56.png'))).data, 'sent 56×56 image');
});

/** A python3 with Pillow, or null (the Pillow-generated test is skipped with a message then). */
function pythonWithPillow(): string | null {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import PIL'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithPillow();
test('random sizes generated by the installed Pillow: decode and bicubic resize equal, bit for bit', {
  skip: python ? false : 'no python3 with Pillow (PIL) found; apt-get install python3-pil to run it',
}, async () => {
  const dir = tempDir('resize-goldens-');
  const seed = String(1 + Math.floor(Math.random() * 1e6));
  const r = spawnSync(python as string, [join(PACKAGE_ROOT, 'scripts', 'make-resize-goldens.py'), dir, '--cases', '30', '--seed', seed], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const made = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    pillow: string;
    cases: { width: number; height: number; target: [number, number]; src: string; pil: string; jpeg: string; decoded: string }[];
  };
  // Pillow 12.2 started resizing images over 100 times taller than wide vertically first
  const [major, minor] = made.pillow.split('.').map(Number);
  const tallVerticalFirst = major > 12 || (major === 12 && minor >= 2);
  for (const c of made.cases) {
    const what = `seed ${seed} Pillow ${made.pillow}: ${c.width}×${c.height} → ${c.target.join('×')}`;
    const src = await png(join(dir, c.src));
    const got = resizePillowBicubic(src.data, c.width, c.height, c.target[0], c.target[1], 3, { tallVerticalFirst });
    assertSame(got, (await png(join(dir, c.pil))).data, what);
    const decoded = await decodeRgb(new Uint8Array(readFileSync(join(dir, c.jpeg))), c.jpeg);
    assertSame(decoded.data, (await png(join(dir, c.decoded))).data, `${what} JPEG decode`);
  }
});
