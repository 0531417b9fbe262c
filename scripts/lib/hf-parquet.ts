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

/** The columns of MMEB-V2's image tasks (ziyjiang/MMEB_Test_Instruct), as its Hub files have them. */
export const MMEB_IMAGE_COLUMNS: ColumnSpec[] = [
  { name: 'qry_inst', type: 'string' },
  { name: 'qry_text', type: 'string' },
  { name: 'qry_img_path', type: 'string' },
  { name: 'tgt_inst', type: 'string' },
  { name: 'tgt_text', type: 'string[]' },
  { name: 'tgt_img_path', type: 'string[]' },
];

/** The columns of NExTQA's MC split (TIGER-Lab VLM2Vec/NExTQA), as its Hub file has them. */
export const NEXTQA_COLUMNS: ColumnSpec[] = [
  { name: 'video', type: 'int64' },
  { name: 'question', type: 'string' },
  { name: 'answer', type: 'int64' },
  { name: 'qid', type: 'int64' },
  { name: 'type', type: 'string' },
  { name: 'a0', type: 'string' },
  { name: 'a1', type: 'string' },
  { name: 'a2', type: 'string' },
  { name: 'a3', type: 'string' },
  { name: 'a4', type: 'string' },
];

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
