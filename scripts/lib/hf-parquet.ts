/**
 * Write parquet files shaped like the ones the `datasets` library uploads to the Hub (strings as UTF8,
 * lists as 3-level LIST groups, images as {bytes, path} structs, int64 ids), for the mini suite and tests.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from '../../src/util/json.js';

export type ColumnType = 'string' | 'int64' | 'double' | 'string[]' | 'image' | { struct: Record<string, 'string' | 'double'>; list: true };

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

type SchemaElement = Record<string, unknown>;

function leaf(name: string, t: 'string' | 'int64' | 'double' | 'bytes'): SchemaElement {
  if (t === 'string') return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
  if (t === 'int64') return { name, type: 'INT64', repetition_type: 'OPTIONAL' };
  if (t === 'double') return { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
  return { name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' };
}

function schemaFor(col: ColumnSpec): SchemaElement[] {
  const t = col.type;
  if (t === 'string' || t === 'int64' || t === 'double') return [leaf(col.name, t)];
  if (t === 'string[]') {
    return [
      { name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      leaf('element', 'string'),
    ];
  }
  if (t === 'image') {
    return [{ name: col.name, repetition_type: 'OPTIONAL', num_children: 2 }, leaf('bytes', 'bytes'), leaf('path', 'string')];
  }
  const fields = Object.entries(t.struct);
  return [
    { name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', num_children: fields.length },
    ...fields.map(([n, ft]) => leaf(n, ft)),
  ];
}

export function hfParquetBuffer(columns: ColumnSpec[], rows: Record<string, unknown>[], rowGroupSize = 1000): ArrayBuffer {
  const schema = [{ name: 'schema', num_children: columns.length }, ...columns.flatMap(schemaFor)];
  const columnData = columns.map((c) => ({
    name: c.name,
    data: rows.map((r) => {
      const v = r[c.name];
      return c.type === 'int64' && typeof v === 'number' ? BigInt(v) : v;
    }),
  }));
  return parquetWriteBuffer({ columnData, schema: schema as never, rowGroupSize, statistics: false } as never);
}

export function writeHfParquet(file: string, columns: ColumnSpec[], rows: Record<string, unknown>[], rowGroupSize?: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, new Uint8Array(hfParquetBuffer(columns, rows, rowGroupSize)));
}
