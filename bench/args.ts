/** `--name N` from the command line, or `def` when absent (the benchmarks' only kind of option). */
export function numberArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
