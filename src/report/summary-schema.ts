import { join } from 'node:path';
import { DataError } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import type { RunSummary } from './results.js';
import { validate as validateGenerated } from './summary-validator.generated.js';

/** The published schema of summary.json (schemas/run-summary.schema.json). */
export const SUMMARY_SCHEMA_PATH = join(PACKAGE_ROOT, 'schemas', 'run-summary.schema.json');

/** The schema compiled ahead of time (scripts/gen-schema-validators.ts; a test keeps it in step). */
const validate: { (doc: unknown): boolean; errors?: { instancePath: string; message?: string }[] | null } = validateGenerated;

export function validateSummary(doc: unknown, file = 'summary.json'): RunSummary {
  if (!validate(doc)) {
    throw new DataError(
      `does not match the run-summary schema: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
      { file },
    );
  }
  return doc as RunSummary;
}
