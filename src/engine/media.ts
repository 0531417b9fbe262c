import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { LoadedMedia } from '../backends/types.js';
import type { DataRoot } from '../datasets/readers/data-root.js';
import type { EvalSet, MediaRef } from '../datasets/types.js';

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

  async load(media: MediaRef[]): Promise<LoadedMedia[]> {
    return Promise.all(
      media.map(async (m): Promise<LoadedMedia> =>
        m.kind === 'image'
          ? { kind: 'image', path: m.path, data: await this.bytes(m.path) }
          : { kind: 'frames', paths: m.paths, data: await Promise.all(m.paths.map((p) => this.bytes(p))) },
      ),
    );
  }
}
