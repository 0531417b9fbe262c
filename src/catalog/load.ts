import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { checkTaskName } from '../util/task-file.js';
import { readConfigJson } from '../util/json.js';
import { existsSync } from 'node:fs';
import type { MetaTask, MmebVersion, Modality, TaskSpec } from './types.js';
import { MODALITIES, V3_MODALITIES } from './types.js';

import { PACKAGE_ROOT } from '../util/package-root.js';
import { validate as validateTaskFile } from './task-validator.generated.js';

export const CATALOG_DIR = join(PACKAGE_ROOT, 'tasks', 'mmeb-v2');
/** MMEB-V3's catalog: one file per group (the 78 V2 tasks again, with their V3 data paths, and the 112 new ones). */
export const V3_CATALOG_DIR = join(PACKAGE_ROOT, 'tasks', 'mmeb-v3');

export interface Catalog {
  dir: string;
  tasks: TaskSpec[];
  byName: Map<string, TaskSpec>;
}

/**
 * tasks/schema/task.schema.json, compiled ahead of time (scripts/gen-schema-validators.ts): compiling it with
 * Ajv on every start was most of `tte-bench tasks`' time. A test keeps it in step with the schema file.
 */
const validator = (): { (doc: unknown): boolean; errors?: { instancePath: string; message?: string }[] | null } => validateTaskFile;

/** Validate one catalog file's parsed JSON against the schema; throws ConfigError naming file and path. */
export function validateCatalogFile(doc: unknown, file: string): TaskSpec[] {
  const validate = validator();
  if (!validate(doc)) {
    const details = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`invalid task catalog: ${details}`, { file });
  }
  return (doc as { tasks: TaskSpec[] }).tasks;
}

const cache = new Map<string, Catalog>();

/**
 * Load and validate tasks/mmeb-v2/{image,video,visdoc}.json (or another folder with the same layout). A folder may
 * also hold MMEB-V3's group files (audio, text, tool, gui, memory); the V2 three are required.
 */
export function loadCatalog(dir = CATALOG_DIR): Catalog {
  const hit = cache.get(dir);
  if (hit) return hit;
  const tasks: TaskSpec[] = [];
  const modalities = V3_MODALITIES.filter((m) => MODALITIES.includes(m) || existsSync(join(dir, `${m}.json`)));
  for (const modality of modalities) {
    const file = join(dir, `${modality}.json`);
    for (const t of validateCatalogFile(readConfigJson(file, 'task catalog'), file)) {
      if (t.modality !== modality) throw new ConfigError(`task ${t.name} has modality ${t.modality}`, { file });
      tasks.push(t);
    }
  }
  const byName = new Map<string, TaskSpec>();
  for (const t of tasks) {
    if (byName.has(t.name)) throw new ConfigError(`duplicate task name ${t.name}`, { file: dir });
    // every result file is named after its task: a name that is not one file-name segment is refused here
    checkTaskName(t.name, { file: join(dir, `${t.modality}.json`) });
    byName.set(t.name, t);
  }
  const catalog = { dir, tasks, byName };
  cache.set(dir, catalog);
  return catalog;
}

/** The catalog of a benchmark version: MMEB-V3's for v3, MMEB-V2's otherwise. */
export function catalogFor(version: MmebVersion): Catalog {
  return loadCatalog(version === 'v3' ? V3_CATALOG_DIR : CATALOG_DIR);
}

export function getTask(name: string, catalog = loadCatalog()): TaskSpec {
  const t = catalog.byName.get(name);
  if (!t) throw new ConfigError(`unknown task '${name}' (see 'tte-bench tasks')`);
  return t;
}

/**
 * The number of queries a task has in a benchmark version: its own entry, else v2.0.0's (a count is listed
 * again only where a version changed it); undefined where the catalog does not record one. Under v3 a V2 task
 * counts as in v2.1: MMEB-V3 reads v2.1's data (MomentSeeker from momentseeker_1k6.jsonl, VLM2Vec
 * src/constant/dataset_hflocal_path.py at 44f991d).
 */
export function publishedQueries(task: TaskSpec, version: MmebVersion): number | undefined {
  if (version === 'v3') return task.numQueries?.v3 ?? task.numQueries?.['v2.1'] ?? task.numQueries?.['v2.0.0'];
  return task.numQueries?.[version] ?? task.numQueries?.['v2.0.0'];
}

export function scoredTasks(catalog = loadCatalog()): TaskSpec[] {
  return catalog.tasks.filter((t) => t.scored);
}

export interface TaskFilter {
  modality?: Modality;
  meta?: MetaTask;
  names?: string[];
  includeUnscored?: boolean;
}

export function selectTasks(filter: TaskFilter, catalog = loadCatalog()): TaskSpec[] {
  if (filter.names?.length) return filter.names.map((n) => getTask(n, catalog));
  return catalog.tasks.filter(
    (t) =>
      (filter.includeUnscored || t.scored) &&
      (!filter.modality || t.modality === filter.modality) &&
      (!filter.meta || t.meta === filter.meta),
  );
}

/** The label vocabulary of a global video classification task. */
export function loadLabels(task: TaskSpec, catalog = loadCatalog()): string[] {
  if (!task.labels) throw new ConfigError(`task ${task.name} has no label vocabulary`);
  const file = join(catalog.dir, task.labels);
  const labels = readConfigJson(file, 'label vocabulary');
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new ConfigError('label vocabulary must be a JSON array of strings', { file, task: task.name });
  }
  return labels;
}

/** A score-file key → task name map, covering each task's aliases (ViDoSeek-page-fixed → ViDoSeek-page). */
export function scoreKeyIndex(catalog = loadCatalog()): Map<string, string> {
  const idx = new Map<string, string>();
  for (const t of catalog.tasks) {
    idx.set(t.name, t.name);
    for (const k of t.scoreKeys ?? []) idx.set(k, t.name);
  }
  return idx;
}
