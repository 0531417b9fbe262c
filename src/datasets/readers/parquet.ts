import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
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

/**
 * int64 columns arrive as BigInt; ids and counts in MMEB-V2 fit in a double, otherwise keep the digits.
 * Binary values (image bytes) are copied out: hyparquet hands back views into the decompressed page
 * buffers, and one kept view would keep its whole row group's buffers alive for the rest of the task.
 */
function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array) return v.byteLength === v.buffer.byteLength ? v : v.slice();
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, normalise(x)]));
}

/**
 * Read every row of every file, in order, one row group at a time (so the decoding buffers of only one
 * row group are alive at once — a visdoc corpus is hundreds of MB of page images), only the named
 * `columns` when given. Binary columns (image bytes) stay Uint8Array.
 */
export async function readParquetRows(files: string[], columns?: string[]): Promise<SourcedRow[]> {
  const out: SourcedRow[] = [];
  for (const file of files) {
    try {
      const buf = await asyncBufferFromFile(file);
      const metadata = await parquetMetadataAsync(buf);
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const rows = (await parquetReadObjects({ file: buf, metadata, compressors, utf8: false, columns, rowStart, rowEnd })) as Row[];
        rows.forEach((row, i) => out.push({ row: normalise(row) as Row, file, index: rowStart + i }));
        rowStart = rowEnd;
      }
    } catch (err) {
      throw new DataError(`cannot read parquet: ${(err as Error).message}`, { file });
    }
  }
  return out;
}
