/**
 * `embed`: a JSONL file of inputs — {"text": ...} and/or {"image": path relative to the file} — embedded with
 * a backend's embedder in batches, one L2-normalised vector per input, in input order.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { BackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import type { EmbedInput } from '../backends/types.js';
import { DataError } from '../errors.js';
import { readJsonLines } from '../util/json.js';

/** Parse embed input lines (every image read); a bad line is a DataError naming file, line and field. */
export async function readEmbedInputs(file: string): Promise<EmbedInput[]> {
  const out: EmbedInput[] = [];
  for (const { value, line } of readJsonLines(file)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DataError('expected a JSON object', { file, line });
    const o = value as { text?: unknown; image?: unknown };
    if (o.text !== undefined && typeof o.text !== 'string') throw new DataError('must be a string', { file, line, field: 'text' });
    if (o.image !== undefined && typeof o.image !== 'string') throw new DataError('must be a path string', { file, line, field: 'image' });
    if (o.text === undefined && o.image === undefined) throw new DataError('needs "text" or "image"', { file, line });
    const media = [];
    if (typeof o.image === 'string') {
      const p = resolve(dirname(file), o.image);
      try {
        media.push({ kind: 'image' as const, path: o.image, data: new Uint8Array(await readFile(p)) });
      } catch (err) {
        throw new DataError(`cannot read image: ${(err as Error).message}`, { file, line, field: 'image' });
      }
    }
    out.push({ text: (o.text as string | undefined) ?? '', media, role: 'query' });
  }
  return out;
}

/** Embed inputs `batchSize` at a time with the backend a config builds (closed again afterwards). */
export async function embedInputs(config: BackendConfig, inputs: EmbedInput[], opts: { batchSize: number }): Promise<Float32Array[]> {
  const backend = await createBackend(config);
  try {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += opts.batchSize)
      vectors.push(...(await backend.embedder.embed(inputs.slice(i, i + opts.batchSize))));
    return vectors;
  } finally {
    await backend.close();
  }
}

/** readEmbedInputs, then embedInputs: a bad file fails before any model loads. */
export async function embedFile(config: BackendConfig, file: string, opts: { batchSize: number }): Promise<Float32Array[]> {
  return embedInputs(config, await readEmbedInputs(file), opts);
}
