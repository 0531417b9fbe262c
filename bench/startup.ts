/**
 * Whole-command start-up: `tte-bench --help` and `tte-bench tasks --json` as processes, against a bare
 * `node -e 0`, alternating runs so machine load hits all three alike. Prints medians and ratios.
 *
 *   node dist/bench/startup.js [--runs 10]
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { numberArg } from './args.js';
import { childCpuSeconds } from './child-cpu.js';

const runs = numberArg('runs', 10);
const cli = new URL('../../bin/tte-bench.js', import.meta.url).pathname;
const cases: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['tte-bench --help', [cli, '--help']],
  ['tte-bench tasks --json', [cli, 'tasks', '--json']],
];
const times = cases.map(() => [] as number[]);
const cpu = cases.map(() => [] as number[]);
for (let r = 0; r < runs; r++) {
  cases.forEach(([name, args], i) => {
    const c0 = childCpuSeconds();
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (res.status !== 0) throw new Error(`${name} exited ${res.status}`);
    times[i].push((performance.now() - t0) / 1000);
    const c1 = childCpuSeconds();
    if (c0 !== null && c1 !== null) cpu[i].push(c1 - c0);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times[0]);
cases.forEach(([name], i) => {
  const m = median(times[i]);
  const range = `${Math.min(...times[i]).toFixed(3)}–${Math.max(...times[i]).toFixed(3)}`;
  console.log(
    `${name.padEnd(24)} median ${m.toFixed(3)} s (range ${range} s)${i ? `, ${(m / base).toFixed(2)}× node -e 0 (target ≤ 3×)` : ''}`,
  );
});
if (cpu[0].length) {
  const cbase = median(cpu[0]);
  cases.forEach(([name], i) =>
    console.log(
      `${name.padEnd(24)} CPU median ${median(cpu[i]).toFixed(2)} s${i ? `, ${(median(cpu[i]) / cbase).toFixed(2)}× node -e 0` : ''}`,
    ),
  );
}
