/**
 * The MMEB-V3 maintainers' paper-vs-reproduction tables as a score source (VLM2Vec
 * docs/mmebv3_reproduction/paper_vs_repro/<model>/<model>_<group>_<metric>_paper_vs_repro.csv, Stars1233/VLM2Vec
 * 44f991d). One CSV per group: a `dataset` column of labels, one column `<model> (paper)` per model with the
 * paper's per-task main metric ×100 at one decimal, then reproduced columns, diffs and timings (not read).
 * Nemotron's audio table has a single `paper hit@1` column that names no model: it belongs to the model the
 * folder reproduces (the one its other tables name in their `(reproduced …)` column).
 *
 * Labels are not report names (`BRIGHT earth science`, `Tool-craft-math-algebra`, `GAE-guiact-q2s`,
 * `ViDoRe arxivqa`). A label names the task of the file's group that it matches, trying in turn the label, the
 * label without a leading `Tool-`, and the label without its first word (the text family: `BRIGHT`, `R2MED`,
 * `MultiConIR` …); each first exactly (so `R2MED Biology` is `Biology` and `BRIGHT biology` is `biology`),
 * then with case and the separators space, `_` and `-` ignored, where exactly one task matches.
 *
 * `AVG (…)` and `PAPER category avg (<model>)` rows are not tasks; they check the reading: where such a row
 * gives a model's paper average and the file has that model's value for every scored task, the mean of those
 * values must round to it (within 0.1: the paper rounds its own means of unrounded scores).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { MainMetric, Modality, TaskSpec } from '../catalog/types.js';
import { DataError } from '../errors.js';
import type { ScoreObject } from '../metrics/ranking.js';
import { npMean } from '../metrics/numeric.js';

/** Where an average row may differ from the mean of the one-decimal values it averages. */
const AVERAGE_TOLERANCE = 0.1;

const PAPER_COLUMN = /^(.+) \(paper\)$/;
const UNNAMED_PAPER_COLUMN = /^paper (hit@1|ndcg_?linear@5)$/;
const REPRODUCED_COLUMN = /^(.+?) \(reproduced\b/;
const AVERAGE_ROW = /^(AVG\b|PAPER category avg\b)/;
const NAMED_AVERAGE = /^PAPER category avg \((.+)\)$/;

export interface PaperTable {
  file: string;
  group: Modality | null;
  /** Per model, the score object of each task it has a value for (the main metric as a fraction). */
  models: Map<string, Map<string, ScoreObject>>;
  /** Labels that name no catalog task of the group. */
  extra: string[];
  /** How many average rows were checked against the per-task values. */
  checkedAverages: number;
}

/** True when a CSV's header is a per-task table (its first column `dataset`); OmniSET's `direction` tables are not. */
export function isPaperTable(file: string): boolean {
  const first = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.trim() && !l.replace(/^"/, '').startsWith('#'));
  return first?.split(',')[0] === 'dataset';
}

const loose = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, ' ');

/** The task a label names among `tasks` (one group's), or null. */
export function taskForLabel(label: string, tasks: TaskSpec[], file: string): TaskSpec | null {
  const names = (t: TaskSpec) => [t.name, ...(t.scoreKeys ?? [])];
  const forms = [label];
  if (label.startsWith('Tool-')) forms.push(label.slice('Tool-'.length));
  if (label.includes(' ')) forms.push(label.slice(label.indexOf(' ') + 1));
  for (const form of forms) {
    const exact = tasks.find((t) => names(t).includes(form));
    if (exact) return exact;
    const near = tasks.filter((t) => names(t).some((n) => loose(n) === loose(form)));
    if (near.length === 1) return near[0];
    if (near.length > 1) throw new DataError(`label '${label}' matches several tasks: ${near.map((t) => t.name).join(', ')}`, { file });
  }
  return null;
}

function groupOf(file: string, groups: Modality[]): Modality | null {
  const tokens = basename(file).split('_');
  return groups.find((g) => tokens.includes(g)) ?? null;
}

function metricOf(file: string): MainMetric | null {
  const name = basename(file);
  if (/_hit@1_/.test(name)) return 'hit@1';
  if (/_ndcg_?linear@5_/.test(name)) return 'ndcg_linear@5';
  return null;
}

function readRows(file: string): string[][] {
  let rows: string[][];
  try {
    rows = parseCsv(readFileSync(file, 'utf8'), { relaxColumnCount: true, skipEmptyLines: true }) as string[][];
  } catch (err) {
    throw new DataError(`not a readable CSV: ${(err as Error).message}`, { file });
  }
  // a leading "# …" line is a note, not the header
  return rows.filter((r) => !(r[0] ?? '').startsWith('#'));
}

/** The model a folder reproduces: the one its tables name in a `<model> (reproduced…)` column. */
function reproducedModel(dir: string): string | null {
  const models = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
    const header = readRows(join(dir, f))[0] ?? [];
    for (const c of header) {
      const m = REPRODUCED_COLUMN.exec(c);
      if (m) models.add(m[1]);
    }
  }
  return models.size === 1 ? [...models][0] : null;
}

/** Read one table. `tasks` is the catalog (every group); `groups` the benchmark's groups. */
export function readPaperTable(file: string, tasks: TaskSpec[], groups: Modality[]): PaperTable {
  const rows = readRows(file);
  const header = rows[0];
  if (header?.[0] !== 'dataset') throw new DataError("not a per-task table: the first column is not 'dataset'", { file });
  const group = groupOf(file, groups);
  const candidates = group ? tasks.filter((t) => t.modality === group) : tasks;
  const fileMetric = metricOf(file);
  const columns: { index: number; model: string }[] = [];
  header.forEach((c, index) => {
    const named = PAPER_COLUMN.exec(c);
    if (named) columns.push({ index, model: named[1] });
    else if (UNNAMED_PAPER_COLUMN.test(c)) {
      const model = reproducedModel(dirname(file));
      if (!model)
        throw new DataError(`column '${c}' names no model, and the folder's other tables do not name the one model they reproduce`, {
          file,
          field: c,
        });
      columns.push({ index, model });
    }
  });
  if (!columns.length) throw new DataError("no '<model> (paper)' column", { file });
  const models = new Map(columns.map((c) => [c.model, new Map<string, ScoreObject>()]));
  const values = new Map(columns.map((c) => [c.model, [] as number[]]));
  const extra: string[] = [];
  const averages: { row: number; model: string; value: number }[] = [];
  const scoredRows = new Set<string>();
  const cell = (r: string[], i: number, row: number): number | null => {
    const s = (r[i] ?? '').trim();
    if (!s) return null;
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      throw new DataError(`'${s}' is not a score in 0–100`, { file, row, field: header[i] });
    }
    return v;
  };
  rows.slice(1).forEach((r, i) => {
    const row = i + 1;
    const label = (r[0] ?? '').trim();
    if (AVERAGE_ROW.test(label)) {
      const named = NAMED_AVERAGE.exec(label);
      if (named) {
        // the paper's own average for one model, in whichever column the table put it
        const filled = r.slice(1).flatMap((_, j) => {
          const v = cell(r, j + 1, row);
          return v === null ? [] : [v];
        });
        if (filled.length === 1 && models.has(named[1])) averages.push({ row, model: named[1], value: filled[0] });
      } else {
        for (const c of columns) {
          const v = cell(r, c.index, row);
          if (v !== null) averages.push({ row, model: c.model, value: v });
        }
      }
      return;
    }
    const task = taskForLabel(label, candidates, file);
    if (!task) {
      if (columns.some((c) => cell(r, c.index, row) !== null)) extra.push(label);
      return;
    }
    if (fileMetric && task.metric !== fileMetric) {
      throw new DataError(`the table holds ${fileMetric} but ${task.name}'s main metric is ${task.metric}`, { file, row });
    }
    if (task.scored) scoredRows.add(task.name);
    for (const c of columns) {
      const v = cell(r, c.index, row);
      if (v === null) continue;
      const scores = models.get(c.model)!;
      if (scores.has(task.name)) throw new DataError(`two rows name task ${task.name}`, { file, row });
      scores.set(task.name, { [task.metric]: v / 100 });
      if (task.scored) values.get(c.model)!.push(v);
    }
  });
  let checkedAverages = 0;
  for (const a of averages) {
    const have = values.get(a.model)!;
    // an average over tasks some of which this table lacks (Nemotron's A-OKVQA) cannot be checked here
    if (!have.length || have.length !== scoredRows.size) continue;
    const mean = npMean(have);
    if (Math.abs(mean - a.value) > AVERAGE_TOLERANCE + 1e-9) {
      throw new DataError(
        `the average row gives ${a.value} for ${a.model}, but its ${have.length} task values average ${mean.toFixed(3)}`,
        { file, row: a.row },
      );
    }
    checkedAverages++;
  }
  for (const [model, scores] of models) if (!scores.size) models.delete(model);
  return { file, group, models, extra, checkedAverages };
}

/** A CSV file, or every per-task CSV of a folder (sorted by name). */
export function paperTableFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => join(path, f))
    .filter(isPaperTable);
}
