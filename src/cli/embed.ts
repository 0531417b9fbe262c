import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { DataError } from '../errors.js';
import { loadBackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import type { EmbedInput } from '../backends/types.js';
import { emit, intIn } from './io.js';
import { readJsonLines } from '../util/json.js';

interface Args {
  backend?: string;
  input: string;
  out?: string;
  'batch-size': number;
}

/** Parse embed input lines: {"text": ...} and/or {"image": path relative to the input file}. */
async function readInputs(file: string): Promise<EmbedInput[]> {
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

export const embedCommand: CommandModule<object, Args> = {
  command: 'embed',
  describe: 'Embed JSONL inputs ({"text"} and/or {"image"}) with a backend; one {"vector"} line per input, L2-normalised',
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'backend config JSON (default: the builtin floor)' })
      .option('input', { type: 'string', demandOption: true })
      .option('out', { type: 'string' })
      .option('batch-size', { type: 'number', default: 16, coerce: intIn('batch-size', 1, 4096) }) as never,
  handler: async (args) => {
    const inputs = await readInputs(args.input);
    const backend = await createBackend(loadBackendConfig(args.backend));
    const lines: string[] = [];
    for (let i = 0; i < inputs.length; i += args['batch-size']) {
      for (const v of await backend.embedder.embed(inputs.slice(i, i + args['batch-size'])))
        lines.push(JSON.stringify({ vector: Array.from(v) }));
    }
    await backend.close();
    emit(lines.map((l) => l + '\n').join(''), args.out);
  },
};
