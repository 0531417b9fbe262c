/**
 * Lazy command registration. Importing every command module up front loaded every command's dependencies
 * (onnxruntime, sharp, transformers.js, undici, ...) before any work, even for `--help`. Each command is
 * listed with its command string and description; only the command named on the command line is imported,
 * the others are registered as stubs that carry what top-level `--help` prints.
 */
import type { CommandModule } from 'yargs';

/** [command string as the module declares it, its description, a loader for the module's CommandModule]. */
// biome-ignore lint/suspicious/noExplicitAny: the table holds commands whose argument types differ; each module types its own
export type AnyCommand = CommandModule<object, any>;
export type CommandEntry = [command: string, describe: string, load: () => Promise<AnyCommand>];

/** The first word of a command string: `'merge <dirs..>'` → `'merge'`. */
export function commandName(entry: CommandEntry): string {
  return entry[0].split(' ')[0];
}

/**
 * What to register for this command line: the named command's real module, stubs for all the others. The
 * command is the first argument not starting with '-' (the CLI has no global options that take values).
 */
export async function commandsFor(entries: CommandEntry[], argv: string[]): Promise<AnyCommand[]> {
  const named = argv.find((a) => !a.startsWith('-'));
  return Promise.all(
    entries.map(async (e) =>
      commandName(e) === named ? e[2]() : ({ command: e[0], describe: e[1], builder: {}, handler: () => {} } as AnyCommand),
    ),
  );
}

/** One section of top-level `--help`: a title and, per command (by name), a summary that fits one line. */
export type CommandGroup = [title: string, commands: [name: string, summary: string][]];

/** Whether this command line asks for the top-level help: `--help` and no command named. */
export function wantsTopLevelHelp(argv: string[]): boolean {
  return argv.includes('--help') && !argv.some((a) => !a.startsWith('-'));
}

/**
 * Top-level `--help`: the commands in their groups, one line each (`tte-bench <command string>` and the
 * group's summary), then the global options as yargs prints them. Written here rather than by yargs, which
 * lists commands in one flat block with the full descriptions wrapped over several lines. A command that no
 * group names (one added without a summary) is still listed, under "Other", with its description.
 */
export function formatTopLevelHelp(entries: CommandEntry[], groups: CommandGroup[], width: number): string {
  const byName = new Map(entries.map((e) => [commandName(e), e]));
  const grouped = new Set(groups.flatMap(([, cmds]) => cmds.map(([name]) => name)));
  const sections: [string, [string, string][]][] = groups.map(([title, cmds]) => [
    title,
    cmds.filter(([name]) => byName.has(name)).map(([name, summary]) => [`tte-bench ${byName.get(name)?.[0]}`, summary]),
  ]);
  const other = entries.filter((e) => !grouped.has(commandName(e))).map((e): [string, string] => [`tte-bench ${e[0]}`, e[1]]);
  if (other.length) sections.push(['Other', other]);
  const left = Math.max(...sections.flatMap(([, rows]) => rows.map(([c]) => c.length))) + 4;
  const row = (a: string, b: string) => `  ${a.padEnd(left - 2)}${b}`;
  const option = (flag: string, text: string, type: string) => {
    const start = `  ${flag.padEnd(9)}  ${text}`;
    return `${start}${type.padStart(Math.max(1, width - start.length))}`;
  };
  const lines = ['tte-bench <command>', ''];
  for (const [title, rows] of sections) {
    if (!rows.length) continue;
    lines.push(`${title}:`, ...rows.map(([a, b]) => row(a, b)), '');
  }
  lines.push('Options:', option('--help', 'Show help', '[boolean]'), option('--version', 'Show version number', '[boolean]'), '');
  lines.push("'tte-bench <command> --help' shows its options. Manual: docs/index.md; all commands: docs/commands.md");
  return `${lines.join('\n')}\n`;
}
