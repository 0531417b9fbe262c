/**
 * Scoring benchmark: a global task of 2000 queries × 10000 candidates × 1536 dims, top-10, with the
 * harness kernel (onnxruntime Gemm+TopK in a Piscina worker, as `run` and `rank` use it) against numpy's
 * matmul + argsort, which is what VLM2Vec does, measured in the same run on the same data.
 *
 *   node dist/bench/scoring.js [--queries 2000] [--candidates 10000] [--dim 1536]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ScoringPool } from '../src/scoring/pool.js';
import { npyBytes } from '../src/util/npy.js';
import { numberArg } from './args.js';

const [nq, nc, d, k] = [numberArg('queries', 2000), numberArg('candidates', 10000), numberArg('dim', 1536), 10];

function randomUnitRows(n: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => {
    const v = new Float32Array(d);
    let norm = 0;
    for (let i = 0; i < d; i++) norm += (v[i] = rnd()) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) v[i] /= norm;
    return v;
  });
}

const queries = randomUnitRows(nq, 1);
const candidates = randomUnitRows(nc, 2);
const pool = new ScoringPool();
await pool.topk(
  queries.slice(0, 8),
  candidates,
  k,
  queries.slice(0, 8).map(() => []),
); // warm-up: session creation
const runs: number[] = [];
let ours: number[][] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  ours = await pool.topk(
    queries,
    candidates,
    k,
    queries.map(() => []),
  );
  runs.push((performance.now() - t0) / 1000);
}
await pool.close();
const best = Math.min(...runs);
console.log(
  `tte-bench kernel (onnxruntime Gemm+TopK, worker thread): ${runs.map((x) => x.toFixed(3)).join(' / ')} s (best ${best.toFixed(3)} s)`,
);

const dir = mkdtempSync(join(tmpdir(), 'tte-bench-scoring-'));
const flat = (rows: Float32Array[]) => {
  const m = new Float32Array(rows.length * d);
  rows.forEach((v, i) => m.set(v, i * d));
  return m;
};
writeFileSync(join(dir, 'q.npy'), npyBytes({ rows: nq, cols: d, data: flat(queries) }));
writeFileSync(join(dir, 'c.npy'), npyBytes({ rows: nc, cols: d, data: flat(candidates) }));
const py = `
import time, json, numpy as np
q = np.load('${join(dir, 'q.npy')}'); c = np.load('${join(dir, 'c.npy')}')
best_mm, best_all = 1e9, 1e9
for _ in range(3):
    t0 = time.perf_counter(); s = q @ c.T; t1 = time.perf_counter(); r = np.argsort(-s, axis=1); t2 = time.perf_counter()
    best_mm = min(best_mm, t1 - t0); best_all = min(best_all, t2 - t0)
print(json.dumps({"matmul": best_mm, "total": best_all, "top": r[:, :${k}].tolist()[:50]}))
`;
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE; // numpy's best kernel (see bench/README.md)
delete env.OPENBLAS_L2_SIZE;
const res = spawnSync('python3', ['-c', py], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
if (res.status !== 0) {
  console.log(`numpy baseline unavailable (${(res.stderr || res.error?.message || '').trim().split('\n').pop()}); no ratio printed`);
} else {
  const np = JSON.parse(res.stdout) as { matmul: number; total: number; top: number[][] };
  const agree = np.top.filter((row, i) => row.every((v, j) => v === ours[i][j])).length;
  console.log(`numpy matmul + argsort (VLM2Vec): ${np.total.toFixed(3)} s (matmul ${np.matmul.toFixed(3)} s)`);
  console.log(
    `ratio tte-bench / numpy: ${(best / np.total).toFixed(3)}× (target ≤ 1.0×); top-${k} identical on ${agree}/${np.top.length} checked queries`,
  );
}
