/**
 * `tte-bench rerank`: rerank an existing run's predictions without embedding anything again. The source is
 * a tte-bench run folder (summary.json; its manifest names the data root, version and text format) or a
 * folder of VLM2Vec / Qwen3-VL-Embedding `{task}_pred.jsonl` files (then --data-root and --mmeb-version
 * say which EvalSets they were computed on). Each task's EvalSet is rebuilt from the data root, every pred
 * line is checked against its query's gold labels (a pred file from other data is refused, not silently
 * reranked), and the output is a normal run folder — scores, preds, summary, costs, manifest, report — that
 * `compare`, `leaderboard` and the regression gate take. Tasks already reranked with the same inputs are
 * reused, and every pair score goes through the rerank cache, so a killed rerank resumes without asking for
 * any pair twice.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { taskFile } from '../util/task-file.js';
import { performance } from 'node:perf_hooks';
import type { BackendConfig } from '../backends/config.js';
import { loadCatalog, scoreKeyIndex, getTask } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION, type MmebVersion, type TaskSpec } from '../catalog/types.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../items/data-root.js';
import type { EvalSet, TextFormat } from '../items/types.js';
import { ConfigError, DataError } from '../errors.js';
import { defaultCacheDir } from '../tte/cache.js';
import { dataFingerprint, hashJson } from '../util/fingerprint.js';
import { MediaLoader } from '../tte/media.js';
import { examples, taskCost, type TaskCost } from './run.js';
import { readPredictionFile } from '../metrics/pred-file.js';
import { metricRulesFor, scorePredictions, type Prediction, type ScoreObject } from '../metrics/ranking.js';
import type { PriceTable } from '../report/costs.js';
import { type BackendIdentity, buildSummary, type RunSummary, type TaskResult } from '../report/results.js';
import { readCosts } from '../report/run-folder.js';
import { validateSummary } from '../report/summary-schema.js';
import { writeReports } from '../report/write.js';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../util/json.js';
import { packageVersion } from '../util/package-root.js';
import { RerankCache } from '../rerank/cache.js';
import { createReranker } from '../rerank/registry.js';
import { rerankTask } from '../rerank/task.js';
import { RERANK_PROMPT_VERSION } from '../rerank/prompts.js';

/** The deepest a finished run's predictions are reranked (`--depth`, `rerankDepth`). */
export const MAX_RERANK_DEPTH = 1000;

export interface RerankRunOptions {
  runDir: string;
  /** A backend config with a reranker; its rerankDepth is replaced by `depth` when given. */
  backend: BackendConfig;
  depth?: number;
  outDir: string;
  reportDir?: string;
  runId?: string;
  /** Required for a folder of pred files; for a tte-bench run folder, default: the data root its manifest names. */
  dataRoot?: string;
  hfRoot?: string;
  version?: MmebVersion;
  /** Only these tasks of the source. */
  tasks?: string[];
  cacheDir?: string | null;
  prices?: PriceTable;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RerankRunResult {
  summary: RunSummary;
  outDir: string;
  reportDir?: string;
  reused: string[];
}

interface Source {
  kind: 'tte-bench' | 'pred-files';
  tasks: TaskSpec[];
  predFile: (task: string) => string;
  version: MmebVersion;
  dataRoot: string;
  format: TextFormat;
  suite: string | null;
  backend: RunSummary['backend'] | null;
  costs: Record<string, TaskCost>;
}

function readSource(o: RerankRunOptions): Source {
  const dir = o.runDir;
  if (!existsSync(dir)) throw new DataError('no such folder', { file: dir });
  const catalog = loadCatalog();
  if (existsSync(join(dir, 'summary.json'))) {
    const summary = validateSummary(readJsonFile(join(dir, 'summary.json')), join(dir, 'summary.json'));
    const manifest = existsSync(join(dir, 'manifest.json'))
      ? readJsonFile<{ data_root?: string; text_format?: TextFormat }>(join(dir, 'manifest.json'))
      : {};
    const dataRoot = o.dataRoot ?? manifest.data_root;
    if (!dataRoot) throw new ConfigError('the run folder has no manifest naming its data root: pass --data-root', { file: dir });
    if (o.version && o.version !== summary.mmeb_version)
      throw new ConfigError(`the run was computed on ${summary.mmeb_version}, not ${o.version}`, { file: join(dir, 'summary.json') });
    return {
      kind: 'tte-bench',
      tasks: summary.tasks.map((t) => getTask(t.name, catalog)),
      predFile: (t) => taskFile(dir, t, '_pred.jsonl'),
      version: summary.mmeb_version,
      dataRoot,
      format: manifest.text_format ?? 'qwen2-vl',
      suite: summary.suite,
      backend: summary.backend,
      costs: readCosts(dir),
    };
  }
  if (!o.dataRoot) throw new ConfigError('a folder of pred files needs --data-root (the data its EvalSets were built from)', { file: dir });
  const keys = scoreKeyIndex(catalog);
  const files = new Map<string, string>();
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('_pred.jsonl'))
    .sort()) {
    const key = f.slice(0, -'_pred.jsonl'.length);
    const name = keys.get(key);
    if (name) files.set(name, join(dir, f));
  }
  if (!files.size) throw new DataError('no {task}_pred.jsonl file naming a catalog task', { file: dir });
  return {
    kind: 'pred-files',
    tasks: [...files.keys()].map((n) => getTask(n, catalog)),
    predFile: (t) => files.get(t) as string,
    version: o.version ?? DEFAULT_MMEB_VERSION,
    dataRoot: o.dataRoot,
    format: 'qwen2-vl',
    suite: null,
    backend: null,
    costs: {},
  };
}

/** Each pred line must belong to its query: its labels are that query's gold ids. */
function checkAgainstEvalSet(preds: Prediction[], evalSet: EvalSet, file: string): void {
  if (preds.length !== evalSet.queries.length) {
    throw new DataError(
      `has ${preds.length} line(s) but ${evalSet.task.name} has ${evalSet.queries.length} queries on this data root and version`,
      { file },
    );
  }
  preds.forEach((p, i) => {
    const gold = new Set(evalSet.queries[i].gold);
    const labels = Array.isArray(p.label) ? p.label : [p.label];
    const stray = labels.find((l) => !gold.has(l));
    if (stray !== undefined)
      throw new DataError(`label '${stray}' is not a gold id of query ${i} — the predictions were not computed on this EvalSet`, {
        file,
        line: i + 1,
        field: 'label',
      });
  });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

export async function rerankRun(o: RerankRunOptions): Promise<RerankRunResult> {
  const log = o.log ?? (() => {});
  if (!o.backend.reranker) throw new ConfigError('the backend config has no "reranker"', { field: 'reranker' });
  const depth = o.depth ?? o.backend.rerankDepth;
  if (!depth || !Number.isInteger(depth) || depth < 1 || depth > MAX_RERANK_DEPTH)
    throw new ConfigError(`rerank depth must be an integer from 1 to ${MAX_RERANK_DEPTH} (--depth or rerankDepth)`, { field: 'depth' });
  const src = readSource(o);
  const tasks = o.tasks
    ? o.tasks.map(
        (n) =>
          src.tasks.find((t) => t.name === n) ??
          (() => {
            throw new ConfigError(`task ${n} is not in ${o.runDir}`);
          })(),
      )
    : src.tasks;
  const rerankCfg = o.backend.reranker;
  // what the summary records: the source run's models (an external pred file names its folder) and this reranker
  const backend: BackendIdentity & Pick<BackendConfig, 'reranker' | 'rerankDepth'> = {
    name: o.backend.name,
    pipeline: src.backend?.pipeline ?? 'no-think',
    embedder: src.backend?.embedder ?? { type: 'external', source: basename(o.runDir) },
    reasoner: src.backend?.reasoner ?? null,
    reranker: rerankCfg,
    rerankDepth: depth,
  };
  const reranker = createReranker(rerankCfg);
  const cacheDir = o.cacheDir === null ? null : (o.cacheDir ?? defaultCacheDir());
  const cache = cacheDir ? new RerankCache(cacheDir) : null;
  const root = new DataRoot(src.dataRoot);
  const runId = o.runId ?? `${basename(o.runDir)}-rerank${depth}`;
  const results: TaskResult[] = [];
  const costs: Record<string, TaskCost> = {};
  const reused: string[] = [];
  const fingerprints: Record<string, unknown> = {};
  const started = new Date();
  try {
    for (const [n, task] of tasks.entries()) {
      o.signal?.throwIfAborted();
      const t0 = performance.now();
      const predFile = src.predFile(task.name);
      if (!existsSync(predFile)) throw new DataError('missing', { file: predFile, task: task.name });
      const { evalSet } = await loadEvalSet(task, { dataRoot: root.dir, hfRoot: o.hfRoot, version: src.version, format: src.format });
      const fingerprint = hashJson({
        source: sha256(predFile),
        reranker: rerankCfg,
        depth,
        task,
        version: src.version,
        prompts: RERANK_PROMPT_VERSION,
        data: dataFingerprint(evalSet.dataFiles),
        harness: packageVersion(),
      });
      fingerprints[task.name] = { fingerprint, source: predFile };
      const statusFile = taskFile(join(o.outDir, '.status'), task.name, '.json');
      const scoreFile = taskFile(o.outDir, task.name, '_score.json');
      const outPred = taskFile(o.outDir, task.name, '_pred.jsonl');
      let scores: ScoreObject;
      const status = existsSync(statusFile) ? readJsonFile<{ fingerprint: string; cost: TaskCost }>(statusFile) : null;
      if (status?.fingerprint === fingerprint && existsSync(scoreFile) && existsSync(outPred)) {
        scores = readJsonFile<ScoreObject>(scoreFile);
        costs[task.name] = status.cost;
        reused.push(task.name);
      } else {
        const preds = readPredictionFile(predFile);
        checkAgainstEvalSet(preds, evalSet, predFile);
        // Qwen3-VL-Embedding's reranked pred files keep only the top K; a pred line is taken as it stands
        const r = await rerankTask(evalSet, preds, reranker, {
          backend,
          outDir: o.outDir,
          media: new MediaLoader(root, evalSet),
          cache,
          version: src.version,
          signal: o.signal,
        });
        scores = scorePredictions(r.preds, r.preds.length, metricRulesFor(src.version));
        writeFileAtomic(outPred, r.preds.map((p) => JSON.stringify(p) + '\n').join(''));
        writeJsonAtomic(scoreFile, scores, 4);
        writeJsonAtomic(taskFile(o.outDir, task.name, '_examples.json'), examples(evalSet, r.preds, []));
        // the source run's costs (what retrieval cost) plus this stage's
        const base = src.costs[task.name] ?? taskCost(null, 0);
        costs[task.name] = { ...base, wall_seconds: base.wall_seconds + (performance.now() - t0) / 1000, rerank: r.cost };
        writeJsonAtomic(statusFile, { fingerprint, cost: costs[task.name] });
      }
      results.push({ task, scores, numQueries: evalSet.queries.length, numCandidates: evalSet.candidates.length });
      log(
        `[${n + 1}/${tasks.length}] ${task.name}: ${task.metric} ${(scores[task.metric] * 100).toFixed(2)} after reranking the top ${depth}${reused.includes(task.name) ? ' (reused)' : ''}`,
      );
    }
  } finally {
    await reranker.close?.();
  }
  const summary = validateSummary(buildSummary(runId, src.version, src.suite, backend, results));
  writeJsonAtomic(join(o.outDir, 'summary.json'), summary);
  writeJsonAtomic(join(o.outDir, 'costs.json'), { run_id: runId, tasks: costs });
  writeJsonAtomic(join(o.outDir, 'manifest.json'), {
    run_id: runId,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    harness: { name: 'tte-bench', version: packageVersion(), node: process.version },
    mmeb_version: src.version,
    data_root: root.dir,
    text_format: src.format,
    cache_dir: cacheDir,
    rerank: { source: o.runDir, source_kind: src.kind, depth, reranker: summary.backend.reranker ?? null },
    shard: null,
    failures: [],
    suite: src.suite,
    backend: summary.backend,
    tasks: fingerprints,
  });
  if (o.reportDir) await writeReports(o.outDir, o.reportDir, { prices: o.prices });
  return { summary, outDir: o.outDir, reportDir: o.reportDir, reused };
}
