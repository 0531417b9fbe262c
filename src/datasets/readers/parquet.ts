import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataError } from '../../errors.js';

export type Row = Record<string, unknown>;

/** A row with where it came from, so every later error can name file and row. */
export interface SourcedRow {
  row: Row;
  file: string;
  /** 0-based row index within its file. */
  index: number;
}

/** int64 columns arrive as BigInt; ids and counts in MMEB-V2 fit in a double, otherwise keep the digits. */
function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, normalise(x)]));
}

/** Read every row group of every file, in order. Binary columns (image bytes) stay Uint8Array. */
export async function readParquetRows(files: string[], columns?: string[]): Promise<SourcedRow[]> {
  const out: SourcedRow[] = [];
  for (const file of files) {
    let rows: Row[];
    try {
      const buf = await asyncBufferFromFile(file);
      rows = (await parquetReadObjects({ file: buf, compressors, utf8: false, columns })) as Row[];
    } catch (err) {
      throw new DataError(`cannot read parquet: ${(err as Error).message}`, { file });
    }
    rows.forEach((row, index) => out.push({ row: normalise(row) as Row, file, index }));
  }
  return out;
}
