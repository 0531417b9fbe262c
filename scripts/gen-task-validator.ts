/** Regenerate src/catalog/task-validator.generated.ts after changing tasks/schema/task.schema.json. */
import { writeFileSync } from 'node:fs';
import { GENERATED_VALIDATOR, taskValidatorSource } from './lib/task-validator.js';

writeFileSync(GENERATED_VALIDATOR, taskValidatorSource());
console.log(`wrote ${GENERATED_VALIDATOR}`);
