/**
 * Where a task's files go: `<dir>/<task><suffix>` (`Legal Document_score.json`, `TUTSound(hard)_pred.jsonl`).
 * Task names are used as they are (MMEB-V3's report names hold spaces and parentheses, and VLM2Vec's own
 * score files carry them unchanged), so a name must be one plain path segment: a name with a path separator
 * (VLM2Vec's YAML keys such as `text/BRIGHT/aops` are not task names), a NUL or a control character, or the
 * names `.` / `..`, is refused rather than encoded — an encoded name would no longer match the score files
 * VLM2Vec writes, and a separator would silently create a subfolder.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/** Why a task name cannot be a file name, or null when it can. */
export function taskNameProblem(name: string): string | null {
  if (!name) return 'it is empty';
  if (name === '.' || name === '..') return `'${name}' names a folder`;
  if (/[/\\]/.test(name)) return 'it contains a path separator (a task name is one file-name segment; use the last segment of a YAML key)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  return null;
}

/** Refuse a task name that cannot be one file-name segment. */
export function checkTaskName(name: string, where: { file?: string } = {}): string {
  const problem = taskNameProblem(name);
  if (problem) throw new ConfigError(`task name ${JSON.stringify(name)} cannot name a file: ${problem}`, { ...where, task: name });
  return name;
}

/** `<dir>/<task><suffix>`, refusing a task name that would leave `dir`. */
export function taskFile(dir: string, task: string, suffix: string): string {
  return join(dir, `${checkTaskName(task)}${suffix}`);
}
