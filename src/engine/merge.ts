/**
 * `merge`: combine the result folders of a sharded run into the folder an unsharded run would have written
 * (same per-task files, byte-identical summary.json). Refuses shards of different runs, configs or
 * benchmark versions, overlapping shards, and missing tasks or task parts.
 *
 * A task split by query ranges (see shard.ts) comes back whole: its parts' predictions (and traces) are
 * concatenated in part order — the lines an unsharded run writes, since every query is ranked on its own —
 * and its scores are recomputed from the joined predictions.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { joinItemsFiles, readItemsFile, type ItemsFile } from '../report/items.js';
import { join } from 'node:path';
import { taskFile } from '../util/task-file.js';
import { DataError } from '../errors.js';
import { catalogFor, getTask } from '../catalog/load.js';
import { metricRulesFor, scorePredictions, type Prediction, type ScoreObject } from '../metrics/ranking.js';
import type { Example } from '../report/run-folder.js';
import { buildSummary, type RunSummary, type TaskCost, type TaskResult } from '../report/results.js';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../util/json.js';
import { sumPartCosts } from '../rerank/task.js';

interface Manifest {
  run_id: string;
  mmeb_version: RunSummary['mmeb_version'];
  eval_profile?: string;
  suite: string | null;
  shard: { index: number; count: number; allTasks: string[]; parts?: Record<string, { part: number; parts: number }> } | null;
  tasks: Record<string, unknown>;
  [k: string]: unknown;
}

export function mergeShards(dirs: string[], outDir: string): RunSummary {
  if (!dirs.length) throw new DataError('no shard folders given');
  const shards = dirs.map((dir) => ({
    dir,
    manifest: readJsonFile<Manifest>(join(dir, 'manifest.json')),
    summary: readJsonFile<RunSummary>(join(dir, 'summary.json')),
  }));
  const first = shards[0];
  const all = first.manifest.shard?.allTasks;
  if (!all) throw new DataError('not a shard folder (its manifest has no shard)', { file: join(first.dir, 'manifest.json') });
  const seen = new Map<string, string>();
  const split = new Map<string, (string | undefined)[]>();
  for (const s of shards) {
    const where = { file: join(s.dir, 'manifest.json') };
    if (!s.manifest.shard) throw new DataError('not a shard folder (its manifest has no shard)', where);
    if (s.manifest.run_id !== first.manifest.run_id)
      throw new DataError(`run id ${s.manifest.run_id} differs from ${first.manifest.run_id}`, where);
    if (s.manifest.mmeb_version !== first.manifest.mmeb_version) throw new DataError('benchmark version differs between shards', where);
    if ((s.manifest.eval_profile ?? 'vlm2vec') !== (first.manifest.eval_profile ?? 'vlm2vec'))
      throw new DataError('eval profile differs between shards', where);
    if (s.manifest.shard.count !== first.manifest.shard!.count || !isDeepStrictEqual(s.manifest.shard.allTasks, all)) {
      throw new DataError('shard layout differs between shards (different --shard n or task list)', where);
    }
    if (!isDeepStrictEqual(s.summary.backend, first.summary.backend)) throw new DataError('backend config differs between shards', where);
    for (const t of s.summary.tasks) {
      const part = s.manifest.shard.parts?.[t.name];
      if (part) {
        const list = split.get(t.name) ?? new Array<string | undefined>(part.parts);
        if (list.length !== part.parts)
          throw new DataError(`task ${t.name} is split ${part.parts} ways here but ${list.length} ways in another shard`, where);
        if (list[part.part])
          throw new DataError(
            `task ${t.name} part ${part.part + 1}/${part.parts} is in two shards (${list[part.part]} and ${s.dir})`,
            where,
          );
        list[part.part] = s.dir;
        split.set(t.name, list);
        if (seen.has(t.name)) throw new DataError(`task ${t.name} is in two shards (${seen.get(t.name)} and ${s.dir})`, where);
        continue;
      }
      if (seen.has(t.name) || split.has(t.name))
        throw new DataError(
          `task ${t.name} is in two shards (${seen.get(t.name) ?? split.get(t.name)?.find(Boolean)} and ${s.dir})`,
          where,
        );
      seen.set(t.name, s.dir);
    }
  }
  for (const [name, list] of split) {
    const gone = [...list.keys()].filter((i) => !list[i]);
    if (gone.length)
      throw new DataError(`shards are missing part(s) ${gone.map((i) => `${i + 1}/${list.length}`).join(', ')} of task ${name}`);
  }
  const missing = all.filter((t) => !seen.has(t) && !split.has(t));
  if (missing.length) throw new DataError(`shards are missing task(s): ${missing.join(', ')}`);
  mkdirSync(join(outDir, '.status'), { recursive: true });
  const results: TaskResult[] = [];
  const splitCosts: Record<string, Record<string, unknown>> = {};
  const splitFingerprints: Record<string, string> = {};
  for (const name of all) {
    const parts = split.get(name) as string[] | undefined;
    if (parts) {
      const r = joinParts(name, parts, outDir, first.manifest.mmeb_version);
      splitFingerprints[name] = r.fingerprint;
      results.push(r.result);
      splitCosts[name] = r.cost;
      continue;
    }
    const dir = seen.get(name) as string;
    for (const suffix of ['_score.json', '_pred.jsonl', '_traces.jsonl', '_items.json', '_examples.json', '_rerank.jsonl']) {
      if (existsSync(taskFile(dir, name, suffix))) copyFileSync(taskFile(dir, name, suffix), taskFile(outDir, name, suffix));
    }
    if (existsSync(taskFile(join(dir, '.status'), name, '.json')))
      copyFileSync(taskFile(join(dir, '.status'), name, '.json'), taskFile(join(outDir, '.status'), name, '.json'));
    const entry = shards.find((s) => s.dir === dir)!.summary.tasks.find((t) => t.name === name)!;
    results.push({
      task: getTask(name, catalogFor(first.manifest.mmeb_version)),
      scores: readJsonFile<ScoreObject>(taskFile(dir, name, '_score.json')),
      numQueries: entry.num_queries,
      numCandidates: entry.num_candidates,
    });
  }
  // thumbnails of media that exist only inside the data, written beside the items files that name them
  for (const s of shards) if (existsSync(join(s.dir, 'thumbs'))) cpSync(join(s.dir, 'thumbs'), join(outDir, 'thumbs'), { recursive: true });
  const summary = buildSummary(
    first.manifest.run_id,
    first.manifest.mmeb_version,
    first.summary.suite,
    first.summary.backend,
    results,
    [],
    first.manifest.eval_profile ?? 'vlm2vec',
  );
  writeJsonAtomic(join(outDir, 'summary.json'), summary);
  writeJsonAtomic(join(outDir, 'manifest.json'), {
    ...first.manifest,
    shard: null,
    merged_from: shards.map((s) => ({
      dir: s.dir,
      shard: s.manifest.shard,
      started_at: s.manifest.started_at,
      finished_at: s.manifest.finished_at,
    })),
    tasks: Object.fromEntries(
      all.map((name) => {
        if (!split.has(name)) return [name, shards.find((s) => s.dir === seen.get(name))!.manifest.tasks[name]];
        // a split task's entry reads like an unsharded one (its data fingerprint is the same in every part)
        const parts = (split.get(name) as string[]).map(
          (d) => shards.find((s) => s.dir === d)!.manifest.tasks[name] as { seconds?: number; reused?: boolean; data?: unknown },
        );
        return [
          name,
          {
            seconds: parts.reduce((a, p) => a + (p.seconds ?? 0), 0),
            reused: parts.every((p) => p.reused === true),
            fingerprint: splitFingerprints[name],
            data: parts[0].data,
            parts,
          },
        ];
      }),
    ),
  });
  const costs = Object.assign(
    {},
    ...shards.map((s) => (existsSync(join(s.dir, 'costs.json')) ? readJsonFile<{ tasks: object }>(join(s.dir, 'costs.json')).tasks : {})),
    splitCosts,
  );
  writeJsonAtomic(join(outDir, 'costs.json'), { run_id: first.manifest.run_id, tasks: costs });
  for (const name of all) {
    const dir = seen.get(name);
    if (dir && existsSync(taskFile(dir, name, '_examples.json')))
      copyFileSync(taskFile(dir, name, '_examples.json'), taskFile(outDir, name, '_examples.json'));
  }
  return summary;
}

interface PartStatus {
  fingerprint: string;
  num_queries: number;
  num_candidates: number;
  cost: TaskCost;
  part?: { index: number; count: number; range: [number, number]; task_fingerprint: string };
}

/** Join the parts of one split task (folders in part order) into `outDir`'s files for the whole task. */
function joinParts(
  name: string,
  dirs: string[],
  outDir: string,
  version: RunSummary['mmeb_version'],
): { result: TaskResult; cost: Record<string, unknown>; fingerprint: string } {
  const statuses = dirs.map((d) => readJsonFile<PartStatus>(taskFile(join(d, '.status'), name, '.json')));
  statuses.forEach((st, i) => {
    const where = { file: join(dirs[i], '.status', `${name}.json`) };
    if (!st.part || st.part.index !== i || st.part.count !== dirs.length)
      throw new DataError(`not part ${i + 1}/${dirs.length} of task ${name}`, where);
    if (st.part.task_fingerprint !== statuses[0].part!.task_fingerprint)
      throw new DataError(`part ${i + 1} of task ${name} was computed with other inputs than part 1`, where);
    if (i > 0 && st.part.range[0] !== statuses[i - 1].part!.range[1])
      throw new DataError(`part ${i + 1} of task ${name} does not start where part ${i} ends`, where);
  });
  const concat = (suffix: string): string | null => {
    const have = dirs.map((d) => existsSync(taskFile(d, name, suffix)));
    if (!have.some(Boolean)) return null;
    if (!have.every(Boolean))
      throw new DataError(`task ${name}: only some parts have ${name}${suffix}`, {
        file: join(dirs[have.indexOf(false)], `${name}${suffix}`),
      });
    return dirs.map((d) => readFileSync(taskFile(d, name, suffix), 'utf8')).join('');
  };
  const preds = concat('_pred.jsonl') as string;
  if (preds === null) throw new DataError(`task ${name}: its parts have no predictions`, { file: join(dirs[0], `${name}_pred.jsonl`) });
  const lines = preds.split('\n').filter((l) => l.length);
  if (lines.length !== statuses[0].num_queries)
    throw new DataError(`task ${name}: parts hold ${lines.length} predictions for ${statuses[0].num_queries} queries`);
  const scores = scorePredictions(
    lines.map((l) => JSON.parse(l) as Prediction),
    lines.length,
    metricRulesFor(version),
  );
  writeFileAtomic(taskFile(outDir, name, '_pred.jsonl'), preds);
  const traces = concat('_traces.jsonl');
  if (traces !== null) writeFileAtomic(taskFile(outDir, name, '_traces.jsonl'), traces);
  const rerank = concat('_rerank.jsonl');
  if (rerank !== null) writeFileAtomic(taskFile(outDir, name, '_rerank.jsonl'), rerank);
  const items = dirs.map((d) => readItemsFile(d, name));
  if (items.some((x) => x !== null)) {
    if (items.some((x) => x === null))
      throw new DataError(`task ${name}: only some parts have ${name}_items.json`, { file: dirs[items.indexOf(null)] });
    writeJsonAtomic(taskFile(outDir, name, '_items.json'), joinItemsFiles(items as ItemsFile[], join(dirs[0], `${name}_items.json`)));
  }
  writeJsonAtomic(taskFile(outDir, name, '_score.json'), scores, 4);
  // the best and worst three of the whole are among each part's three; a stable sort keeps query order on ties
  const ex = dirs.map((d) =>
    existsSync(taskFile(d, name, '_examples.json'))
      ? readJsonFile<{ best: Example[]; worst: Example[] }>(taskFile(d, name, '_examples.json'))
      : { best: [], worst: [] },
  );
  writeJsonAtomic(taskFile(outDir, name, '_examples.json'), {
    best: ex
      .flatMap((e) => e.best)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3),
    worst: ex
      .flatMap((e) => e.worst)
      .sort((a, b) => a.score - b.score)
      .slice(0, 3),
  });
  // nested stage costs (rerank, think) add field by field (a spread TaskCost is a plain record of its fields)
  const cost = sumPartCosts(statuses.map((st) => ({ ...st.cost })));
  writeJsonAtomic(taskFile(join(outDir, '.status'), name, '.json'), {
    fingerprint: statuses[0].part!.task_fingerprint,
    num_queries: statuses[0].num_queries,
    num_candidates: statuses[0].num_candidates,
    cost,
  });
  return {
    result: {
      task: getTask(name, catalogFor(version)),
      scores,
      numQueries: statuses[0].num_queries,
      numCandidates: statuses[0].num_candidates,
    },
    cost,
    fingerprint: statuses[0].part!.task_fingerprint,
  };
}
