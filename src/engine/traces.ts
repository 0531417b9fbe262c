/**
 * `traces export` / `traces import`: reading run folders and data roots around the trace exchange format
 * (src/tte/traces.ts), which also keys imported traces exactly as the pipeline does.
 *  - export: a teacher run's query traces as a supervised fine-tuning set for a small reasoner (TTE_s is
 *    trained on exactly this): the reasoner's input (the prompt as it saw it, its media) and its trace as the
 *    target. `jsonl` is the harness's own exchange format (what `import` reads); `sharegpt` is the layout
 *    LLaMA-Factory reads for multimodal SFT: `messages` (role/content) whose user turn starts with one
 *    `<image>` per image and one `<video>` per video, and `images` / `videos` lists of files beside the set
 *    (a video as the list of its frame files).
 *  - import: traces made elsewhere (a batch job on another cluster) go into the trace cache under exactly
 *    the key the pipeline computes for them, so a later run uses them without calling the reasoner. A trace
 *    made under another prompt version or by another model is refused, never stored under a wrong key.
 * Run folders are read through the report's readers: the engine schedules, tte and report stay apart.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, extname, join, resolve } from 'node:path';
import type { BackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import { catalogFor, getTask } from '../catalog/load.js';
import type { MmebVersion } from '../catalog/types.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot, runDataRoot } from '../items/data-root.js';
import { mediaDigest } from '../tte/cache.js';
import { MediaLoader } from '../tte/media.js';
import { ConfigError, DataError } from '../errors.js';
import { readPredictionFile } from '../metrics/pred-file.js';
import { perQueryMetrics } from '../metrics/ranking.js';
import { occurrenceKeys } from '../report/compare.js';
import { readItemsFile, readTraceLines } from '../report/items.js';
import { readSummary } from '../report/run-folder.js';
import { readJsonLines, toJson, writeFileAtomic } from '../util/json.js';
import { PROMPT_VERSION, promptFamily, reasoningPrompt, type PromptFamily } from '../tte/prompts.js';
import {
  checkTraceIdentity,
  parseTraceRecord,
  reasonerIdentity,
  seedTraceCache,
  TRACE_SCHEMA,
  traceCacheKey,
  type TraceRecord,
} from '../tte/traces.js';

/** The most traces per task an export keeps (`maxPerTask`, `--max-per-task`). */
export const MAX_TRACES_PER_TASK = 10_000_000;

export type { TraceRecord } from '../tte/traces.js';

export interface ExportOptions {
  format: 'sharegpt' | 'jsonl';
  /** Keep only queries the trace helped: Hit@1 0 under the baseline run, 1 under the exporting run. */
  onlyHelped?: boolean;
  baseline?: string;
  /** At most this many traces per task (after the other filters, in query order). */
  maxPerTask?: number;
  /** Drop a trace whose input (prompt and media) was already exported (default true). */
  dedup?: boolean;
  /** sharegpt: hard-link media instead of copying them (falls back to a copy across file systems). */
  linkMedia?: boolean;
  /** Where the media are (default: each run's recorded data root). */
  dataRoot?: string;
}

export interface ExportCounts {
  traces: number;
  exported: number;
  notHelped: number;
  duplicates: number;
  overCap: number;
  missingMedia: number;
}

export interface ExportManifest {
  schema: 'tte-bench/trace-export@1';
  format: 'sharegpt' | 'jsonl';
  teachers: { id: string; key: string; runs: string[] }[];
  prompt_version: string;
  filters: { only_helped: boolean; baseline: string | null; max_per_task: number | null; dedup: boolean };
  counts: ExportCounts & { tasks: Record<string, ExportCounts> };
  files: string[];
}

const hitByKey = (dir: string, task: string, keys: string[]): Map<string, number> | null => {
  const file = join(dir, `${task}_pred.jsonl`);
  if (!existsSync(file)) return null;
  const preds = readPredictionFile(file);
  if (preds.length !== keys.length) throw new DataError(`${preds.length} predictions but ${keys.length} query ids`, { file });
  return new Map(keys.map((k, i) => [k, perQueryMetrics(preds[i])['hit@1']]));
};

/** The trace records of a run folder, in task and query order. */
export function runTraceRecords(dir: string): TraceRecord[] {
  const summary = readSummary(dir);
  const out: TraceRecord[] = [];
  for (const t of summary.tasks) {
    const traces = readTraceLines(dir, t.name);
    if (!traces) continue;
    const items = readItemsFile(dir, t.name);
    if (!items)
      throw new DataError(`the run folder has traces but no ${t.name}_items.json (made by an older version): rerun the task to export it`, {
        file: dir,
      });
    if (!items.reasoner) throw new DataError(`${t.name}: no reasoner identity recorded`, { file: join(dir, `${t.name}_items.json`) });
    if (items.prompt_version !== PROMPT_VERSION) {
      throw new DataError(
        `${t.name}: traces were made with prompt version ${items.prompt_version}, this harness renders ${PROMPT_VERSION}; export them with the harness version that made them`,
        { file: join(dir, `${t.name}_items.json`) },
      );
    }
    const keys = occurrenceKeys(items.queries.map((q) => q.id));
    const traceKeys = occurrenceKeys(traces.map((x) => x.id));
    const byKey = new Map(traceKeys.map((k, i) => [k, traces[i].trace]));
    items.queries.forEach((q, i) => {
      const trace = byKey.get(keys[i]);
      if (typeof trace !== 'string') return;
      out.push({
        schema: TRACE_SCHEMA,
        task: t.name,
        id: q.id,
        key: keys[i],
        mmeb_version: items.mmeb_version,
        reasoner: items.reasoner as { id: string; key: string },
        prompt_version: items.prompt_version,
        prompt_family: items.prompt_family,
        input: { prompt: reasoningPrompt(items.prompt_family as PromptFamily, q.text), media: q.media },
        trace,
        run: dir,
      });
    });
  }
  return out;
}

function emptyCounts(): ExportCounts {
  return { traces: 0, exported: 0, notHelped: 0, duplicates: 0, overCap: 0, missingMedia: 0 };
}

export async function exportTraces(runDirs: string[], outDir: string, opts: ExportOptions): Promise<ExportManifest> {
  if (!runDirs.length) throw new ConfigError('traces export needs at least one run folder');
  if (opts.onlyHelped && !opts.baseline)
    throw new ConfigError('--only-helped needs --baseline RUN_DIR (the no-think run to measure help against)');
  if (
    opts.maxPerTask !== undefined &&
    (!Number.isInteger(opts.maxPerTask) || opts.maxPerTask < 1 || opts.maxPerTask > MAX_TRACES_PER_TASK)
  ) {
    throw new ConfigError(`--max-per-task must be an integer from 1 to ${MAX_TRACES_PER_TASK}, got ${opts.maxPerTask}`);
  }
  const dedup = opts.dedup !== false;
  const counts = emptyCounts();
  const perTask: Record<string, ExportCounts> = {};
  const seen = new Set<string>();
  const kept: TraceRecord[] = [];
  const teachers = new Map<string, { id: string; key: string; runs: string[] }>();
  for (const dir of runDirs) {
    const records = runTraceRecords(dir);
    const baseHits = new Map<string, Map<string, number> | null>();
    const runHits = new Map<string, Map<string, number> | null>();
    for (const r of records) {
      const c = (perTask[r.task] ??= emptyCounts());
      c.traces++;
      counts.traces++;
      if (opts.onlyHelped) {
        const base = opts.baseline as string;
        if (!baseHits.has(r.task)) {
          const items = readItemsFile(base, r.task);
          if (!items)
            throw new DataError(`the baseline has no ${r.task}_items.json, so its queries cannot be paired by id`, { file: base });
          baseHits.set(r.task, hitByKey(base, r.task, occurrenceKeys(items.queries.map((q) => q.id))));
          const own = readItemsFile(dir, r.task) as NonNullable<ReturnType<typeof readItemsFile>>;
          runHits.set(r.task, hitByKey(dir, r.task, occurrenceKeys(own.queries.map((q) => q.id))));
        }
        const b = baseHits.get(r.task)?.get(r.key);
        const h = runHits.get(r.task)?.get(r.key);
        if (b === undefined || h === undefined || !(h > 0) || b > 0) {
          c.notHelped++;
          counts.notHelped++;
          continue;
        }
      }
      const sig = createHash('sha256')
        .update(JSON.stringify([r.mmeb_version, r.input.prompt, r.input.media]))
        .digest('hex');
      if (dedup && seen.has(sig)) {
        c.duplicates++;
        counts.duplicates++;
        continue;
      }
      if (opts.maxPerTask !== undefined && c.exported >= opts.maxPerTask) {
        c.overCap++;
        counts.overCap++;
        continue;
      }
      seen.add(sig);
      c.exported++;
      counts.exported++;
      kept.push(r);
      const t = teachers.get(r.reasoner.key) ?? { ...r.reasoner, runs: [] };
      if (!t.runs.includes(dir)) t.runs.push(dir);
      teachers.set(r.reasoner.key, t);
    }
  }
  const files: string[] = [];
  if (opts.format === 'jsonl') {
    writeFileAtomic(join(outDir, 'traces.jsonl'), kept.map((r) => JSON.stringify(r) + '\n').join(''));
    files.push('traces.jsonl');
  } else {
    const rows = sharegptRows(kept, outDir, opts, (task) => {
      counts.missingMedia++;
      perTask[task].missingMedia++;
      perTask[task].exported--;
      counts.exported--;
    });
    writeFileAtomic(join(outDir, 'sharegpt.json'), toJson(rows));
    writeFileAtomic(
      join(outDir, 'dataset_info.json'),
      toJson({
        tte_traces: {
          file_name: 'sharegpt.json',
          formatting: 'sharegpt',
          columns: { messages: 'messages', images: 'images', videos: 'videos' },
          tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
        },
      }),
    );
    files.push('sharegpt.json', 'dataset_info.json', 'media/');
  }
  const manifest: ExportManifest = {
    schema: 'tte-bench/trace-export@1',
    format: opts.format,
    teachers: [...teachers.values()],
    prompt_version: PROMPT_VERSION,
    filters: { only_helped: opts.onlyHelped === true, baseline: opts.baseline ?? null, max_per_task: opts.maxPerTask ?? null, dedup },
    counts: { ...counts, tasks: perTask },
    files,
  };
  writeFileAtomic(join(outDir, 'manifest.json'), toJson(manifest));
  return manifest;
}

/** ShareGPT rows with media copied (or hard-linked) into outDir/media/, named by content-free path hashes. */
function sharegptRows(records: TraceRecord[], outDir: string, opts: ExportOptions, onMissing: (task: string) => void) {
  const roots = new Map<string, DataRoot | null>();
  const rootOf = (run: string): DataRoot | null => {
    if (!roots.has(run)) roots.set(run, runDataRoot(run, opts.dataRoot));
    return roots.get(run) as DataRoot | null;
  };
  const place = (root: DataRoot, path: string): string | null => {
    if (!root.exists(path)) return null;
    const rel = `media/${createHash('sha1').update(path).digest('hex').slice(0, 24)}${extname(path).toLowerCase() || '.bin'}`;
    const dest = join(outDir, rel);
    if (!existsSync(dest)) {
      mkdirSync(dirname(dest), { recursive: true });
      const src = root.abs(path);
      if (opts.linkMedia) {
        try {
          linkSync(src, dest);
        } catch {
          copyFileSync(src, dest);
        }
      } else copyFileSync(src, dest);
    }
    return rel;
  };
  const rows: {
    messages: { role: string; content: string }[];
    images?: string[];
    videos?: string[][];
    task: string;
    id: string;
    teacher: string;
  }[] = [];
  for (const r of records) {
    const root = rootOf(r.run);
    const images: string[] = [];
    const videos: string[][] = [];
    let ok = !!root;
    for (const m of r.input.media) {
      if (!root) break;
      if (m.kind === 'image') {
        const p = place(root, m.path);
        if (p) images.push(p);
        else ok = false;
      } else if (m.kind === 'audio') {
        ok = false; // the exported chat formats carry images and videos only
      } else {
        const frames = m.paths.map((p) => place(root, p));
        if (frames.some((f) => f === null) || !frames.length) ok = false;
        else videos.push(frames as string[]);
      }
    }
    if (!ok) {
      onMissing(r.task);
      continue;
    }
    rows.push({
      messages: [
        { role: 'user', content: '<image>'.repeat(images.length) + '<video>'.repeat(videos.length) + r.input.prompt },
        { role: 'assistant', content: r.trace },
      ],
      ...(images.length ? { images } : {}),
      ...(videos.length ? { videos } : {}),
      task: r.task,
      id: r.id,
      teacher: r.reasoner.id,
    });
  }
  return rows;
}

export interface ImportOptions {
  dataRoot: string;
  hfRoot?: string;
  cacheDir: string;
}

export interface ImportResult {
  imported: number;
  alreadyCached: number;
  tasks: Record<string, number>;
}

/**
 * Seed the trace cache from traces.jsonl. Each record must name this harness's prompt version and the
 * backend's reasoner (id and cache identity); its query must exist in the data with the same prompt text.
 * Every record is checked before anything is written, so a refused file leaves the cache untouched.
 */
export async function importTraces(file: string, backendConfig: BackendConfig, opts: ImportOptions): Promise<ImportResult> {
  if (!existsSync(file)) throw new DataError('no such file', { file });
  const records = readJsonLines(file).map(({ value, line }) => ({ r: parseTraceRecord(value, file, line), line }));
  if (!backendConfig.reasoner) throw new ConfigError('the backend has no reasoner, so it never reads traces (pipeline no-think)');
  const backend = await createBackend(backendConfig);
  try {
    if (!backend.reasoner)
      throw new ConfigError(
        `pipeline ${backendConfig.pipeline} keeps no separate trace cache; traces import needs a teacher or distilled backend`,
      );
    const reasoner = reasonerIdentity(backend.reasoner.id, backendConfig.reasoner);
    for (const { r, line } of records) checkTraceIdentity(r, reasoner, file, line);
    const root = new DataRoot(opts.dataRoot);
    const format = backendConfig.embedder.textFormat ?? 'qwen2-vl';
    const groups = new Map<string, typeof records>();
    for (const x of records) {
      const g = `${x.r.task}\u0000${x.r.mmeb_version}`;
      groups.set(g, [...(groups.get(g) ?? []), x]);
    }
    const puts: { key: string; trace: string }[] = [];
    const tasks: Record<string, number> = {};
    for (const group of groups.values()) {
      const { task: name, mmeb_version: version } = group[0].r;
      const task = getTask(name, catalogFor(version as MmebVersion));
      const { evalSet } = await loadEvalSet(task, { dataRoot: root.dir, hfRoot: opts.hfRoot, version, format });
      const keys = occurrenceKeys(evalSet.queries.map((q) => q.id));
      const byKey = new Map(keys.map((k, i) => [k, evalSet.queries[i]]));
      const loader = new MediaLoader(root, evalSet);
      const family = promptFamily(task);
      for (const { r, line } of group) {
        const q = byKey.get(r.key);
        if (!q)
          throw new DataError(`${name} has no query ${JSON.stringify(r.key)} in ${resolve(opts.dataRoot)} (${version})`, {
            file,
            line,
            field: 'key',
          });
        const prompt = reasoningPrompt(family, q.text);
        if (prompt !== r.input.prompt)
          throw new DataError(`the query's prompt differs from the one the trace was made for (other data, format or prompts)`, {
            file,
            line,
            field: 'input.prompt',
          });
        const digests = mediaDigest(await loader.load(q.media));
        puts.push({ key: traceCacheKey(reasoner.key, prompt, digests, version), trace: r.trace });
        tasks[name] = (tasks[name] ?? 0) + 1;
      }
    }
    const alreadyCached = await seedTraceCache(opts.cacheDir, puts);
    return { imported: puts.length - alreadyCached, alreadyCached, tasks };
  } finally {
    await backend.close();
  }
}
