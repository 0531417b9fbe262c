/** Regenerate the precompiled validators after changing a schema (see scripts/lib/schema-validators.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { SCHEMA_VALIDATORS, validatorSource } from './lib/schema-validators.js';

for (const [schema, generated] of SCHEMA_VALIDATORS) {
  writeFileSync(join(PACKAGE_ROOT, generated), validatorSource(schema));
  console.log(`wrote ${generated}`);
}
