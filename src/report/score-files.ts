/**
 * Readers for published and produced score files: VLM2Vec's combined per-model reports
 * (`{metadata, metrics: {group: {task: scores}}}`, MMEB-V2's three groups or MMEB-V3's eight), folders of
 * `{task}_score.json` (VLM2Vec's eval output, or a tte-bench run folder with its summary.json), single score
 * files, and the MMEB-V3 maintainers' paper-vs-reproduction CSVs (paper-csv.ts).
 */
import { readdirSync, statSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DataError } from '../errors.js';
import { readJsonFile } from '../util/json.js';
import { MMEB_VERSIONS, MODALITIES, V3_MODALITIES, type MmebVersion, type TaskSpec } from '../catalog/types.js';
import { catalogFor, loadCatalog, scoreKeyIndex } from '../catalog/load.js';
import { paperTableFiles, readPaperTable } from './paper-csv.js';
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

/** The groups only MMEB-V3 has: a report or score folder with one of them is a V3 source. */
const V3_ONLY_GROUPS = V3_MODALITIES.filter((m) => !MODALITIES.includes(m));

/** Every `*_score.json` under a folder, at any depth (eval.py writes a YAML key `text/BRIGHT/aops` to text/BRIGHT/aops_score.json). */
function scoreFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return scoreFilesUnder(p);
      return e.isFile() && e.name.endsWith(SCORE_SUFFIX) ? [p] : [];
    });
}

/** What VLM2Vec's report_score_v2.py (and report_score_v3.py) writes in place of a score object it could not read (the task is missing). */
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
  const raw = new Map<string, { scores: ScoreObject; file: string }>();
  // one key read twice (two files, or two modalities of a report) must say the same, or neither is taken
  const put = (key: string, scores: ScoreObject, file: string, conflict: (seenFile: string) => string) => {
    const seen = raw.get(key);
    if (seen && !isDeepStrictEqual(seen.scores, scores)) throw new DataError(conflict(seen.file), { file: path });
    raw.set(key, { scores, file });
  };
  let model: string;
  let version: MmebVersion | undefined;
  // a source is MMEB-V3's when its layout says so (a V3-only group), its run summary does, or a key names a V3-only task
  let v3Layout = false;
  if (!existsSync(path)) throw new DataError('no such file or folder', { file: path });
  if (statSync(path).isDirectory()) {
    const scoreFiles = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(SCORE_SUFFIX))
        .sort()
        .map((f) => join(dir, f));
    let files = scoreFiles(path);
    if (!files.length) {
      // VLM2Vec's eval output as report_score_v2.py reads it, <experiment>/{image,video,visdoc}/<task>_score.json,
      // and as report_score_v3.py reads it with V3's five more groups; under a group folder at any depth, as the
      // MMEB-V3 maintainers' own aggregators walk it (experiments/mmebv3_reproduction/aggregate_nemotron.py)
      const groupDirs = V3_MODALITIES.filter((m) => existsSync(join(path, m)) && statSync(join(path, m)).isDirectory());
      v3Layout = groupDirs.some((m) => V3_ONLY_GROUPS.includes(m));
      files = groupDirs.flatMap((m) => scoreFilesUnder(join(path, m)));
    }
    if (!files.length) {
      throw new DataError(`no *${SCORE_SUFFIX} files in folder (nor under ${V3_MODALITIES.map((m) => `${m}/`).join(', ')} in it)`, {
        file: path,
      });
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
      if ((V3_ONLY_GROUPS as string[]).includes(modality)) v3Layout = true;
      for (const [key, scores] of Object.entries(tasks as Record<string, unknown>)) {
        if (isReportStatus(scores)) continue;
        put(key, checkScoreObject(scores, path, key), path, () => `task '${key}' is listed under two modalities with different scores`);
      }
    }
    const name = doc.metadata?.model_name;
    model = typeof name === 'string' && name ? name : basename(path).replace(/\.json$/, '');
  }
  const v2Index = scoreKeyIndex(loadCatalog());
  const v3Index = scoreKeyIndex(catalogFor('v3'));
  const isV3 = version === 'v3' || v3Layout || [...raw.keys()].some((k) => !v2Index.has(k) && v3Index.has(k));
  // V2 sources keep V2's catalog, so what they list as extra is what it always was
  const index = isV3 ? v3Index : v2Index;
  if (isV3) version = 'v3';
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

/** A paper-vs-reproduction CSV, or a folder holding such CSVs and no score files. */
function isPaperCsvSource(path: string): boolean {
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return path.endsWith('.csv');
  const names = readdirSync(path);
  return (
    names.some((f) => f.endsWith('.csv')) &&
    !names.some((f) => f.endsWith(SCORE_SUFFIX) || f === 'summary.json' || (V3_MODALITIES as string[]).includes(f))
  );
}

/**
 * Read one source into the models it holds: one for score files and reports, one per `<model> (paper)` column
 * for the MMEB-V3 maintainers' paper-vs-reproduction CSVs (a file, or a folder of them: one model's values
 * gathered over its group tables). `PATH::TaskA,TaskB` keeps only those tasks.
 */
export function readScoreSources(spec: string): ModelScores[] {
  const { path, only } = parseSourceSpec(spec);
  if (!isPaperCsvSource(path)) return [readScoreSource(spec)];
  const catalog = catalogFor('v3');
  const files = paperTableFiles(path);
  if (!files.length) throw new DataError("no per-task CSV (first column 'dataset') in folder", { file: path });
  const models = new Map<string, ModelScores>();
  const seenIn = new Map<string, string>();
  for (const file of files) {
    const table = readPaperTable(file, catalog.tasks, V3_MODALITIES);
    for (const [model, scores] of table.models) {
      const ms: ModelScores = models.get(model) ?? { model, sources: [], scores: new Map(), extra: [], version: 'v3' };
      models.set(model, ms);
      ms.sources.push(resolve(file));
      for (const [task, s] of scores) {
        if (only && !only.has(task)) continue;
        const before = ms.scores.get(task);
        if (before && !isDeepStrictEqual(before, s)) {
          throw new DataError(`${model}'s ${task} differs between ${seenIn.get(`${model}\0${task}`)} and ${file}`, { file: path });
        }
        ms.scores.set(task, s);
        seenIn.set(`${model}\0${task}`, file);
      }
      for (const e of table.extra) if (!ms.extra.includes(e)) ms.extra.push(e);
    }
  }
  if (only) {
    for (const want of only) {
      if (![...models.values()].some((m) => m.scores.has(want)))
        throw new DataError(`task '${want}' selected but not present`, { file: path });
    }
  }
  return [...models.values()];
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
