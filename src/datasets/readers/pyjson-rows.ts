/**
 * JSON Lines / JSON rows read the way the MMEB-V3 parsers read them (`json.loads` per stripped, non-blank
 * line; `json.load` of a list), into the Python value model of util/pyjson.ts, so that ints and floats,
 * big integers, NaN and key order survive for re-serialisation.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../../errors.js';
import { type PyJson, PyJsonError, pyJsonLoads } from '../../util/pyjson.js';
import type { AdapterContext } from '../context.js';
import { ioCounts } from './io-counts.js';
import { pyStrip } from './pytext.js';

export interface PyRow {
  value: PyJson;
  file: string;
  /** The row's position among the file's rows (blank lines not counted), as readRows numbers JSON Lines rows. */
  index: number;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read: ${(err as Error).message}`, { file });
  }
}

/** `for line in f: line = line.strip(); if not line: continue; json.loads(line)` (universal newlines). */
export function readPyJsonLines(file: string): PyRow[] {
  const rows: PyRow[] = [];
  readText(file)
    .split(/\r\n|\r|\n/)
    .forEach((raw, k) => {
      const line = pyStrip(raw);
      if (!line) return;
      try {
        rows.push({ value: pyJsonLoads(line), file, index: rows.length });
      } catch (err) {
        if (err instanceof PyJsonError) throw new DataError(`invalid JSON: ${err.message}`, { file, line: k + 1 });
        throw err;
      }
    });
  return rows;
}

/** `json.load(f)` of a file holding a list of rows. */
export function readPyJsonList(file: string): PyRow[] {
  let v: PyJson;
  try {
    v = pyJsonLoads(readText(file));
  } catch (err) {
    if (err instanceof PyJsonError) throw new DataError(`invalid JSON: ${err.message}`, { file });
    throw err;
  }
  if (!Array.isArray(v)) throw new DataError('expected a JSON list of rows', { file });
  return v.map((value, index) => ({ value, file, index }));
}

/** A root-relative JSON Lines (or, with `list`, JSON list) file, recorded for the manifest; `skipRows` applies. */
export function readPyRows(ctx: AdapterContext, relPath: string, { list = false } = {}): PyRow[] {
  const file = ctx.root.abs(ctx.root.rel([relPath], { task: ctx.task.name }));
  ctx.dataFiles.push(file);
  ioCounts.dataFilesRead++;
  const rows = list ? readPyJsonList(file) : readPyJsonLines(file);
  return rows.filter((r) => !ctx.skipRows.has(`${r.file}#${r.index}`));
}

/** A row as a dict (a non-object row is an error naming it: VLM2Vec calls `.get` on it). */
export function pyRowDict(r: PyRow, task: string): Map<string, PyJson> {
  if (r.value instanceof Map) return r.value;
  throw new DataError('row is not a JSON object', { task, file: r.file, row: r.index });
}
