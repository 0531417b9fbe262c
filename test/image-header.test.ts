/** The JavaScript image-header reader agrees with sharp's metadata() wherever it answers, and leaves to sharp what it cannot be sure of. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageHeader } from '../src/util/image-header.js';
import { FIXTURES } from './helpers.js';

function imagesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return imagesUnder(p);
    return /\.(jpe?g|png)$/i.test(name) ? [p] : [];
  });
}

async function sharpSays(bytes: Uint8Array) {
  const m = await sharp(bytes).metadata();
  return { width: m.width, height: m.height, hasAlpha: m.hasAlpha };
}

test('every JPEG and PNG of the fixtures (photos, document pages, frames): the size and alpha sharp reads', async () => {
  const files = imagesUnder(FIXTURES);
  assert.ok(files.length > 300, `${files.length} images found`);
  let answered = 0;
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(f));
    const h = imageHeader(bytes);
    if (h === null) continue;
    answered++;
    assert.deepEqual(h, await sharpSays(bytes), f);
  }
  // the reader answers for all but PNGs with a tRNS chunk: nearly every fixture image
  assert.ok(answered >= files.length - 5, `${answered} of ${files.length} answered`);
});

test('generated images of every colour layout: answered as sharp reads them, or left to sharp', async () => {
  const rgb = { width: 37, height: 23, channels: 3 as const, background: { r: 200, g: 10, b: 40 } };
  const rgba = { width: 19, height: 41, channels: 4 as const, background: { r: 1, g: 2, b: 3, alpha: 0.5 } };
  const cases: [string, Buffer, 'answered' | 'left'][] = [
    ['baseline JPEG', await sharp({ create: rgb }).jpeg().toBuffer(), 'answered'],
    ['progressive JPEG', await sharp({ create: rgb }).jpeg({ progressive: true }).toBuffer(), 'answered'],
    [
      'JPEG with EXIF orientation 6 (size as stored)',
      await sharp({ create: rgb }).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      'answered',
    ],
    ['grey JPEG', await sharp({ create: rgb }).greyscale().jpeg().toBuffer(), 'answered'],
    ['RGB PNG', await sharp({ create: rgb }).png().toBuffer(), 'answered'],
    ['RGBA PNG', await sharp({ create: rgba }).png().toBuffer(), 'answered'],
    ['grey PNG', await sharp({ create: rgb }).greyscale().png().toBuffer(), 'answered'],
    ['grey + alpha PNG', await sharp({ create: rgba }).greyscale().png().toBuffer(), 'answered'],
    ['16-bit RGBA PNG', await sharp({ create: rgba }).png().toColourspace('rgb16').toBuffer(), 'answered'],
    ['palette PNG with transparency (tRNS)', await sharp({ create: rgba }).png({ palette: true }).toBuffer(), 'left'],
    ['WebP', await sharp({ create: rgba }).webp().toBuffer(), 'left'],
    ['GIF', await sharp({ create: rgb }).gif().toBuffer(), 'left'],
  ];
  for (const [what, bytes, expected] of cases) {
    const h = imageHeader(new Uint8Array(bytes));
    if (expected === 'left') {
      assert.equal(h, null, what);
      continue;
    }
    assert.deepEqual(h, await sharpSays(new Uint8Array(bytes)), what);
  }
});

test('truncated or foreign bytes are left to sharp (null), never a made-up size', async () => {
  const jpeg = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } })
      .jpeg()
      .toBuffer(),
  );
  const png = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } })
      .png()
      .toBuffer(),
  );
  for (const cut of [3, 10, 20]) assert.equal(imageHeader(jpeg.subarray(0, cut)), null, `JPEG cut at ${cut}`);
  for (const cut of [8, 20, 33]) assert.equal(imageHeader(png.subarray(0, cut)), null, `PNG cut at ${cut}`);
  assert.equal(imageHeader(new Uint8Array(0)), null);
  assert.equal(imageHeader(new TextEncoder().encode('not an image at all')), null);
  // a JPEG whose first segment is not a marker
  const broken = Uint8Array.from(jpeg);
  broken[2 + 2 + be16(jpeg, 4)] = 0x00;
  assert.equal(imageHeader(broken), null);
});

function be16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
