/**
 * JSON-schema validators as standalone code (Ajv's standalone output, with the options the loaders used),
 * so that validating the task catalog, a run summary or a backend config needs neither Ajv nor a schema
 * compile at run time — that was most of `tte-bench tasks`' start-up and a third of a resumed run. A schema
 * is a JSON file, or `file#NAME` for one defined in code (the backend config's). Written next to their users by
 * `node dist/scripts/gen-schema-validators.js`; a test checks that the committed files are what this
 * produces from the schema files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { BACKEND_SCHEMA } from '../../src/backends/config.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

/** Schemas defined in code, by the name SCHEMA_VALIDATORS gives them. */
const IN_CODE: Record<string, unknown> = { 'src/backends/config.ts#BACKEND_SCHEMA': BACKEND_SCHEMA };

/** [schema file, generated module], relative to the package root. */
export const SCHEMA_VALIDATORS: [schema: string, generated: string][] = [
  ['tasks/schema/task.schema.json', 'src/catalog/task-validator.generated.ts'],
  ['schemas/run-summary.schema.json', 'src/report/summary-validator.generated.ts'],
  ['src/backends/config.ts#BACKEND_SCHEMA', 'src/backends/config-validator.generated.ts'],
  ['tasks/schema/profile.schema.json', 'src/catalog/profile-validator.generated.ts'],
];

export function validatorSource(schemaFile: string): string {
  const ajv = new Ajv({ allErrors: true, code: { source: true, esm: true } });
  const validate = ajv.compile((IN_CODE[schemaFile] as object) ?? JSON.parse(readFileSync(join(PACKAGE_ROOT, schemaFile), 'utf8')));
  const code = (standalone as unknown as { default: typeof standalone }).default ?? standalone;
  return [
    '// @ts-nocheck',
    `// GENERATED from ${schemaFile} by scripts/gen-schema-validators.ts — do not edit.`,
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    (code as unknown as (a: Ajv, v: unknown) => string)(ajv, validate).replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}
