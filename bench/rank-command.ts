/**
 * `tte-bench rank` as a whole command against VLM2Vec's numpy path as a whole process (load both .npy
 * files, matmul, full argsort, write the top-k), on the same files, alternating runs so machine load hits
 * both alike. Prints each side's times, the ratio of medians and of bests, and whether top-1 agrees.
 *
 *   node dist/bench/rank-command.js [--queries 2000] [--candidates 10000] [--dim 1536] [--k 10] [--runs 5]
 *
 * numpy runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (its fastest kernel, see README.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { npyBytes } from '../src/util/npy.js';
import { numberArg } from './args.js';
import { childCpuSeconds } from './child-cpu.js';

const [nq, nc, d, k, runs] = [
  numberArg('queries', 2000),
  numberArg('candidates', 10000),
  numberArg('dim', 1536),
  numberArg('k', 10),
  numberArg('runs', 5),
];

function randomUnitRows(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const m = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let i = 0; i < d; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      norm += (m[r * d + i] = s / 4294967296 - 0.5) ** 2;
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) m[r * d + i] /= norm;
  }
  return m;
}

const dir = mkdtempSync(join(tmpdir(), 'tte-bench-rank-'));
const [qf, cf] = [join(dir, 'q.npy'), join(dir, 'c.npy')];
writeFileSync(qf, npyBytes({ rows: nq, cols: d, data: randomUnitRows(nq, 1) }));
writeFileSync(cf, npyBytes({ rows: nc, cols: d, data: randomUnitRows(nc, 2) }));
const py = join(dir, 'vlm2vec_rank.py');
writeFileSync(
  py,
  `import sys, json, numpy as np
q = np.load(sys.argv[1]); c = np.load(sys.argv[2]); k = int(sys.argv[3])
s = q @ c.T
r = np.argsort(-s, axis=1)
with open(sys.argv[4], 'w') as f:
    for row in r[:, :k].tolist():
        f.write(json.dumps({"prediction": [str(i) for i in row]}) + "\\n")
`,
);
const cli = new URL('../../bin/tte-bench.js', import.meta.url).pathname;
const npEnv = { ...process.env };
delete npEnv.OPENBLAS_CORETYPE;
delete npEnv.OPENBLAS_L2_SIZE;

const cpu: { ours: number[]; theirs: number[] } = { ours: [], theirs: [] };
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cpuInto: number[]): number | string {
  const c0 = childCpuSeconds();
  const t0 = performance.now();
  const res = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (res.status !== 0) return (res.stderr || res.error?.message || `exit ${res.status}`).trim().split('\n').pop() ?? '';
  const c1 = childCpuSeconds();
  if (c0 !== null && c1 !== null) cpuInto.push(c1 - c0);
  return (performance.now() - t0) / 1000;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
const loadBefore = load();
const ours: number[] = [];
const theirs: number[] = [];
let numpyMissing = '';
for (let r = 0; r < runs; r++) {
  const a = timed(
    process.execPath,
    [cli, 'rank', '--queries', qf, '--candidates', cf, '--k', String(k), '--out', join(dir, 'tte.jsonl')],
    process.env,
    cpu.ours,
  );
  if (typeof a === 'string') throw new Error(`tte-bench rank failed: ${a}`);
  ours.push(a);
  if (numpyMissing) continue;
  const b = timed('python3', [py, qf, cf, String(k), join(dir, 'numpy.jsonl')], npEnv, cpu.theirs);
  if (typeof b === 'string') numpyMissing = b;
  else theirs.push(b);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(3)} s, best ${Math.min(...xs).toFixed(3)} s (${xs.map((x) => x.toFixed(2)).join(' / ')})`;
console.log(`${nq} queries × ${nc} candidates × ${d} dims, top-${k}, ${runs} alternating runs`);
// a shared machine's load moves both sides' times: print it (1 / 5 / 15-minute averages) with them
console.log(`load average before: ${loadBefore}, after: ${load()}`);
console.log(`tte-bench rank (process):          ${fmt(ours)}`);
if (numpyMissing) {
  console.log(`numpy baseline unavailable (${numpyMissing}); no ratio printed`);
} else {
  console.log(`numpy load+matmul+argsort+write:   ${fmt(theirs)}`);
  const top1 = (f: string) =>
    readFileSync(join(dir, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { prediction: string[] }).prediction[0]);
  const [a, b] = [top1('tte.jsonl'), top1('numpy.jsonl')];
  const same = a.filter((x, i) => x === b[i]).length;
  console.log(
    `ratio tte-bench / numpy: median ${(median(ours) / median(theirs)).toFixed(3)}×, best ${(Math.min(...ours) / Math.min(...theirs)).toFixed(3)}× (target ≤ 0.5×); top-1 identical on ${same}/${a.length} queries`,
  );
  if (cpu.theirs.length)
    console.log(
      `CPU (user + system) medians: tte-bench ${median(cpu.ours).toFixed(2)} s, numpy ${median(cpu.theirs).toFixed(2)} s: ${(median(cpu.ours) / median(cpu.theirs)).toFixed(3)}×`,
    );
}
rmSync(dir, { recursive: true, force: true });
