/**
 * Typed errors. Each carries where it came from (file, row, field, task) so that a message
 * points at the exact spot a user has to fix, and the CLI can choose an exit code by type.
 */
export interface ErrorLocation {
  task?: string;
  file?: string;
  /** 0-based row index for tabular data, 1-based line number for text files (see `line`). */
  row?: number;
  line?: number;
  field?: string;
}

export function describe(message: string, loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.task) parts.push(`task ${loc.task}`);
  if (loc.file) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.field) parts.push(`field '${loc.field}'`);
  return parts.length ? `${parts.join(', ')}: ${message}` : message;
}

export class TteError extends Error {
  readonly location: ErrorLocation;
  /** The message without its location prefix (for lists that print the location themselves). */
  readonly detail: string;
  constructor(message: string, location: ErrorLocation = {}) {
    super(describe(message, location));
    this.detail = message;
    this.name = new.target.name;
    this.location = location;
  }
}

/** Bad or missing input data: parquet rows, media files, prediction files, score files. */
export class DataError extends TteError {}
/** Bad configuration: task catalog, backend config, command-line combinations. */
export class ConfigError extends TteError {}
/** A model backend failed (HTTP error, bad response, inference failure). */
export class BackendError extends TteError {}
/** A result, report or cache file could not be written (disk full, read-only folder): nothing earlier is lost. */
export class OutputError extends TteError {}
