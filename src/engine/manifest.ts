/**
 * A run folder's run-level files. summary.json is deterministic (the contract the reports read); costs.json
 * varies with the cache state, so it lives beside the summary, not in it; manifest.json records how the run
 * was made — timestamps, harness, settings, shard, failures and each task's timing and fingerprint.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalProfileName } from '../catalog/profiles.js';
import type { AudioPrepOptions } from '../media/audio-prepare.js';
import type { MmebVersion } from '../catalog/types.js';
import type { TextFormat } from '../items/types.js';
import type { RunSummary, TaskCost } from '../report/results.js';
import type { PipelineStats } from '../tte/pipeline.js';
import { toJson, writeFileAtomic, writeJsonAtomic } from '../util/json.js';
import { packageVersion } from '../util/package-root.js';
import type { ShardSource } from './shard.js';

/** How one task went in this run (manifest.json `tasks`): its timing, then its fingerprint entry. */
export interface TaskTiming {
  seconds: number;
  reused: boolean;
  stats: PipelineStats | null;
}

export interface RunManifestInput {
  runId: string;
  started: Date;
  version: MmebVersion;
  profile: EvalProfileName;
  dataRoot: string;
  format: TextFormat;
  predK: number;
  cacheDir: string | null;
  thinkTargets: boolean;
  /** Audio preparation options, when not the collator's defaults. */
  audio?: AudioPrepOptions;
  shard?: { index: number; count: number; allTasks: string[]; source?: ShardSource };
  parts?: Record<string, { part: number; parts: number }>;
  failures: { task: string; error: string }[];
  suite: string | null;
  backend: RunSummary['backend'];
  /** Task names in run order; a task that failed has no timing (and a fingerprint only if it got that far). */
  tasks: string[];
  timings: Record<string, TaskTiming>;
  fingerprints: Record<string, object>;
}

/** writeJsonAtomic, skipped when the file already holds exactly this (a resumed run: no fsync, no rename). */
function writeJsonIfChanged(path: string, value: unknown): void {
  const text = toJson(value);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileAtomic(path, text);
}

export function writeSummary(outDir: string, summary: RunSummary): void {
  writeJsonIfChanged(join(outDir, 'summary.json'), summary);
}

export function writeCosts(outDir: string, runId: string, costs: Record<string, TaskCost>): void {
  writeJsonIfChanged(join(outDir, 'costs.json'), { run_id: runId, tasks: costs });
}

export function writeManifest(outDir: string, m: RunManifestInput): void {
  writeJsonAtomic(join(outDir, 'manifest.json'), {
    run_id: m.runId,
    started_at: m.started.toISOString(),
    finished_at: new Date().toISOString(),
    harness: { name: 'tte-bench', version: packageVersion(), node: process.version },
    mmeb_version: m.version,
    eval_profile: m.profile,
    data_root: m.dataRoot,
    text_format: m.format,
    pred_k: m.predK,
    cache_dir: m.cacheDir,
    think_targets: m.thinkTargets,
    ...(m.audio && Object.keys(m.audio).length ? { audio: { max_seconds: m.audio.maxSeconds ?? null, crop: m.audio.crop ?? 'head' } } : {}),
    shard: m.shard ? { ...m.shard, parts: m.parts ?? {} } : null,
    failures: m.failures,
    suite: m.suite,
    backend: m.backend,
    tasks: Object.fromEntries(m.tasks.map((t) => [t, { ...m.timings[t], ...m.fingerprints[t] }])),
  });
}
