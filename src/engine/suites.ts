import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { catalogFor, getTask, scoredTasks } from '../catalog/load.js';
import type { MmebVersion, TaskSpec } from '../catalog/types.js';
import { DEFAULT_MMEB_VERSION, MMEB_VERSIONS, MODALITIES } from '../catalog/types.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

export interface Suite {
  name: string;
  tasks: TaskSpec[];
  /** Where the suite's data lives when it ships with the package (the mini suite). */
  dataRoot?: string;
  version?: MmebVersion;
}

/**
 * `mini`: the bundled suite (tasks/mini); `mmeb-v2`: the 78 scored MMEB-V2 tasks (under v3, the same tasks read
 * from the MMEB-V3 root); `mmeb-v3`: the 190 scored MMEB-V3 tasks (version v3 only). Tasks come from the catalog of
 * `version` (the run's --mmeb-version), else of the suite's own mmebVersion.
 */
export function loadSuite(name: string, version?: MmebVersion): Suite {
  if (name === 'mmeb-v2') {
    return { name, tasks: scoredTasks(catalogFor(version ?? DEFAULT_MMEB_VERSION)).filter((t) => MODALITIES.includes(t.modality)) };
  }
  if (name === 'mmeb-v3') {
    if (version && version !== 'v3') throw new ConfigError(`suite mmeb-v3 is MMEB-V3's: it runs with --mmeb-version v3, not ${version}`);
    return { name, tasks: scoredTasks(catalogFor('v3')), version: 'v3' };
  }
  const dir = join(PACKAGE_ROOT, 'tasks', name);
  let doc: { name?: string; tasks?: unknown; dataRoot?: string; mmebVersion?: string };
  try {
    doc = JSON.parse(readFileSync(join(dir, 'suite.json'), 'utf8'));
  } catch {
    throw new ConfigError(`unknown suite '${name}' (available: mini, mini-v3, mmeb-v2, mmeb-v3)`);
  }
  if (!Array.isArray(doc.tasks)) throw new ConfigError("suite has no 'tasks' list", { file: join(dir, 'suite.json') });
  const own = doc.mmebVersion as MmebVersion | undefined;
  if (own && !MMEB_VERSIONS.includes(own)) throw new ConfigError(`unknown mmebVersion ${own}`, { file: join(dir, 'suite.json') });
  const catalog = catalogFor(version ?? own ?? DEFAULT_MMEB_VERSION);
  return {
    name,
    tasks: (doc.tasks as string[]).map((t) => getTask(t, catalog)),
    dataRoot: doc.dataRoot ? resolve(dir, doc.dataRoot) : undefined,
    version: own,
  };
}
