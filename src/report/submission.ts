/**
 * Export a run folder as the per-model score report VLM2Vec's `experiments/report_score_v2.py` writes —
 * the file the MMEB leaderboard takes (`{metadata, metrics: {image|video|visdoc: {task: score object}}}`,
 * as in VLM2Vec's `experiments/public/all_scores/<version>/<model>.json`). The text is what Python's
 * `json.dump(report, f, indent=4)` writes: 4-space indent, no trailing newline, floats in Python's repr
 * (`1.0`, `5e-05`), non-ASCII escaped. Tasks the run lacks get report_score_v2.py's status strings
 * ("FILE_N/A"; "DIR_N/A" for a modality the run has no task of) and only with `allowPartial`.
 */
import { taskFile } from '../util/task-file.js';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { catalogFor, scoredTasks } from '../catalog/load.js';
import { benchmarkOf, modalitiesOf, type MmebVersion, type Modality } from '../catalog/types.js';
import { ConfigError, DataError } from '../errors.js';
import type { ScoreObject } from '../metrics/ranking.js';
import { readJsonFile, writeFileAtomic } from '../util/json.js';
import { describePartial, PARTIAL_LEAD, partialTask } from './partial-tasks.js';
import { readSummary } from './run-folder.js';
import type { ReportStatus } from './score-files.js';

/** report_score_v2.py's metadata fields, in its order, then the date it stamps. */
export interface SubmissionMetadata {
  model_name: string;
  model_backbone: string | null;
  /** Parameters in billions (e.g. 2.21). */
  model_size: number | null;
  embedding_dimension: number | null;
  max_length_tokens: number | null;
  /** YYYY-MM-DD. */
  model_release_date: string | null;
  data_source: string;
  url: string | null;
  /** report_score_v3.py's metadata adds a contact (MMEB-V3 reports only). */
  contact?: string | null;
  /** Python's datetime.isoformat() of the export time (microseconds, no zone; UTC here). */
  report_generated_date: string;
}

export interface SubmissionReport {
  metadata: SubmissionMetadata;
  /** The benchmark's groups only (MMEB-V2's three, MMEB-V3's eight). */
  metrics: Record<Modality, Record<string, ScoreObject | ReportStatus>>;
}

/**
 * The visdoc keys report_score_v3.py renames in its output (`{k}-fixed`, its "temp fix"; VLM2Vec
 * experiments/report_score_v3.py, Stars1233/VLM2Vec 44f991d). Readers map them back through the catalog's scoreKeys.
 */
const V3_FIXED_KEYS = ['MMLongBench-page', 'ViDoSeek-page'];

export interface SubmissionOptions {
  /** model_name (also the file name report_score_v2.py would choose: <model_name>.json). */
  model: string;
  backbone?: string;
  sizeB?: number;
  embeddingDimension?: number;
  maxLengthTokens?: number;
  releaseDate?: string;
  dataSource?: string;
  url?: string;
  /** metadata.contact (MMEB-V3 reports only). */
  contact?: string;
  /**
   * Which benchmark's report (default: the run's own version). 'v3' writes report_score_v3.py's: eight groups,
   * the page tasks under their -fixed keys, and (exportSubmission) the <out>/<group>/<task>_score.json layout.
   */
  version?: MmebVersion;
  /** Write status strings for the scored tasks the run lacks instead of refusing. */
  allowPartial?: boolean;
  /** The export time (default now). */
  generatedAt?: Date;
}

/** Python's `datetime.isoformat()` for a naive timestamp, from a Date read in UTC. */
export function pythonIsoformat(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

function checkMetadata(opts: SubmissionOptions): void {
  if (!opts.model.trim()) throw new ConfigError('--model must name the model');
  if (opts.releaseDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.releaseDate)) {
    throw new ConfigError(`release date '${opts.releaseDate}' is not YYYY-MM-DD`);
  }
  if (opts.sizeB !== undefined && !(opts.sizeB > 0 && opts.sizeB < 100_000))
    throw new ConfigError(`model size ${opts.sizeB} B is out of range (0, 100000)`);
  for (const [name, v] of [
    ['embedding dimension', opts.embeddingDimension],
    ['max length', opts.maxLengthTokens],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 10_000_000))
      throw new ConfigError(`${name} ${v} must be an integer in [1, 10000000]`);
  }
}

/**
 * Build the report from a tte-bench run folder: every scored task in the leaderboard's order (the catalog's,
 * which is report_score_v2.py's `modality2dataset` order and the published files'), with the full score object
 * of `{task}_score.json`. Returns the scored tasks the run lacks.
 */
export function buildSubmission(
  runDir: string,
  opts: SubmissionOptions,
): { report: SubmissionReport; missing: string[]; partial: string[] } {
  checkMetadata(opts);
  const summary = readSummary(runDir);
  const version = opts.version ?? summary.mmeb_version;
  const v3 = benchmarkOf(version) === 'MMEB-V3';
  if (v3 && benchmarkOf(summary.mmeb_version) !== 'MMEB-V3') {
    throw new ConfigError(`the run is ${summary.mmeb_version}, not MMEB-V3: its scores cannot make an MMEB-V3 report`, { file: runDir });
  }
  const groups = modalitiesOf(version);
  const inRun = new Set(summary.tasks.map((t) => t.name));
  const tasks = scoredTasks(catalogFor(version));
  const missing = tasks.filter((t) => !inRun.has(t.name)).map((t) => t.name);
  if (missing.length && !opts.allowPartial) {
    throw new ConfigError(
      `run has ${tasks.length - missing.length} of the ${tasks.length} scored tasks (missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); ` +
        'a leaderboard submission needs all of them (--allow-partial writes FILE_N/A entries, as report_score_v2.py does)',
      { file: runDir },
    );
  }
  const metrics = Object.fromEntries(groups.map((m) => [m, {}])) as SubmissionReport['metrics'];
  // a task scored on fewer (or other) queries than the run's benchmark version has, e.g. one shard's folder
  const partial: string[] = [];
  for (const m of groups) {
    const ofModality = tasks.filter((t) => t.modality === m);
    const dirMissing = !ofModality.some((t) => inRun.has(t.name));
    const out = metrics[m];
    for (const t of ofModality) {
      const key = v3 && V3_FIXED_KEYS.includes(t.name) ? `${t.name}-fixed` : t.name;
      if (!inRun.has(t.name)) {
        out[key] = dirMissing ? 'DIR_N/A' : 'FILE_N/A';
        continue;
      }
      const file = taskFile(runDir, t.name, '_score.json');
      const scores = readJsonFile<ScoreObject>(file);
      if (!scores || typeof scores !== 'object' || typeof scores[t.metric] !== 'number') {
        throw new DataError(`score file has no numeric '${t.metric}'`, { file, task: t.name });
      }
      const p = partialTask(t, scores, summary.mmeb_version);
      if (p) partial.push(describePartial(p));
      out[key] = scores;
    }
  }
  if (partial.length && !opts.allowPartial) {
    throw new DataError(
      `${PARTIAL_LEAD}: ${partial.join(', ')}; a leaderboard submission needs whole tasks (--allow-partial writes them as they are)`,
      { file: runDir },
    );
  }
  const report: SubmissionReport = {
    metadata: {
      model_name: opts.model,
      model_backbone: opts.backbone ?? null,
      model_size: opts.sizeB ?? null,
      embedding_dimension: opts.embeddingDimension ?? null,
      max_length_tokens: opts.maxLengthTokens ?? null,
      model_release_date: opts.releaseDate ?? null,
      data_source: opts.dataSource ?? 'Self-Reported',
      url: opts.url ?? null,
      ...(v3 ? { contact: opts.contact ?? null } : {}),
      report_generated_date: pythonIsoformat(opts.generatedAt ?? new Date()),
    },
    metrics,
  };
  return { report, missing, partial };
}

/**
 * Write the report atomically; returns the scored tasks written as missing. MMEB-V2: `out` is the report file.
 * MMEB-V3: `out` is the experiment folder report_score_v3.py reads and writes — each score file copied to
 * `<out>/<group>/<task>_score.json`, the report to `<out>/<model>.json`.
 */
export function exportSubmission(
  runDir: string,
  opts: SubmissionOptions & { out: string },
): { file: string; missing: string[]; partial: string[] } {
  const { report, missing, partial } = buildSubmission(runDir, opts);
  if (!('audio' in report.metrics)) {
    writeFileAtomic(opts.out, pythonJson(report));
    return { file: opts.out, missing, partial };
  }
  for (const t of scoredTasks(catalogFor('v3'))) {
    if (missing.includes(t.name)) continue;
    mkdirSync(join(opts.out, t.modality), { recursive: true });
    copyFileSync(taskFile(runDir, t.name, '_score.json'), taskFile(join(opts.out, t.modality), t.name, '_score.json'));
  }
  // report_score_v3.py names the report after metadata.model_name
  const file = taskFile(opts.out, opts.model, '.json');
  writeFileAtomic(file, pythonJson(report));
  return { file, missing, partial };
}

/** Keys Python holds as int in these reports (len() results and integer metadata); every other number is a float. */
const INT_KEYS = new Set(['num_pred', 'num_data', 'embedding_dimension', 'max_length_tokens']);

/** Python's repr of a float: shortest round-trip digits; fixed notation for exponents -4..15, else d.ddde±XX. */
export function pythonFloat(v: number): string {
  if (!Number.isFinite(v)) throw new DataError(`cannot write ${v} as JSON`);
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const [mant, e] = Math.abs(v).toExponential().split('e');
  const exp = Number(e);
  const digits = mant.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
  }
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python's json string escaping with ensure_ascii=True. */
function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `json.dumps(value, indent)` as Python writes it, for JSON values whose numbers are floats except under
 * INT_KEYS (Python keeps the int/float distinction that JSON.parse loses).
 */
export function pythonJson(value: unknown, indent = 4): string {
  const write = (v: unknown, key: string | null, depth: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (key !== null && INT_KEYS.has(key)) {
        if (!Number.isInteger(v)) throw new DataError(`'${key}' must be an integer, got ${v}`);
        return String(v);
      }
      return pythonFloat(v);
    }
    if (typeof v === 'string') return pythonString(v);
    const pad = ' '.repeat(indent * (depth + 1));
    const end = ' '.repeat(indent * depth);
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return `[\n${v.map((x) => pad + write(x, null, depth + 1)).join(',\n')}\n${end}]`;
    }
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      if (!entries.length) return '{}';
      return `{\n${entries.map(([k, x]) => `${pad}${pythonString(k)}: ${write(x, k, depth + 1)}`).join(',\n')}\n${end}}`;
    }
    throw new DataError(`cannot write a ${typeof v} as JSON`);
  };
  return write(value, null, 0);
}
