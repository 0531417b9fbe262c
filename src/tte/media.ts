import { readFile } from 'node:fs/promises';
import { DataError, TteError } from '../errors.js';
import type { LoadedMedia, ModelMedia } from '../backends/types.js';
import { audioRefused } from '../backends/protocols/apply.js';
import type { DataRoot } from '../items/data-root.js';
import type { AudioRef, EvalSet, MediaRef } from '../items/types.js';
import { type AudioLimits, type AudioPrepOptions, audioLimits, type PreparedAudio, prepareAudio } from '../media/audio-prepare.js';

/** Audio clips decoded at once per loader: each holds its encoded file and its decoded samples until prepared. */
const AUDIO_AT_ONCE = 2;

/**
 * One audio clip as the model receives it (VLM2Vec's collator: src/media/audio-prepare.ts), or null when it is
 * shorter than the minimum (the collator then encodes the item without it). Bytes held in the data (`inline`,
 * keyed by the ref's path: a parquet cell) are read whole, as the collator reads bytes; a file under the data root
 * is cut to the ref's segment. Errors name the clip; an empty segment or a clip with no samples is refused (the
 * collator would silently encode the item without audio).
 */
export async function loadAudio(
  ref: AudioRef,
  root: DataRoot,
  inline: ReadonlyMap<string, Uint8Array>,
  limits: AudioLimits = audioLimits(),
): Promise<PreparedAudio | null> {
  const held = inline.get(ref.path);
  let bytes: Uint8Array;
  let fromData = false;
  if (held && !root.exists(ref.path)) {
    bytes = held;
    fromData = true;
  } else {
    try {
      bytes = new Uint8Array(await readFile(root.abs(ref.path)));
    } catch (err) {
      if (!held) throw new DataError(`cannot read audio: ${(err as Error).message}`, { file: ref.path });
      bytes = held;
      fromData = true;
    }
  }
  if (bytes.length === 0) throw new DataError('audio file is empty (0 bytes)', { file: ref.path });
  if (!fromData && ref.start !== null && ref.end !== null && ref.end <= ref.start) {
    throw new DataError(`audio segment [${ref.start}, ${ref.end}) s is empty (end is not after start)`, { file: ref.path });
  }
  const prepared = prepareAudio({ bytes, name: ref.path, segment: fromData ? null : { start: ref.start, end: ref.end } }, limits);
  if (prepared && prepared.samples.length === 0) throw new DataError('audio clip has no samples', { file: ref.path });
  if (!prepared) return null;
  // a crop is a view of the whole resampled clip: keep only the samples, not the buffer behind them
  const s = prepared.samples;
  return s.byteLength === s.buffer.byteLength ? prepared : { samples: s.slice(), sampleRate: prepared.sampleRate };
}

/**
 * Loads the bytes behind MediaRefs: from the data root, or from the data itself (visdoc pages, parquet-held audio).
 * Audio is prepared here, once, so that backends, `render` and cache keys all see the samples the model gets.
 */
export class MediaLoader {
  private readonly audioLimits: AudioLimits;
  private audioActive = 0;
  private readonly audioQueue: (() => void)[] = [];

  constructor(
    private readonly root: DataRoot,
    private readonly evalSet: EvalSet,
    audio: AudioPrepOptions = {},
  ) {
    this.audioLimits = audioLimits(audio);
  }

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

  /** A clip prepared, at most AUDIO_AT_ONCE at a time (clips are prepared lazily, per batch, never all at once). */
  private async audio(ref: AudioRef, item: string | undefined): Promise<PreparedAudio | null> {
    if (this.audioActive >= AUDIO_AT_ONCE) await new Promise<void>((resolve) => this.audioQueue.push(resolve));
    this.audioActive++;
    try {
      return await loadAudio(ref, this.root, this.evalSet.inlineMedia, this.audioLimits);
    } catch (err) {
      if (!(err instanceof TteError)) throw err;
      const who = item === undefined ? '' : `item ${item}: `;
      throw new DataError(`${who}${err.detail}`, { ...err.location, task: this.evalSet.task.name, file: err.location.file ?? ref.path });
    } finally {
      this.audioActive--;
      this.audioQueue.shift()?.();
    }
  }

  /**
   * The media of one item for an embedder, in item order, audio clips prepared. A clip shorter than the collator's
   * minimum is left out (the item is encoded without it, as VLM2Vec's collator does); `item` names the item in
   * errors.
   */
  async loadAll(media: MediaRef[], item?: string): Promise<ModelMedia[]> {
    const loaded = await Promise.all(
      media.map(async (m): Promise<ModelMedia | null> => {
        if (m.kind === 'audio') {
          const a = await this.audio(m, item);
          return a && { kind: 'audio', path: m.path, samples: a.samples, sampleRate: a.sampleRate };
        }
        return m.kind === 'image'
          ? { kind: 'image', path: m.path, data: await this.image(m.path) }
          : { kind: 'frames', paths: m.paths, data: await Promise.all(m.paths.map((p) => this.image(p))) };
      }),
    );
    return loaded.filter((m): m is ModelMedia => m !== null);
  }

  /** Images and videos only, for consumers that take no audio (reasoners, rerankers): a clip is refused, named. */
  async load(media: MediaRef[], item?: string): Promise<LoadedMedia[]> {
    const clip = media.find((m) => m.kind === 'audio');
    if (clip) throw audioRefused(clip.path, 'of this stage');
    return visualOnly(await this.loadAll(media, item), 'of this stage');
  }
}

/** The visual media of a loaded item, for a stage that takes no audio (a reasoner): a clip is refused, named. */
export function visualOnly(media: ModelMedia[], stage: string): LoadedMedia[] {
  const clip = media.find((m) => m.kind === 'audio');
  if (clip) throw audioRefused(clip.path, stage);
  return media as LoadedMedia[];
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
