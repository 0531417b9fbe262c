/** The manual: docs/commands.md is what the generator writes; every relative link and anchor resolves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS_DOC, commandsReference, githubSlug } from '../scripts/lib/commands-doc.js';
import { anchorsOf, brokenLinks } from '../scripts/lib/doc-links.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { COMMANDS } from '../src/cli/main.js';
import { commandName } from '../src/cli/commands.js';

test(`${COMMANDS_DOC} is generated from the yargs definitions and up to date`, async () => {
  const want = await commandsReference();
  const have = readFileSync(join(PACKAGE_ROOT, COMMANDS_DOC), 'utf8');
  if (have !== want) {
    const a = have.split('\n');
    const b = want.split('\n');
    const i = b.findIndex((line, n) => line !== a[n]);
    assert.fail(
      `${COMMANDS_DOC} is out of date: run \`npm run docs:commands\` and commit the result ` +
        `(first difference at line ${i + 1}: committed ${JSON.stringify(a[i])}, generated ${JSON.stringify(b[i])})`,
    );
  }
  // every command has its section, with its own --help inside
  for (const entry of COMMANDS) {
    assert.ok(want.includes(`### tte-bench ${commandName(entry)}\n`), commandName(entry));
    assert.ok(want.replace(/\s+/g, ' ').includes(entry[1]), `${commandName(entry)}: its description`);
  }
  assert.ok(want.includes('### tte-bench traces export\n') && want.includes('### tte-bench traces import\n'), 'subcommands');
  assert.ok(want.includes('--api-key-env'), "serve's options are in it");
  assert.equal(await commandsReference(), want, 'deterministic');
});

test('every relative link and #anchor in README.md and docs/*.md resolves', () => {
  const docs = join(PACKAGE_ROOT, 'docs');
  const files = [
    join(PACKAGE_ROOT, 'README.md'),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(docs, f)),
  ];
  assert.ok(files.length > 5);
  assert.deepEqual(brokenLinks(files, PACKAGE_ROOT), []);
});

test('the link check: GitHub heading slugs, repeated headings, missing files and anchors', () => {
  assert.equal(githubSlug('Model protocols and render'), 'model-protocols-and-render');
  assert.equal(githubSlug('Cascades: reranking and thinking only when needed'), 'cascades-reranking-and-thinking-only-when-needed');
  assert.equal(
    githubSlug('Eval profiles (--profile): Qwen3-VL-Embedding’s own evaluation'),
    'eval-profiles---profile-qwen3-vl-embeddings-own-evaluation',
  );
  assert.equal(githubSlug('snake_case and 3.2 ×'), 'snake_case-and-32-');
  const dir = mkdtempSync(join(tmpdir(), 'tte-bench-links-'));
  writeFileSync(
    join(dir, 'a.md'),
    '# Title\n## The `serve` command\n## Notes\n## Notes\n```\n# not a heading\n[x](nope.md)\n```\n' +
      'ok: [b](b.md#two) [self](#notes-1) [t](#the-serve-command) [web](https://example.org/x#y) `[c](code.md)`\n' +
      'broken: [m](missing.md) [s](#notes-2) [b](b.md#three)\n[ref]: gone.md\n',
  );
  writeFileSync(join(dir, 'b.md'), '# One\n\n## Two\n');
  assert.deepEqual([...anchorsOf(join(dir, 'a.md'))], ['title', 'the-serve-command', 'notes', 'notes-1']);
  assert.deepEqual(brokenLinks([join(dir, 'a.md')], dir), [
    'a.md: missing.md (no file missing.md)',
    'a.md: #notes-2 (no heading in a.md has the anchor #notes-2)',
    'a.md: b.md#three (no heading in b.md has the anchor #three)',
    'a.md: gone.md (no file gone.md)',
  ]);
});
