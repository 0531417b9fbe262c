/**
 * What an MMEB-V3 run covers of the benchmark. A run over some groups (a text-only server over text, tool and
 * memory) is scored and rolled up per group, and the groups and tasks it did not run are named: a partial run's
 * numbers are never presented as the benchmark's, and its overall is null until every scored task is there.
 */
import { catalogFor, scoredTasks } from '../catalog/load.js';
import { AGENT_MODALITIES, type Modality, V3_MODALITIES } from '../catalog/types.js';
import { npMean } from '../metrics/numeric.js';

export interface GroupCoverage {
  /** Scored tasks of the group this run has a score for, and how many the group has. */
  tasks: number;
  of: number;
  /** ×100, mean over the tasks run; null when none ran. Over all of them only when `complete`. */
  score: number | null;
  complete: boolean;
}

export interface RunCoverage {
  /** The benchmark's scored tasks (190 for MMEB-V3) and how many this run scored. */
  benchmark_tasks: number;
  tasks_scored: number;
  groups: Record<Modality, GroupCoverage>;
  /** ×100, the mean over all the benchmark's scored tasks; null unless every one was run. */
  overall: number | null;
  not_run: {
    /** Groups with no task run. */
    groups: Modality[];
    /** Scored tasks not run, of the groups that did run some (the groups above are named whole). */
    tasks: string[];
  };
}

/** @param scores main score (fraction) per task name, of the tasks the run scored */
export function v3Coverage(scores: Map<string, number>): RunCoverage {
  const all = scoredTasks(catalogFor('v3'));
  const groups = {} as Record<Modality, GroupCoverage>;
  const missingGroups: Modality[] = [];
  const missingTasks: string[] = [];
  for (const g of V3_MODALITIES) {
    const tasks = all.filter((t) => t.modality === g);
    const present = tasks.filter((t) => scores.has(t.name));
    groups[g] = {
      tasks: present.length,
      of: tasks.length,
      score: present.length ? npMean(present.map((t) => scores.get(t.name) as number)) * 100 : null,
      complete: present.length === tasks.length,
    };
    if (!present.length) missingGroups.push(g);
    else missingTasks.push(...tasks.filter((t) => !scores.has(t.name)).map((t) => t.name));
  }
  const scored = all.filter((t) => scores.has(t.name));
  return {
    benchmark_tasks: all.length,
    tasks_scored: scored.length,
    groups,
    overall: scored.length === all.length ? npMean(all.map((t) => scores.get(t.name) as number)) * 100 : null,
    not_run: { groups: missingGroups, tasks: missingTasks },
  };
}

/**
 * One line per group: its score and how much of it ran; then agent (the tool, gui and memory tasks together, as the
 * roll-up's `agent`); then what did not run. `agent` is the roll-up's value; without it, the same mean is taken from
 * the three groups' means weighted by their tasks run.
 */
export function formatCoverage(c: RunCoverage, agent?: number | null): string {
  const line = (name: string, x: GroupCoverage) =>
    `  ${name.padEnd(7)} ${(x.score as number).toFixed(2)} (${x.tasks} of ${x.of} tasks${x.complete ? '' : ', PARTIAL'})`;
  const lines = V3_MODALITIES.filter((g) => c.groups[g].tasks).map((g) => line(g, c.groups[g]));
  const parts = AGENT_MODALITIES.map((g) => c.groups[g]);
  const ran = parts.reduce((n, x) => n + x.tasks, 0);
  if (ran) {
    const score = agent ?? parts.reduce((sum, x) => sum + (x.tasks ? (x.score as number) * x.tasks : 0), 0) / ran;
    const of = parts.reduce((n, x) => n + x.of, 0);
    lines.push(line('agent', { tasks: ran, of, score, complete: parts.every((x) => x.complete) }));
  }
  const head = `MMEB-V3: ${c.tasks_scored} of ${c.benchmark_tasks} scored tasks run; overall ${c.overall === null ? '– (not every task ran)' : c.overall.toFixed(2)}`;
  const notRun = [
    c.not_run.groups.length ? `not run: groups ${c.not_run.groups.join(', ')}` : '',
    c.not_run.tasks.length ? `not run: ${c.not_run.tasks.length} task(s) of the groups above: ${c.not_run.tasks.join(', ')}` : '',
  ].filter(Boolean);
  return [head, ...lines, ...notRun].join('\n') + '\n';
}
