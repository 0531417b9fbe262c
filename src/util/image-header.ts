/**
 * The size of a JPEG or PNG image, and whether it has an alpha channel, read from its header in JavaScript.
 * Protocols look at every image they send (VLM2Vec's small-side and aspect-ratio rules, dropping alpha):
 * asking sharp for the same took ~0.3 ms of CPU per image, about a third of what a whole request costs the
 * harness. The answer is what sharp's metadata() says (test/image-header.test.ts compares them), and null
 * wherever this reader is not sure, so that the caller asks sharp: other formats, a PNG with a tRNS chunk
 * (libvips may give it an alpha channel), a JPEG whose height comes later (DNL), or a truncated header.
 * Sizes are as stored: the EXIF orientation is not applied, as PIL opens images.
 */
export interface ImageHeader {
  width: number;
  height: number;
  hasAlpha: boolean;
}

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const ascii = (b: Uint8Array, o: number, s: string) => [...s].every((c, i) => b[o + i] === c.charCodeAt(0));

export function imageHeader(b: Uint8Array): ImageHeader | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  if (b.length >= 8 && be32(b, 0) === 0x89504e47 && be32(b, 4) === 0x0d0a1a0a) return pngHeader(b);
  return null;
}

/** Start-of-frame markers (baseline, extended, progressive, lossless; Huffman or arithmetic), which carry the size. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(b: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte before a marker
      continue;
    }
    // markers without a length: TEM, RSTn, SOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = be16(b, i + 2);
    if (length < 2) return null;
    if (SOF.has(marker)) {
      if (i + 9 > b.length) return null;
      const height = be16(b, i + 5);
      const width = be16(b, i + 7);
      // a height of 0 is defined later by a DNL marker; JPEG has no alpha channel (CMYK's fourth is ink)
      return height > 0 && width > 0 ? { width, height, hasAlpha: false } : null;
    }
    i += 2 + length;
  }
  return null;
}

function pngHeader(b: Uint8Array): ImageHeader | null {
  // the first chunk is IHDR: width, height, bit depth, colour type
  if (b.length < 8 + 8 + 13 || !ascii(b, 12, 'IHDR')) return null;
  const width = be32(b, 16);
  const height = be32(b, 20);
  const colourType = b[25];
  if (width === 0 || height === 0) return null;
  // grey + alpha (4) and RGBA (6) carry alpha; any other type gains it only from a tRNS chunk, which comes
  // before the first IDAT: when one is there (or the chunks cannot be walked to IDAT), sharp decides
  let o = 8;
  while (o + 8 <= b.length) {
    const length = be32(b, o);
    if (ascii(b, o + 4, 'tRNS')) return null;
    if (ascii(b, o + 4, 'IDAT')) return { width, height, hasAlpha: colourType === 4 || colourType === 6 };
    o += 12 + length;
  }
  return null;
}
