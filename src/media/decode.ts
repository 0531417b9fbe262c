/**
 * Decoding an image to the RGB pixels Pillow's `Image.open(f).convert("RGB")` gives, the input every reference
 * processor starts from.
 *
 * sharp (libvips, its bundled mozjpeg / libpng) decodes JPEG and PNG to the same bytes as Pillow once three of its
 * defaults are set as Pillow behaves: the embedded ICC profile is ignored (sharp would transform to sRGB; Pillow
 * keeps the stored values), the EXIF orientation is not applied (neither rotates unless asked), and alpha is
 * dropped, keeping the colour stored under transparent pixels (convert("RGB") does not composite). Baseline and
 * progressive JPEG with 4:2:0 / 4:2:2 / 4:4:4 chroma use the same integer IDCT and "fancy" chroma upsampling in
 * both. Two layouts differ and are handled here: a 16-bit greyscale PNG (Pillow opens it as I;16 and its
 * I;16 → RGB conversion clips every value above 255 to 255, where libvips would shift right by 8), and CMYK
 * JPEG, which Pillow converts with its own naive formula where libvips applies a CMYK profile: refused.
 */
import { BackendError } from '../errors.js';
import { loadSharp } from '../util/sharp.js';

export interface RgbImage {
  /** interleaved RGB, rows top to bottom */
  data: Uint8Array;
  width: number;
  height: number;
}

/** The RGB pixels Pillow's `Image.open(f).convert("RGB")` gives for a JPEG or PNG (see the module note). */
export async function decodeRgb(bytes: Uint8Array, path: string): Promise<RgbImage> {
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  if (meta.space === 'cmyk') {
    throw new BackendError(
      `image ${path} is CMYK: Pillow's CMYK → RGB conversion (no colour profile) is not reproduced; convert it to RGB first`,
    );
  }
  const input = sharp(bytes, { ignoreIcc: true, autoOrient: false, limitInputPixels: false });
  try {
    if (meta.space === 'grey16' && (meta.channels ?? 1) === 1) {
      // Pillow: mode I;16, then I16_RGB (Convert.c): a value above 255 becomes 255
      const { data, info } = await input.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const grey = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      const out = new Uint8Array(info.width * info.height * 3);
      for (let i = 0, o = 0; i < grey.length; i += info.channels, o += 3) {
        const v = Math.min(grey[i], 255);
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
      return { data: out, width: info.width, height: info.height };
    }
    const { data, info } = await input.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    // toColourspace('srgb') gives 8-bit samples: a 16-bit PNG keeps its high byte, as Pillow's RGB;16B unpacker does
    const n = info.width * info.height;
    const out = new Uint8Array(n * 3);
    const c = info.channels;
    for (let p = 0, i = 0, o = 0; p < n; p++, i += c, o += 3) {
      out[o] = data[i];
      out[o + 1] = data[i + (c < 3 ? 0 : 1)];
      out[o + 2] = data[i + (c < 3 ? 0 : 2)];
    }
    return { data: out, width: info.width, height: info.height };
  } catch (err) {
    throw new BackendError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
}
