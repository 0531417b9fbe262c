/**
 * Readers for published and produced score files: VLM2Vec's combined per-model reports
 * (`{metadata, metrics: {image|video|visdoc: {task: scores}}}`), folders of `{task}_score.json`
 * (VLM2Vec's eval output, or a tte-bench run folder with its summary.json), and single score files.
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DataError } from '../errors.js';
import { readJsonFile } from '../util/json.js';
import { MMEB_VERSIONS, type MmebVersion, type TaskSpec } from '../catalog/types.js';
import { loadCatalog, scoreKeyIndex } from '../catalog/load.js';
import type { ScoreObject } from '../metrics/ranking.js';

export interface ModelScores {
  model: string;
  sources: string[];
  /** Full score objects keyed by catalog task name. */
  scores: Map<string, ScoreObject>;
  /** Keys found in the files that name no catalog task (e.g. MomentSeeker_1k8). */
  extra: string[];
  /** The benchmark version the scores were measured on, when the source says (a tte-bench run folder). */
  version?: MmebVersion;
}

const SCORE_SUFFIX = '_score.json';

/** What VLM2Vec's report_score_v2.py writes in place of a score object it could not read (the task is missing). */
export const REPORT_STATUS = ['FILE_N/A', 'DIR_N/A', 'JSON_ERROR', 'READ_ERROR'] as const;
export type ReportStatus = (typeof REPORT_STATUS)[number];
const isReportStatus = (v: unknown): v is ReportStatus => typeof v === 'string' && (REPORT_STATUS as readonly string[]).includes(v);

function checkScoreObject(value: unknown, file: string, task: string): ScoreObject {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DataError('score entry is not an object', { file, task });
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`score '${k}' is not a finite number`, { file, task });
  }
  return value as ScoreObject;
}

/** The catalog's modalities (its task groups) in catalog order: the sub-folders a score folder may group its files in. */
export function catalogGroups(catalog = loadCatalog()): string[] {
  return [...new Set(catalog.tasks.map((t) => t.modality as string))];
}

/** Where a path selector `PATH::TaskA,TaskB` restricts which tasks a source contributes. */
export function parseSourceSpec(spec: string): { path: string; only?: Set<string> } {
  const at = spec.lastIndexOf('::');
  if (at < 0) return { path: spec };
  return {
    path: spec.slice(0, at),
    only: new Set(
      spec
        .slice(at + 2)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  };
}

/** Read one source (file or folder) into per-task score objects with the model it belongs to. */
export function readScoreSource(spec: string): ModelScores {
  const { path, only } = parseSourceSpec(spec);
  const index = scoreKeyIndex(loadCatalog());
  const raw = new Map<string, { scores: ScoreObject; file: string }>();
  // one key read twice (two files, or two modalities of a report) must say the same, or neither is taken
  const put = (key: string, scores: ScoreObject, file: string, conflict: (seenFile: string) => string) => {
    const seen = raw.get(key);
    if (seen && !isDeepStrictEqual(seen.scores, scores)) throw new DataError(conflict(seen.file), { file: path });
    raw.set(key, { scores, file });
  };
  let model: string;
  let version: MmebVersion | undefined;
  if (!existsSync(path)) throw new DataError('no such file or folder', { file: path });
  if (statSync(path).isDirectory()) {
    const scoreFiles = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(SCORE_SUFFIX))
        .sort()
        .map((f) => join(dir, f));
    let files = scoreFiles(path);
    if (!files.length) {
      // VLM2Vec's eval output as report_score_v2.py reads it: <experiment>/{image,video,visdoc}/<task>_score.json;
      // the group folders are the catalog's modalities, so a catalog with more groups reads their folders too
      files = catalogGroups()
        .map((m) => join(path, m))
        .filter((d) => existsSync(d) && statSync(d).isDirectory())
        .flatMap(scoreFiles);
    }
    if (!files.length) {
      throw new DataError(
        `no *${SCORE_SUFFIX} files in folder (nor in ${catalogGroups()
          .map((g) => `${g}/`)
          .join(', ')} under it)`,
        {
          file: path,
        },
      );
    }
    for (const file of files) {
      const key = basename(file).slice(0, -SCORE_SUFFIX.length);
      put(
        key,
        checkScoreObject(readJsonFile(file), file, key),
        file,
        (seen) => `task '${key}' has two different score files: ${seen} and ${file}`,
      );
    }
    ({ model, version } = describeFolder(path));
  } else if (path.endsWith(SCORE_SUFFIX)) {
    const key = basename(path).slice(0, -SCORE_SUFFIX.length);
    raw.set(key, { scores: checkScoreObject(readJsonFile(path), path, key), file: path });
    ({ model, version } = describeFolder(dirname(path)));
  } else {
    const doc = readJsonFile(path) as { metadata?: { model_name?: unknown }; metrics?: unknown };
    if (!doc || typeof doc !== 'object' || !doc.metrics || typeof doc.metrics !== 'object') {
      throw new DataError('not a score report: expected {metadata, metrics: {image|video|visdoc: {...}}}', { file: path });
    }
    for (const [modality, tasks] of Object.entries(doc.metrics as Record<string, unknown>)) {
      if (!tasks || typeof tasks !== 'object') throw new DataError(`metrics.${modality} is not an object`, { file: path });
      for (const [key, scores] of Object.entries(tasks as Record<string, unknown>)) {
        if (isReportStatus(scores)) continue;
        put(key, checkScoreObject(scores, path, key), path, () => `task '${key}' is listed under two modalities with different scores`);
      }
    }
    const name = doc.metadata?.model_name;
    model = typeof name === 'string' && name ? name : basename(path).replace(/\.json$/, '');
  }
  const scores = new Map<string, ScoreObject>();
  const keyOf = new Map<string, { key: string; file: string }>();
  const extra: string[] = [];
  for (const [key, { scores: s, file }] of raw) {
    if (only && !only.has(key) && !only.has(index.get(key) ?? '')) continue;
    const task = index.get(key);
    if (task === undefined) {
      extra.push(key);
      continue;
    }
    // One task under two keys (ViDoSeek-page from before VLM2Vec's page fix next to ViDoSeek-page-fixed from
    // after it): which one counted would depend on file order, so two different results are refused.
    const before = keyOf.get(task);
    if (before && !isDeepStrictEqual(scores.get(task), s)) {
      throw new DataError(
        `task ${task} has two different results, '${before.key}' (${before.file}) and '${key}' (${file}); ` +
          'remove one, or pick keys with PATH::KEY,...',
        { file: path },
      );
    }
    keyOf.set(task, { key, file });
    scores.set(task, s);
  }
  if (only) {
    for (const want of only) {
      if (![...raw.keys()].some((k) => k === want || index.get(k) === want)) {
        throw new DataError(`task '${want}' selected but not present`, { file: path });
      }
    }
  }
  return { model, sources: [resolve(path)], scores, extra, ...(version ? { version } : {}) };
}

/**
 * A tte-bench run folder names its model and benchmark version in summary.json; any other folder is named by
 * itself, its version unknown.
 */
function describeFolder(dir: string): { model: string; version?: MmebVersion } {
  const summary = join(dir, 'summary.json');
  if (existsSync(summary)) {
    const doc = readJsonFile(summary) as { backend?: { name?: unknown }; mmeb_version?: unknown };
    if (typeof doc?.backend?.name === 'string') {
      const version = (MMEB_VERSIONS as readonly unknown[]).includes(doc.mmeb_version) ? (doc.mmeb_version as MmebVersion) : undefined;
      return { model: doc.backend.name, ...(version ? { version } : {}) };
    }
  }
  return { model: basename(resolve(dir)) };
}

/** Later sources replace earlier ones task by task (the "updated split" overlay). */
export function overlayScores(sources: ModelScores[]): ModelScores {
  const scores = new Map<string, ScoreObject>();
  const extra = new Set<string>();
  for (const s of sources) {
    for (const [t, v] of s.scores) scores.set(t, v);
    s.extra.forEach((e) => extra.add(e));
  }
  // one version only when every source says the same one
  const versions = new Set(sources.map((s) => s.version));
  const [version] = versions;
  return {
    model: sources[0].model,
    sources: sources.flatMap((s) => s.sources),
    scores,
    extra: [...extra],
    ...(versions.size === 1 && version ? { version } : {}),
  };
}

/** The main metric of each task, as fractions. Fails when a score object lacks it. */
export function mainScores(ms: ModelScores, tasks: TaskSpec[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tasks) {
    const s = ms.scores.get(t.name);
    if (!s) continue;
    const v = s[t.metric];
    if (typeof v !== 'number') throw new DataError(`score has no '${t.metric}'`, { file: ms.sources.join(', '), task: t.name });
    out.set(t.name, v);
  }
  return out;
}
