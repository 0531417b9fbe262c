/**
 * The layer check: every import of every file under src/ (static `import` / `export … from`, dynamic `import()`,
 * type-only ones included) resolved to its room, and held to the rules in test/layers.json: which rooms a room
 * may import, and which rooms a room must never reach, directly or through any chain of files. The same rules
 * are the table in docs/architecture.md, checked here so that the page cannot drift from them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

interface RoomRule {
  room: string;
  holds: string;
  mayImport: string[];
  why: string;
}
interface Rules {
  rooms: RoomRule[];
  neverReaches: { from: string; to: string; why: string }[];
}

const RULES_FILE = 'test/layers.json';
const DOC_FILE = 'docs/architecture.md';
const rules = JSON.parse(readFileSync(join(PACKAGE_ROOT, RULES_FILE), 'utf8')) as Rules;

/** src/<room>/… or src/<room>.ts → room; null outside src/. Paths are repo-relative POSIX. */
function roomOf(file: string): string | null {
  if (!file.startsWith('src/')) return null;
  const rest = file.slice('src/'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest.replace(/\.ts$/, '') : rest.slice(0, slash);
}

interface Edge {
  from: string;
  spec: string;
  /** The file the import names (repo-relative, .js read as its .ts source), or null for a package. */
  to: string | null;
}

/** Every import of one file: the TypeScript scanner's list, which holds type-only, re-export and import() forms. */
function importsOf(file: string, text: string): { edges: Edge[]; problems: string[] } {
  const problems: string[] = [];
  // an import() whose argument is not a string literal cannot be resolved, so it cannot be checked
  for (const m of text.matchAll(/\bimport\s*\(\s*(?!['"])/g)) {
    const line = text.slice(0, m.index).split('\n').length;
    problems.push(`${file}:${line}: import() of a computed name cannot be checked; name the module as a string literal`);
  }
  const edges = ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: spec }) => {
    if (!spec.startsWith('.')) return { from: file, spec, to: null };
    return { from: file, spec, to: posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts') };
  });
  return { edges, problems };
}

/** The import graph of a set of files (repo-relative path → source text). */
function graphOf(files: Map<string, string>) {
  const edges: Edge[] = [];
  const problems: string[] = [];
  for (const [file, text] of files) {
    const r = importsOf(file, text);
    edges.push(...r.edges);
    problems.push(...r.problems);
  }
  return { edges, problems };
}

/** What breaks the room rules, one line per broken import or reach: file, import, rule. */
function violations(files: Map<string, string>, r: Rules): string[] {
  const byRoom = new Map(r.rooms.map((x) => [x.room, x]));
  const { edges, problems } = graphOf(files);
  const out = [...problems];
  for (const room of new Set([...files.keys()].map(roomOf))) {
    if (room && !byRoom.has(room)) out.push(`room '${room}' (src/${room}) has no rule in ${RULES_FILE}`);
  }
  for (const e of edges) {
    if (e.to === null) continue;
    const from = roomOf(e.from);
    const to = roomOf(e.to);
    if (from === null) continue;
    if (to === null) {
      out.push(`${e.from} imports '${e.spec}', which lies outside src/`);
      continue;
    }
    const rule = byRoom.get(from);
    if (!rule || from === to || rule.mayImport.includes(to)) continue;
    const may = rule.mayImport.length ? rule.mayImport.join(', ') : 'nothing';
    out.push(`${e.from} imports '${e.spec}' (room ${to}): ${from} may import only ${may} (${rule.why})`);
  }
  // reach: a breadth-first walk over files, so the message names the chain that leads there
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.to && files.has(e.to)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  for (const never of r.neverReaches) {
    for (const start of [...files.keys()].filter((f) => roomOf(f) === never.from).sort()) {
      const via = new Map<string, string | null>([[start, null]]);
      const queue = [start];
      while (queue.length) {
        const f = queue.shift() as string;
        if (roomOf(f) === never.to) {
          const chain: string[] = [];
          for (let at: string | null = f; at !== null; at = via.get(at) ?? null) chain.unshift(at);
          out.push(`${start} reaches ${f} through ${chain.join(' → ')}: ${never.from} must never reach ${never.to} (${never.why})`);
          break;
        }
        for (const n of next.get(f) ?? []) if (!via.has(n)) via.set(n, f), queue.push(n);
      }
    }
  }
  return out;
}

/** What is wrong with the rules themselves: unknown rooms, a cycle, or a room allowed a path to one it must never reach. */
function ruleProblems(r: Rules): string[] {
  const out: string[] = [];
  const byRoom = new Map(r.rooms.map((x) => [x.room, x]));
  for (const x of r.rooms) for (const m of x.mayImport) if (!byRoom.has(m)) out.push(`${x.room} may import '${m}', which is no room`);
  const closure = (room: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(byRoom.get(room)?.mayImport ?? [])];
    while (stack.length) {
      const m = stack.pop() as string;
      if (seen.has(m)) continue;
      seen.add(m);
      stack.push(...(byRoom.get(m)?.mayImport ?? []));
    }
    return seen;
  };
  for (const x of r.rooms)
    if (closure(x.room).has(x.room)) out.push(`${x.room} may import itself through other rooms: the rules have a cycle`);
  for (const n of r.neverReaches) {
    if (!byRoom.has(n.from) || !byRoom.has(n.to)) out.push(`neverReaches names an unknown room (${n.from} → ${n.to})`);
    else if (closure(n.from).has(n.to)) out.push(`${n.from} may reach ${n.to} through the rooms it may import, yet must never reach it`);
  }
  return out;
}

/** The rules as the Markdown table docs/architecture.md holds between its layers markers. */
function rulesTable(r: Rules): string {
  const rows = r.rooms.map(
    (x) => `| \`${x.room}\` | ${x.holds} | ${x.mayImport.length ? x.mayImport.map((m) => `\`${m}\``).join(', ') : '—'} | ${x.why} |`,
  );
  const never = r.neverReaches.map((n) => `- \`${n.from}\` never reaches \`${n.to}\`, through any room: ${n.why}.`);
  return ['| room | holds | may import | why |', '| --- | --- | --- | --- |', ...rows, '', ...never].join('\n');
}

function srcFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
        files.set(relative(PACKAGE_ROOT, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(join(PACKAGE_ROOT, 'src'));
  return files;
}

test('every import of every file under src/ keeps to its room, and no room reaches one it must never reach', () => {
  const files = srcFiles();
  assert.ok(files.size > 100, `read ${files.size} files under src/`);
  const found = violations(files, rules);
  assert.deepEqual(found, [], `layer rules broken (${RULES_FILE}):\n${found.join('\n')}`);
});

test('every room under src/ has a rule, and every rule names a room that exists', () => {
  const rooms = new Set([...srcFiles().keys()].map(roomOf));
  assert.deepEqual(
    rules.rooms.map((r) => r.room).filter((r) => !rooms.has(r)),
    [],
  );
  assert.deepEqual(
    [...rooms].filter((r) => r && !rules.rooms.some((x) => x.room === r)),
    [],
  );
});

test('the rules flow one way: no cycle, and no allowed path to a room a room must never reach', () => {
  assert.deepEqual(ruleProblems(rules), []);
  const cyclic: Rules = {
    rooms: [
      { room: 'a', holds: '', mayImport: ['b'], why: '' },
      { room: 'b', holds: '', mayImport: ['a'], why: '' },
    ],
    neverReaches: [{ from: 'b', to: 'a', why: 'test' }],
  };
  assert.deepEqual(ruleProblems(cyclic), [
    'a may import itself through other rooms: the rules have a cycle',
    'b may import itself through other rooms: the rules have a cycle',
    'b may reach a through the rooms it may import, yet must never reach it',
  ]);
});

test('the check names file, import and rule for each import form, and the chain of a forbidden reach', () => {
  const toy: Rules = {
    rooms: [
      { room: 'errors', holds: '', mayImport: [], why: 'the floor' },
      { room: 'items', holds: '', mayImport: ['errors'], why: 'the shape' },
      { room: 'datasets', holds: '', mayImport: ['items', 'errors'], why: 'reads data' },
      { room: 'metrics', holds: '', mayImport: ['errors'], why: 'numbers' },
      { room: 'backends', holds: '', mayImport: ['items', 'metrics', 'errors'], why: 'models' },
    ],
    neverReaches: [{ from: 'backends', to: 'datasets', why: 'protocols read items' }],
  };
  const files = new Map([
    ['src/errors.ts', 'export class DataError extends Error {}\n'],
    ['src/items/types.ts', "import { DataError } from '../errors.js';\nexport type Item = { id: string };\n"],
    ['src/datasets/load.ts', "import type { Item } from '../items/types.js';\nexport const x = 1;\n"],
    // a type-only re-export from a room metrics may not import, which backends then reaches through metrics
    ['src/metrics/leak.ts', "export type { Item } from '../datasets/load.js';\n"],
    ['src/backends/a.ts', "import type { Item } from '../metrics/leak.js';\nimport { readFile } from 'node:fs';\n"],
    ['src/backends/b.ts', "export async function f() {\n  return (await import('../datasets/load.js')).x;\n}\n"],
    ['src/backends/c.ts', 'export async function g(name: string) {\n  return import(name);\n}\n'],
    ['src/scoring/k.ts', "export { x } from '../items/types.js';\n"],
  ]);
  assert.deepEqual(violations(files, toy), [
    'src/backends/c.ts:2: import() of a computed name cannot be checked; name the module as a string literal',
    `room 'scoring' (src/scoring) has no rule in ${RULES_FILE}`,
    "src/metrics/leak.ts imports '../datasets/load.js' (room datasets): metrics may import only errors (numbers)",
    "src/backends/b.ts imports '../datasets/load.js' (room datasets): backends may import only items, metrics, errors (models)",
    'src/backends/a.ts reaches src/datasets/load.ts through src/backends/a.ts → src/metrics/leak.ts → src/datasets/load.ts: backends must never reach datasets (protocols read items)',
    'src/backends/b.ts reaches src/datasets/load.ts through src/backends/b.ts → src/datasets/load.ts: backends must never reach datasets (protocols read items)',
  ]);
  // the same files with the leak and the computed import removed pass, apart from the room with no rule
  files.delete('src/metrics/leak.ts');
  files.delete('src/backends/c.ts');
  files.set('src/backends/a.ts', "import type { Item } from '../items/types.js';\n");
  files.set('src/backends/b.ts', 'export const y = 2;\n');
  assert.deepEqual(violations(files, toy), [`room 'scoring' (src/scoring) has no rule in ${RULES_FILE}`]);
});

test(`${DOC_FILE} shows the rules of ${RULES_FILE}, table for table`, () => {
  const doc = readFileSync(join(PACKAGE_ROOT, DOC_FILE), 'utf8');
  const m = /<!-- layers:begin[^>]*-->\n([\s\S]*?)<!-- layers:end -->/.exec(doc);
  assert.ok(m, `${DOC_FILE} has no <!-- layers:begin --> … <!-- layers:end --> block`);
  const expected = `${rulesTable(rules)}\n`;
  assert.equal(m[1], expected, `${DOC_FILE}'s table differs from ${RULES_FILE}; put this between its markers:\n${expected}`);
});
