/**
 * The task catalog's JSON-schema validator as standalone code (Ajv's standalone output, with the same
 * options the catalog loader used), so that loading the catalog needs neither Ajv nor a schema compile at
 * run time — together they were most of `tte-bench tasks`' start-up. Written to
 * src/catalog/task-validator.generated.ts by `node dist/scripts/gen-task-validator.js`; a test checks that
 * the committed file is what this produces from tasks/schema/task.schema.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

export const GENERATED_VALIDATOR = join(PACKAGE_ROOT, 'src', 'catalog', 'task-validator.generated.ts');

export function taskValidatorSource(): string {
  const ajv = new Ajv({ allErrors: true, code: { source: true, esm: true } });
  const validate = ajv.compile(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'tasks', 'schema', 'task.schema.json'), 'utf8')));
  const code = (standalone as unknown as { default: typeof standalone }).default ?? standalone;
  return [
    '// @ts-nocheck',
    '// GENERATED from tasks/schema/task.schema.json by scripts/gen-task-validator.ts — do not edit.',
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    (code as unknown as (a: Ajv, v: unknown) => string)(ajv, validate).replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}
