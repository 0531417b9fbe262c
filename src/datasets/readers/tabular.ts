/**
 * Reading a split's data files whatever their format — parquet, JSON Lines, JSON (an array of rows, or
 * {"data": [...]}) and CSV (header row) — into rows that remember their file and index.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { DataError } from '../../errors.js';
import { ioCounts } from '../../util/io-counts.js';
import { readParquetRows, type Row, type SourcedRow } from './parquet.js';
import { readJsonFile, readJsonLines } from '../../util/json.js';

function textRows(file: string): Row[] {
  if (file.endsWith('.jsonl')) {
    return readJsonLines(file).map(({ value, line }) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DataError('row is not a JSON object', { file, line });
      return value as Row;
    });
  }
  if (file.endsWith('.json')) {
    const v = readJsonFile(file);
    const rows = Array.isArray(v) ? v : (v as { data?: unknown })?.data;
    if (!Array.isArray(rows)) throw new DataError('expected a JSON array of rows (or {"data": [...]})', { file });
    return rows as Row[];
  }
  const text = readFileSync(file, 'utf8');
  try {
    return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false }) as Row[];
  } catch (err) {
    throw new DataError(`invalid CSV: ${(err as Error).message}`, { file });
  }
}

export async function readRows(files: string[]): Promise<SourcedRow[]> {
  const out: SourcedRow[] = [];
  for (const file of files) {
    ioCounts.dataFilesRead++;
    if (file.endsWith('.parquet')) out.push(...(await readParquetRows([file])));
    else textRows(file).forEach((row, index) => out.push({ row, file, index }));
  }
  return out;
}
