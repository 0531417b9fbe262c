import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { LoadedMedia } from '../backends/types.js';
import type { DataRoot } from '../items/data-root.js';
import type { EvalSet, MediaRef } from '../items/types.js';
import { audioRefused } from '../backends/protocols/apply.js';

/** Loads the bytes behind MediaRefs: from the data root, or from the data itself (visdoc pages). */
export class MediaLoader {
  constructor(
    private readonly root: DataRoot,
    private readonly evalSet: EvalSet,
  ) {}

  private async bytes(path: string): Promise<Uint8Array> {
    const inline = this.evalSet.inlineMedia.get(path);
    if (inline && !this.root.exists(path)) return inline;
    try {
      return new Uint8Array(await readFile(this.root.abs(path)));
    } catch (err) {
      if (inline) return inline;
      throw new DataError(`cannot read media: ${(err as Error).message}`, { task: this.evalSet.task.name, file: path });
    }
  }

  /** The bytes of an image or frame, refused when empty or not in an image format (caught before any model call). */
  private async image(path: string): Promise<Uint8Array> {
    const b = await this.bytes(path);
    const where = { task: this.evalSet.task.name, file: path };
    if (b.length === 0) throw new DataError('image file is empty (0 bytes)', where);
    if (!isImage(b))
      throw new DataError('not an image (no PNG, JPEG, GIF, WebP, BMP or TIFF signature): the file is corrupt or not an image', where);
    return b;
  }

  async load(media: MediaRef[]): Promise<LoadedMedia[]> {
    return Promise.all(
      media.map(async (m): Promise<LoadedMedia> => {
        if (m.kind === 'audio') throw audioRefused(m.path);
        return m.kind === 'image'
          ? { kind: 'image', path: m.path, data: await this.image(m.path) }
          : { kind: 'frames', paths: m.paths, data: await Promise.all(m.paths.map((p) => this.image(p))) };
      }),
    );
  }
}

/** Magic numbers of the image formats a model's processor (PIL, sharp) decodes. */
function isImage(b: Uint8Array): boolean {
  const at = (o: number, ...bytes: number[]) => bytes.every((x, i) => b[o + i] === x);
  return (
    at(0, 0x89, 0x50, 0x4e, 0x47) || // PNG
    at(0, 0xff, 0xd8, 0xff) || // JPEG
    at(0, 0x47, 0x49, 0x46, 0x38) || // GIF8
    (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) || // RIFF....WEBP
    at(0, 0x42, 0x4d) || // BMP
    at(0, 0x49, 0x49, 0x2a, 0x00) || // TIFF little-endian
    at(0, 0x4d, 0x4d, 0x00, 0x2a) // TIFF big-endian
  );
}
