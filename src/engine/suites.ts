import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { getTask, loadCatalog, scoredTasks } from '../catalog/load.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { MMEB_VERSIONS } from '../catalog/types.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

export interface Suite {
  name: string;
  tasks: TaskSpec[];
  /** Where the suite's data lives when it ships with the package (the mini suite). */
  dataRoot?: string;
  version?: MmebVersion;
}

/** `mini`: the bundled suite (tasks/mini); `mmeb-v2`: the 78 scored tasks of the catalog. */
export function loadSuite(name: string): Suite {
  if (name === 'mmeb-v2') return { name, tasks: scoredTasks(loadCatalog()) };
  const dir = join(PACKAGE_ROOT, 'tasks', name);
  let doc: { name?: string; tasks?: unknown; dataRoot?: string; mmebVersion?: string };
  try {
    doc = JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8'));
  } catch {
    throw new ConfigError(`unknown suite '${name}' (available: mini, mmeb-v2)`);
  }
  if (!Array.isArray(doc.tasks)) throw new ConfigError("suite has no 'tasks' list", { file: join(dir, 'suite.json') });
  const version = doc.mmebVersion as MmebVersion | undefined;
  if (version && !MMEB_VERSIONS.includes(version))
    throw new ConfigError(`unknown mmebVersion ${version}`, { file: join(dir, 'suite.json') });
  return {
    name,
    tasks: (doc.tasks as string[]).map((t) => getTask(t)),
    dataRoot: doc.dataRoot ? resolve(dir, doc.dataRoot) : undefined,
    version,
  };
}
