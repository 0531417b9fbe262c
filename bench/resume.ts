/**
 * Resume cost: re-running a finished 13-task mini run, as a process, against `tte-bench tasks` (alternating
 * runs), and the data-root I/O such a re-run does (data files read, media paths checked; both should be 0).
 *
 *   node dist/bench/resume.js [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBackendConfig } from '../src/backends/config.js';
import { ioCounts } from '../src/util/io-counts.js';
import { runTasks } from '../src/engine/run.js';
import { loadSuite } from '../src/engine/suites.js';
import { numberArg } from './args.js';
import { childCpuSeconds } from './child-cpu.js';

const runs = numberArg('runs', 5);
const cli = new URL('../../bin/tte-bench.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tte-bench-resume-'));
const runArgs = [cli, 'run', '--suite', 'mini', '--out', join(dir, 'out'), '--report-dir', join(dir, 'report'), '--no-cache'];

const cpu: Record<string, number[]> = { resumed: [], tasks: [] };
function timed(args: string[], cpuKey?: string): number {
  const c0 = childCpuSeconds();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.slice(1).join(' ')}: exit ${r.status}\n${r.stderr}`);
  const c1 = childCpuSeconds();
  if (cpuKey && c0 !== null && c1 !== null) cpu[cpuKey].push(c1 - c0);
  return (performance.now() - t0) / 1000;
}

const first = timed(runArgs);
const resumed: number[] = [];
const tasks: number[] = [];
for (let r = 0; r < runs; r++) {
  resumed.push(timed(runArgs, 'resumed'));
  tasks.push(timed([cli, 'tasks'], 'tasks'));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => `median ${median(xs).toFixed(3)} s (${xs.map((x) => x.toFixed(2)).join(' / ')})`;
console.log(`first run of the mini suite (13 tasks): ${first.toFixed(2)} s`);
console.log(`resumed run (process):  ${fmt(resumed)}`);
console.log(`tte-bench tasks:        ${fmt(tasks)}`);
console.log(`ratio resumed run / tasks: ${(median(resumed) / median(tasks)).toFixed(2)}× (target < 2×)`);
if (cpu.tasks.length)
  console.log(
    `CPU (user + system): resumed run median ${median(cpu.resumed).toFixed(2)} s, tasks ${median(cpu.tasks).toFixed(2)} s: ${(median(cpu.resumed) / median(cpu.tasks)).toFixed(2)}×`,
  );

// The same resume in this process, counting data-root I/O.
const mini = loadSuite('mini');
const opts = {
  runId: 'bench',
  tasks: mini.tasks,
  dataRoot: mini.dataRoot as string,
  version: 'v2.1' as const,
  backend: parseBackendConfig({ name: 'builtin-floor', pipeline: 'no-think', embedder: { type: 'builtin' } }),
  outDir: join(dir, 'inproc'),
  cacheDir: null,
};
await runTasks(opts);
const firstIo = { ...ioCounts };
Object.assign(ioCounts, { dataFilesRead: 0, mediaChecks: 0 });
const again = await runTasks(opts);
console.log(
  `data-root I/O: first run ${firstIo.dataFilesRead} data files read, ${firstIo.mediaChecks} media checks; resumed run (${again.reused.length}/13 reused): ${ioCounts.dataFilesRead} data files read, ${ioCounts.mediaChecks} media checks`,
);
console.log(
  `load average (1/5/15 min): ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
rmSync(dir, { recursive: true, force: true });
