/**
 * Parity of the local transformers.js backends with Hugging Face transformers (reference outputs computed
 * in Python on the same tiny random-weight models; test/fixtures/tiny-models/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { CausalLm, DecoderEmbedder, DualEncoderEmbedder, decodeImage, encodeBatch } from '../src/backends/transformers.js';
import { FIXTURES } from './helpers.js';

const TINY = join(FIXTURES, 'tiny-models');
const ref = (name: string) => JSON.parse(readFileSync(join(TINY, `${name}.reference.json`), 'utf8'));
const img = (name: string) => ({ data: new Uint8Array(readFileSync(join(TINY, 'images', name))), path: name });

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

test('CLIP: token ids, text and exact-size image embeddings within 1e-5; long texts keep <|endoftext|>', async () => {
  const r = ref('tiny-clip');
  const m = await DualEncoderEmbedder.load({ model: join(TINY, 'tiny-clip'), architecture: 'clip' });
  const tok = await AutoTokenizer.from_pretrained(join(TINY, 'tiny-clip'), { local_files_only: true });
  assert.deepEqual(encodeBatch(tok, r.texts, 77, 'longest').inputIds, r.input_ids);
  const te = await m.embedTexts(r.texts);
  te.forEach((v, i) => assert.ok(maxDiff(v, r.text_embeds[i]) < 1e-5, `text ${i}`));
  const normalised = await m.embed(r.texts.map((t: string) => ({ text: t, media: [], role: 'query' as const })));
  normalised.forEach((v, i) => assert.ok(maxDiff(v, r.text_embeds_normalized[i]) < 1e-5));
  const long = ref('long-text')['tiny-clip'];
  assert.deepEqual(encodeBatch(tok, long.texts, 77, 'longest').inputIds, long.input_ids);
  (await m.embedTexts(long.texts)).forEach((v, i) => assert.ok(maxDiff(v, long.text_embeds[i]) < 1e-5, `long text ${i}`));
  const ie = await m.embedImages(r.images.map(img));
  r.images.forEach((name: string, i: number) => {
    const d = maxDiff(ie[i], r.image_embeds[i]);
    if (name === 'greenyellow48x40.png') {
      // sharp and PIL resample differently: the one image that needs resizing differs, but boundedly
      // (measured 3.0e-2; see README, "Reproduction caveats").
      assert.ok(d > 1e-4 && d < 5e-2, `resized image diff ${d}`);
    } else assert.ok(d < 1e-5, `${name}: ${d}`);
  });
  await m.close();
});

test('SigLIP: max_length padding, pooled text/image embeddings within 1e-5; long texts keep </s>', async () => {
  const r = ref('tiny-siglip');
  const m = await DualEncoderEmbedder.load({ model: join(TINY, 'tiny-siglip'), architecture: 'siglip' });
  (await m.embedTexts(r.texts)).forEach((v, i) => assert.ok(maxDiff(v, r.text_embeds[i]) < 1e-5, `text ${i}`));
  const long = ref('long-text')['tiny-siglip'];
  (await m.embedTexts(long.texts)).forEach((v, i) => assert.ok(maxDiff(v, long.text_embeds[i]) < 1e-5, `long text ${i}`));
  (await m.embedImages(r.images.map(img))).forEach((v, i) => assert.ok(maxDiff(v, r.image_embeds[i]) < 1e-5, `image ${i}`));
  await m.close();
});

test('decoder embedder: last non-padding token of right-padded batches within 1e-5', async () => {
  const r = ref('tiny-qwen2-embedder');
  const m = await DecoderEmbedder.load({ model: join(TINY, 'tiny-qwen2-embedder') });
  const batched = await m.embedRaw(r.texts, false);
  batched.forEach((v, i) => assert.ok(maxDiff(v, r.last_token_pooled[i]) < 1e-5, `batched ${i}`));
  for (const [i, t] of r.texts.entries()) assert.ok(maxDiff((await m.embedRaw([t], false))[0], r.last_token_pooled_unpadded[i]) < 1e-5);
  (await m.embed(r.texts.map((t: string) => ({ text: t, media: [], role: 'query' as const })))).forEach((v, i) =>
    assert.ok(maxDiff(v, r.last_token_pooled_normalized[i]) < 1e-5),
  );
  await m.close();
});

test('causal LM: greedy generation token for token, and the unified last-token state within 1e-5', async () => {
  const r = ref('tiny-qwen2-lm');
  const lm = await CausalLm.load({ model: join(TINY, 'tiny-qwen2-lm') });
  for (const [i, prompt] of r.prompts.entries()) {
    const { promptIds, newIds } = await lm.generateIds(prompt, r.max_new_tokens);
    assert.deepEqual(promptIds, r.prompt_ids[i]);
    assert.deepEqual(newIds, r.greedy_new_ids[i]);
    const hidden = await lm.lastHidden([...promptIds, ...newIds]);
    assert.ok(maxDiff(hidden, r.pooled_after_generation[i]) < 1e-5, `pooled ${i}`);
  }
  await lm.close();
});

test('images decode as PIL opens them: EXIF orientation is not applied, undecodable bytes name the file', async () => {
  const sharp = (await import('sharp')).default;
  // a 40×24 JPEG whose EXIF says "rotate 90°": PIL's Image.open (what the Hugging Face processors see)
  // keeps the stored 40×24 pixels; an auto-orienting decoder would return 24×40
  const jpeg = await sharp({ create: { width: 40, height: 24, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  assert.equal((await sharp(jpeg).metadata()).orientation, 6);
  const im = await decodeImage(new Uint8Array(jpeg), 'rotated.jpg');
  assert.deepEqual([im.width, im.height, im.channels], [40, 24, 3]);
  const grey = await decodeImage(
    new Uint8Array(
      await sharp({ create: { width: 5, height: 3, channels: 3, background: '#808080' } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    ),
    'grey.png',
  );
  // a one-channel PNG comes out as three equal channels, as PIL's convert('RGB') makes it
  assert.deepEqual([grey.width, grey.height, grey.channels], [5, 3, 3]);
  assert.deepEqual([...grey.data.slice(0, 6)], [128, 128, 128, 128, 128, 128]);
  await assert.rejects(decodeImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'pages/p1.png'), /cannot decode image pages\/p1\.png/);
});
