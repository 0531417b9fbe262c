/**
 * Regenerate docs/commands.md from the commands' yargs definitions (`npm run docs:commands`); with
 * `--check`, exit 1 when the committed file differs instead of writing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { COMMANDS_DOC, commandsReference } from './lib/commands-doc.js';

const file = join(PACKAGE_ROOT, COMMANDS_DOC);
const text = await commandsReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== text) {
    console.error(`${COMMANDS_DOC} is out of date: run \`npm run docs:commands\``);
    process.exit(1);
  }
  console.log(`${COMMANDS_DOC} is up to date`);
} else {
  writeFileSync(file, text);
  console.log(`wrote ${COMMANDS_DOC}`);
}
