/** Typed access to parquet row fields; every failure names task, file, row and field. */
import { DataError } from '../errors.js';
import type { SourcedRow } from './readers/parquet.js';

export class RowReader {
  constructor(
    readonly task: string,
    readonly src: SourcedRow,
  ) {}

  private fail(field: string, message: string): never {
    throw new DataError(message, { task: this.task, file: this.src.file, row: this.src.index, field });
  }

  has(field: string): boolean {
    return field in this.src.row;
  }

  str(field: string): string {
    const v = this.src.row[field];
    if (v === undefined) this.fail(field, 'missing column');
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${v === null ? 'null' : typeof v}`);
    return v;
  }

  /**
   * The `text` argument of VLM2Vec's process_input_text: a string, or null, which `if text:` treats like ""
   * (a missing column is still an error: VLM2Vec reads the column by name).
   */
  text(field: string): string {
    return this.src.row[field] === null ? '' : this.str(field);
  }

  /** A string or an integer id, as a string (ViDoRe's int64 ids). */
  id(field: string): string {
    const v = this.src.row[field];
    if (v === undefined) this.fail(field, 'missing column');
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return String(v);
    return this.fail(field, `expected a string or integer id, got ${JSON.stringify(v)}`);
  }

  int(field: string): number {
    const v = this.src.row[field];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
    return this.fail(field, v === undefined ? 'missing column' : `expected an integer, got ${JSON.stringify(v)}`);
  }

  num(field: string): number {
    const v = this.src.row[field];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    return this.fail(field, v === undefined ? 'missing column' : `expected a number, got ${JSON.stringify(v)}`);
  }

  strList(field: string, { nonEmpty = false } = {}): string[] {
    const v = this.src.row[field];
    if (v === undefined) this.fail(field, 'missing column');
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(field, 'expected a list of strings');
    if (nonEmpty && v.length === 0) this.fail(field, 'empty list');
    return v as string[];
  }

  objList(field: string): Record<string, unknown>[] {
    const v = this.src.row[field];
    if (v === undefined) this.fail(field, 'missing column');
    if (!Array.isArray(v) || !v.every((x) => x && typeof x === 'object')) this.fail(field, 'expected a list of objects');
    return v as Record<string, unknown>[];
  }

  bytes(field: string): Uint8Array | null {
    const v = this.src.row[field];
    if (v instanceof Uint8Array) return v;
    if (v && typeof v === 'object' && (v as { bytes?: unknown }).bytes instanceof Uint8Array) return (v as { bytes: Uint8Array }).bytes;
    return null;
  }

  error(field: string, message: string): DataError {
    return new DataError(message, { task: this.task, file: this.src.file, row: this.src.index, field });
  }
}
