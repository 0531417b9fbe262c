import type { Argv } from 'yargs';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS } from '../catalog/types.js';
import { writeFileAtomic } from '../util/json.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_EVAL_PROFILE, EVAL_PROFILES } from '../catalog/profiles.js';

/** Print to stdout, or write atomically to --out when given. */
export function emit(text: string, out?: string): void {
  if (out) writeFileAtomic(out, text);
  else process.stdout.write(text);
}

/** Task names from a repeatable and/or comma-separated option (`--task A,B --task C`); a name given twice is refused. */
export function taskNames(values: string | string[] | undefined): string[] {
  const names = (Array.isArray(values) ? values : values ? [values] : [])
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  // a task listed twice would be run, and counted in every mean, twice
  if (twice !== undefined) throw new ConfigError(`task ${twice} is named twice`);
  return names;
}

export { intIn } from './bounds.js';

/** --data-root, --hf-root and --mmeb-version, for the commands that read a downloaded data root. */
export function dataRootOptions<T>(y: Argv<T>) {
  return y
    .option('data-root', { type: 'string', demandOption: true, describe: 'downloaded MMEB-V2 root (media + hf/<owner>/<name>/)' })
    .option('hf-root', { type: 'string', describe: 'Hugging Face snapshots folder (default <data-root>/hf)' })
    .option('mmeb-version', { choices: MMEB_VERSIONS, default: DEFAULT_MMEB_VERSION });
}

/** --profile: whose per-task inputs (instructions, frame counts) the EvalSets carry. */
export function profileOption<T>(y: Argv<T>) {
  return y.option('profile', {
    choices: EVAL_PROFILES,
    default: DEFAULT_EVAL_PROFILE,
    describe: "eval profile: vlm2vec (VLM2Vec's evaluation, the catalog) or a published model's own evaluation",
  });
}
