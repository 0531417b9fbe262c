/**
 * `merge`: combine the result folders of a sharded run into the folder an unsharded run would have written
 * (same per-task files, byte-identical summary.json). Refuses shards of different runs, configs or
 * benchmark versions, overlapping shards, and missing tasks.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import type { BackendConfig } from '../backends/config.js';
import { getTask } from '../catalog/load.js';
import type { ScoreObject } from '../metrics/ranking.js';
import { buildSummary, type RunSummary, type TaskResult } from '../report/results.js';
import { readJsonFile, writeJsonAtomic } from '../util/json.js';

interface Manifest {
  run_id: string;
  mmeb_version: RunSummary['mmeb_version'];
  suite: string | null;
  shard: { index: number; count: number; allTasks: string[] } | null;
  tasks: Record<string, unknown>;
  [k: string]: unknown;
}

export function mergeShards(dirs: string[], outDir: string): RunSummary {
  if (!dirs.length) throw new DataError('no shard folders given');
  const shards = dirs.map((dir) => ({ dir, manifest: readJsonFile<Manifest>(join(dir, 'manifest.json')), summary: readJsonFile<RunSummary>(join(dir, 'summary.json')) }));
  const first = shards[0];
  const all = first.manifest.shard?.allTasks;
  if (!all) throw new DataError('not a shard folder (its manifest has no shard)', { file: join(first.dir, 'manifest.json') });
  const seen = new Map<string, string>();
  for (const s of shards) {
    const where = { file: join(s.dir, 'manifest.json') };
    if (!s.manifest.shard) throw new DataError('not a shard folder (its manifest has no shard)', where);
    if (s.manifest.run_id !== first.manifest.run_id) throw new DataError(`run id ${s.manifest.run_id} differs from ${first.manifest.run_id}`, where);
    if (s.manifest.mmeb_version !== first.manifest.mmeb_version) throw new DataError('benchmark version differs between shards', where);
    if (s.manifest.shard.count !== first.manifest.shard!.count || !isDeepStrictEqual(s.manifest.shard.allTasks, all)) {
      throw new DataError('shard layout differs between shards (different --shard n or task list)', where);
    }
    if (!isDeepStrictEqual(s.summary.backend, first.summary.backend)) throw new DataError('backend config differs between shards', where);
    for (const t of s.summary.tasks) {
      if (seen.has(t.name)) throw new DataError(`task ${t.name} is in two shards (${seen.get(t.name)} and ${s.dir})`, where);
      seen.set(t.name, s.dir);
    }
  }
  const missing = all.filter((t) => !seen.has(t));
  if (missing.length) throw new DataError(`shards are missing task(s): ${missing.join(', ')}`);
  mkdirSync(join(outDir, '.status'), { recursive: true });
  const results: TaskResult[] = [];
  for (const name of all) {
    const dir = seen.get(name) as string;
    for (const suffix of ['_score.json', '_pred.jsonl', '_traces.jsonl', '_rerank.jsonl']) {
      if (existsSync(join(dir, `${name}${suffix}`))) copyFileSync(join(dir, `${name}${suffix}`), join(outDir, `${name}${suffix}`));
    }
    if (existsSync(join(dir, '.status', `${name}.json`))) copyFileSync(join(dir, '.status', `${name}.json`), join(outDir, '.status', `${name}.json`));
    const entry = shards.find((s) => s.dir === dir)!.summary.tasks.find((t) => t.name === name)!;
    results.push({ task: getTask(name), scores: readJsonFile<ScoreObject>(join(dir, `${name}_score.json`)), numQueries: entry.num_queries, numCandidates: entry.num_candidates });
  }
  const summary = buildSummary(first.manifest.run_id, first.manifest.mmeb_version, first.summary.suite, first.summary.backend as unknown as BackendConfig, results);
  writeJsonAtomic(join(outDir, 'summary.json'), summary);
  writeJsonAtomic(join(outDir, 'manifest.json'), {
    ...first.manifest,
    shard: null,
    merged_from: shards.map((s) => ({ dir: s.dir, shard: s.manifest.shard, started_at: s.manifest.started_at, finished_at: s.manifest.finished_at })),
    tasks: Object.assign({}, ...shards.map((s) => s.manifest.tasks)),
  });
  const costs = Object.assign({}, ...shards.map((s) => (existsSync(join(s.dir, 'costs.json')) ? readJsonFile<{ tasks: object }>(join(s.dir, 'costs.json')).tasks : {})));
  writeJsonAtomic(join(outDir, 'costs.json'), { run_id: first.manifest.run_id, tasks: costs });
  for (const name of all) {
    const dir = seen.get(name) as string;
    if (existsSync(join(dir, `${name}_examples.json`))) copyFileSync(join(dir, `${name}_examples.json`), join(outDir, `${name}_examples.json`));
  }
  return summary;
}
