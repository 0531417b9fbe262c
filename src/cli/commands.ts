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
