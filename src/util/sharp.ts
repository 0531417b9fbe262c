/**
 * sharp (libvips), imported on first use: the builtin backends and the protocols decode images only when a
 * task is computed, and loading libvips was a sizeable part of a resumed run that decodes nothing.
 */
import type SharpModule from 'sharp';

let loaded: Promise<typeof SharpModule> | null = null;

export function loadSharp(): Promise<typeof SharpModule> {
  loaded ??= import('sharp').then((m) => m.default);
  return loaded;
}
