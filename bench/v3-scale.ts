/**
 * MMEB-V3's largest text task as `tte-bench rank` sees it: BRIGHT leetcode, 142 queries against 413,932 documents
 * (the xlangai/BRIGHT dataset card: `documents` split leetcode num_examples 413932, `examples` leetcode 142; VLM2Vec's
 * complex_text_retrieve ranks the whole `documents` split), as synthetic unit vectors of Qwen3-VL-Embedding-2B's
 * dimension (2048; --dim 4096 for the 8B). Times the command as a process and its peak RSS against VLM2Vec's numpy
 * path as a process (load both .npy files, matmul, full argsort, write the top-k) on the same files, alternating,
 * and says whether the top-k lists agree.
 *
 *   node dist/bench/v3-scale.js [--queries 142] [--candidates 413932] [--dim 2048] [--k 100] [--runs 2]
 *
 * The files are written in row blocks (the generator never holds the matrix); they take queries·dim·4 and
 * candidates·dim·4 bytes of temporary disk (3.4 GB at the defaults), removed at the end. Peak RSS comes from
 * /usr/bin/time (%M, kilobytes).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { npyBytes } from '../src/util/npy.js';
import { numberArg } from './args.js';

const [nq, nc, d, k, runs] = [
  numberArg('queries', 142),
  numberArg('candidates', 413932),
  numberArg('dim', 2048),
  numberArg('k', 100),
  numberArg('runs', 2),
];

/** A .npy of n random unit rows, written block by block (a 64-row block in memory at a time). */
function writeUnitRows(file: string, n: number, seed: number): void {
  const header = npyBytes({ rows: n, cols: d, data: new Float32Array(0) });
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header); // npyBytes writes the header for the shape given, then no data
    let s = seed >>> 0;
    const block = new Float32Array(64 * d);
    for (let start = 0; start < n; start += 64) {
      const rows = Math.min(64, n - start);
      for (let r = 0; r < rows; r++) {
        let norm = 0;
        for (let i = 0; i < d; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          norm += (block[r * d + i] = s / 4294967296 - 0.5) ** 2;
        }
        norm = Math.sqrt(norm);
        for (let i = 0; i < d; i++) block[r * d + i] /= norm;
      }
      writeSync(fd, new Uint8Array(block.buffer, 0, rows * d * 4));
    }
  } finally {
    closeSync(fd);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tte-bench-v3-scale-'));
try {
  const [qf, cf] = [join(dir, 'q.npy'), join(dir, 'c.npy')];
  writeUnitRows(qf, nq, 1);
  writeUnitRows(cf, nc, 2);
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

  /** Wall seconds and peak RSS (MB) of one process, from /usr/bin/time. */
  function measured(cmd: string[], env: NodeJS.ProcessEnv): { wall: number; rssMb: number } | string {
    const res = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', ...cmd], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
    const m = /TIME ([\d.]+) (\d+)\s*$/.exec(res.stderr ?? '');
    if (res.status !== 0 || !m) return (res.stderr || res.error?.message || `exit ${res.status}`).trim().split('\n').slice(-3).join(' | ');
    return { wall: Number(m[1]), rssMb: Number(m[2]) / 1024 };
  }

  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ');
  const gb = (n: number) => ((n * d * 4) / 1e9).toFixed(2);
  console.log(
    `${nq} queries × ${nc} candidates × ${d} dims (float32: queries ${gb(nq)} GB, candidates ${gb(nc)} GB), top-${k}, ${runs} alternating runs`,
  );
  console.log(`load average before: ${load()}`);
  const ours: { wall: number; rssMb: number }[] = [];
  const theirs: { wall: number; rssMb: number }[] = [];
  let numpyFailed = '';
  for (let r = 0; r < runs; r++) {
    const a = measured(
      [process.execPath, cli, 'rank', '--queries', qf, '--candidates', cf, '--k', String(k), '--out', join(dir, 'tte.jsonl')],
      process.env,
    );
    if (typeof a === 'string') {
      console.log(`tte-bench rank failed: ${a}`);
      process.exitCode = 1;
      break;
    }
    ours.push(a);
    if (numpyFailed) continue;
    const b = measured(['python3', py, qf, cf, String(k), join(dir, 'numpy.jsonl')], npEnv);
    if (typeof b === 'string') numpyFailed = b;
    else theirs.push(b);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const fmt = (xs: { wall: number; rssMb: number }[]) =>
    `wall median ${median(xs.map((x) => x.wall)).toFixed(2)} s (${xs.map((x) => x.wall.toFixed(2)).join(' / ')}), peak RSS ${Math.max(...xs.map((x) => x.rssMb)).toFixed(0)} MB`;
  console.log(`load average after: ${load()}`);
  if (ours.length) console.log(`tte-bench rank (process):        ${fmt(ours)}`);
  if (numpyFailed) console.log(`numpy baseline failed (${numpyFailed}); no ratio printed`);
  else if (theirs.length && ours.length) {
    console.log(`numpy load+matmul+argsort+write: ${fmt(theirs)}`);
    const lists = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { prediction: string[] }).prediction);
    const [a, b] = [lists('tte.jsonl'), lists('numpy.jsonl')];
    const top1 = a.filter((x, i) => x[0] === b[i][0]).length;
    const whole = a.filter((x, i) => x.join() === b[i].join()).length;
    console.log(
      `ratio tte-bench / numpy: wall ${(median(ours.map((x) => x.wall)) / median(theirs.map((x) => x.wall))).toFixed(3)}×, ` +
        `peak RSS ${(Math.max(...ours.map((x) => x.rssMb)) / Math.max(...theirs.map((x) => x.rssMb))).toFixed(3)}×; ` +
        `top-1 identical on ${top1}/${a.length} queries, whole top-${k} on ${whole}/${a.length}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
