/** Top-level `--help`: the commands in groups, one line each; every command in exactly one group. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CommandEntry, commandName, formatTopLevelHelp, wantsTopLevelHelp } from '../src/cli/commands.js';
import { COMMAND_GROUPS, COMMANDS } from '../src/cli/main.js';
import { runCli } from './helpers.js';

const GROUP_TITLES = ['Data', 'Run', 'Scores and reports', 'Models and servers', 'Scale'];

test('every command is in exactly one group, and every grouped name is a command', () => {
  assert.deepEqual(
    COMMAND_GROUPS.map(([title]) => title),
    GROUP_TITLES,
  );
  const grouped = COMMAND_GROUPS.flatMap(([, cmds]) => cmds.map(([name]) => name));
  assert.deepEqual([...grouped].sort(), COMMANDS.map(commandName).sort());
  assert.equal(new Set(grouped).size, grouped.length, 'no command in two groups');
});

test('tte-bench --help lists the commands under their groups, one line each, within 110 columns', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const line of lines) assert.ok(line.length <= 110, `too wide: ${line}`);
  assert.equal(lines[0], 'tte-bench <command>');
  // the sections in order, each holding exactly its commands, one line per command
  let at = 0;
  for (const [title, cmds] of COMMAND_GROUPS) {
    at = lines.indexOf(`${title}:`, at);
    assert.ok(at > 0, `section ${title}`);
    cmds.forEach(([name, summary], i) => {
      const entry = COMMANDS.find((e) => commandName(e) === name) as CommandEntry;
      const line = lines[at + 1 + i];
      assert.ok(line.startsWith(`  tte-bench ${entry[0]} `), `${title}: line ${i} is ${name}: ${line}`);
      assert.ok(line.endsWith(summary), line);
    });
    assert.equal(lines[at + 1 + cmds.length], '', `${title} ends after its ${cmds.length} commands`);
  }
  const commandLines = lines.filter((l) => l.startsWith('  tte-bench '));
  assert.equal(commandLines.length, COMMANDS.length, 'each command once');
  // the summaries start in one column
  const column = commandLines.map((l) => /^ {2}tte-bench \S+(?: \S+)? +/.exec(l)?.[0].length);
  assert.equal(new Set(column).size, 1, 'summaries aligned');
  assert.match(r.stdout, /\nOptions:\n {2}--help +Show help +\[boolean\]\n {2}--version +Show version number +\[boolean\]\n/);
  assert.match(r.stdout, /docs\/commands\.md/);
});

test("a command's own --help is still yargs' (unchanged), and --version and a mistyped command behave as before", () => {
  const run = runCli(['run', '--help']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^tte-bench run\n\nRun a backend over MMEB-V2 tasks/);
  assert.match(run.stdout, /--suite/);
  const traces = runCli(['traces', 'export', '--help']);
  assert.equal(traces.status, 0, traces.stderr);
  assert.match(traces.stdout, /--format/);
  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const typo = runCli(['leaderbord']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /Did you mean leaderboard/);
});

test('formatTopLevelHelp lists a command no group names under "Other", with its description', () => {
  const extra: CommandEntry = ['new-thing <x>', 'A command added without a summary', async () => COMMANDS[0][2]()];
  const text = formatTopLevelHelp([...COMMANDS, extra], COMMAND_GROUPS, 110);
  assert.match(text, /\nOther:\n {2}tte-bench new-thing <x> +A command added without a summary\n/);
  assert.equal(wantsTopLevelHelp(['--help']), true);
  assert.equal(wantsTopLevelHelp(['run', '--help']), false);
  assert.equal(wantsTopLevelHelp([]), false);
});
