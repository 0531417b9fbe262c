import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { DataError } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import type { RunSummary } from './results.js';

/** The published schema of summary.json (schemas/run-summary.schema.json). */
export const SUMMARY_SCHEMA_PATH = join(PACKAGE_ROOT, 'schemas', 'run-summary.schema.json');

let validate: ReturnType<Ajv['compile']> | null = null;

export function validateSummary(doc: unknown, file = 'summary.json'): RunSummary {
  validate ??= new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(SUMMARY_SCHEMA_PATH, 'utf8')));
  if (!validate(doc)) {
    throw new DataError(`does not match the run-summary schema: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`, { file });
  }
  return doc as RunSummary;
}
