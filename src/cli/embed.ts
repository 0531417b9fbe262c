import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { DataError } from '../errors.js';
import { loadBackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import type { EmbedInput } from '../backends/types.js';
import { emit } from './io.js';

interface Args {
  backend?: string;
  input: string;
  out?: string;
  'batch-size': number;
}

/** Parse embed input lines: {"text": ...} and/or {"image": path relative to the input file}. */
async function readInputs(file: string): Promise<EmbedInput[]> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: EmbedInput[] = [];
  for (const [i, raw] of lines.entries()) {
    if (!raw.trim()) continue;
    let o: { text?: unknown; image?: unknown };
    try {
      o = JSON.parse(raw);
    } catch (err) {
      throw new DataError(`invalid JSON: ${(err as Error).message}`, { file, line: i + 1 });
    }
    if (o.text !== undefined && typeof o.text !== 'string') throw new DataError('must be a string', { file, line: i + 1, field: 'text' });
    if (o.image !== undefined && typeof o.image !== 'string') throw new DataError('must be a path string', { file, line: i + 1, field: 'image' });
    if (o.text === undefined && o.image === undefined) throw new DataError('needs "text" or "image"', { file, line: i + 1 });
    const media = [];
    if (typeof o.image === 'string') {
      const p = resolve(dirname(file), o.image);
      try {
        media.push({ kind: 'image' as const, path: o.image, data: new Uint8Array(await readFile(p)) });
      } catch (err) {
        throw new DataError(`cannot read image: ${(err as Error).message}`, { file, line: i + 1, field: 'image' });
      }
    }
    out.push({ text: (o.text as string | undefined) ?? '', media, role: 'query' });
  }
  return out;
}

export const embedCommand: CommandModule<object, Args> = {
  command: 'embed',
  describe: 'Embed JSONL inputs ({"text"} and/or {"image"}) with a backend; one {"vector"} line per input, L2-normalised',
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'backend config JSON (default: the builtin floor)' })
      .option('input', { type: 'string', demandOption: true })
      .option('out', { type: 'string' })
      .option('batch-size', { type: 'number', default: 16 }) as never,
  handler: async (args) => {
    const inputs = await readInputs(args.input);
    const backend = await createBackend(loadBackendConfig(args.backend));
    const lines: string[] = [];
    for (let i = 0; i < inputs.length; i += args['batch-size']) {
      for (const v of await backend.embedder.embed(inputs.slice(i, i + args['batch-size']))) lines.push(JSON.stringify({ vector: Array.from(v) }));
    }
    await backend.close();
    emit(lines.map((l) => l + '\n').join(''), args.out);
  },
};
