/** `rank`'s in-thread kernel: every selection path gives the reference ranking; the native finite check. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOrtKernel } from '../src/scoring/ort-kernel.js';
import { rankFiles } from '../src/scoring/rank-files.js';
import { rankIndices } from '../src/scoring/rank.js';
import { npyBytes } from '../src/util/npy.js';
import { firstNonFinite } from '../src/util/vector.js';
import { tempDir } from './helpers.js';

/** Deterministic values in {-1, 0, 1}: integer scores, so exact ties are everywhere and every sum is exact. */
function ternary(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s >>> 16) % 3) - 1;
  });
}

test('ort kernel: rankings equal the reference whether TopK has no ties, ties inside its window, or a tie group past it', async () => {
  const [d, nq, nc, k, margin] = [12, 60, 150, 5, 3];
  const q = ternary(nq * d, 1);
  const c = ternary(nc * d, 2);
  q.fill(0, 0, d); // query 0 scores every candidate 0: one tie group over the whole list
  const row = (m: Float32Array, i: number) => m.subarray(i * d, (i + 1) * d);
  // gold = the first and the k-th candidate of the gold-blind ranking: wherever they tie with a neighbour, the
  // policy (gold last) moves them, and at the k-th place it changes which candidates make the top k
  const gold = Array.from({ length: nq }, (_, i) => {
    const blind = rankIndices(row(q, i), c, nc, () => false, k);
    return [blind[0], blind[k - 1]];
  });
  gold[0] = Array.from({ length: k + margin }, (_, j) => j); // a whole TopK window of gold: only the full row ranks it
  const want = Array.from({ length: nq }, (_, i) => rankIndices(row(q, i), c, nc, (j) => gold[i].includes(j), k));
  // which path each query takes, from its exact scores sorted descending
  const paths = { untied: 0, tiedInWindow: 0, pastWindow: 0 };
  for (let i = 0; i < nq; i++) {
    const s = Array.from({ length: nc }, (_, j) => row(q, i).reduce((a, x, t) => a + x * c[j * d + t], 0)).sort((a, b) => b - a);
    if (s[k + margin - 1] === s[k - 1]) paths.pastWindow++;
    else if (s.slice(0, k + 1).some((x, t) => t > 0 && x === s[t - 1])) paths.tiedInWindow++;
    else paths.untied++;
  }
  assert.ok(paths.pastWindow > 0 && paths.tiedInWindow > 0, `every tie path is exercised: ${JSON.stringify(paths)}`);
  const kernel = await createOrtKernel({ threads: 1, blockRows: 7, margin });
  try {
    const got = await kernel.topk(q, nq, c, nc, d, k, (i, j) => gold[i].includes(j));
    for (let i = 0; i < nq; i++) assert.deepEqual(Array.from(got.subarray(i * k, (i + 1) * k)), want[i], `query ${i}`);
    // rows per call sized by score count (as `rank` does): the same ranking
    const byScores = await createOrtKernel({ threads: 2, blockScores: 23 * nc, margin });
    assert.deepEqual(await byScores.topk(q, nq, c, nc, d, k, (i, j) => gold[i].includes(j)), got);
    await byScores.close();
    // real-valued embeddings (the usual case: no ties), but query 0's k-th candidate, its gold, has a twin
    // further down the list: no tie inside the top k, one at its edge, and the twin must take the k-th place
    const nr = 40;
    const r = Float32Array.from({ length: nq * d }, (_, i) => Math.sin(i * 1.37));
    const rc = Float32Array.from({ length: nr * d }, (_, i) => Math.cos(i * 0.91));
    const edge = rankIndices(row(r, 0), rc, nr, () => false, k)[k - 1];
    assert.ok(edge < nr - 1);
    rc.copyWithin((nr - 1) * d, edge * d, (edge + 1) * d);
    const rGold = (i: number, j: number) => i === 0 && j === edge;
    const real = await kernel.topk(r, nq, rc, nr, d, k, rGold);
    assert.ok(real.subarray(0, k).includes(nr - 1) && !real.subarray(0, k).includes(edge), 'the twin replaces the gold at the edge');
    for (let i = 0; i < nq; i++)
      assert.deepEqual(
        Array.from(real.subarray(i * k, (i + 1) * k)),
        rankIndices(row(r, i), rc, nr, (j) => rGold(i, j), k),
        `query ${i}`,
      );
    // k larger than the list: the whole list, ranked
    const all = await kernel.topk(r, nq, rc.subarray(0, 9 * d), 9, d, 20, () => false);
    for (let i = 0; i < nq; i++)
      assert.deepEqual(
        Array.from(all.subarray(i * 9, (i + 1) * 9)),
        rankIndices(row(r, i), rc, 9, () => false),
      );
  } finally {
    await kernel.close();
  }
});

test('maybeNonFinite: false proves every value finite; NaN and ±Infinity anywhere are caught; an overflowing sum only asks for a scan', async () => {
  const [rows, d] = [40, 33];
  const m = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i));
  const kernel = await createOrtKernel({ threads: 1 });
  try {
    assert.equal(await kernel.maybeNonFinite(m, rows, d), false);
    assert.equal(firstNonFinite(m), -1);
    for (const at of [0, 17 * d + 5, rows * d - 1]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const x = m.slice();
        x[at] = bad;
        assert.equal(await kernel.maybeNonFinite(x, rows, d), true, `${bad} at ${at}`);
        assert.equal(firstNonFinite(x), at);
      }
    }
    const big = m.slice();
    big[3 * d] = 3e38;
    big[3 * d + 1] = 3e38; // finite values whose sum overflows float32
    assert.equal(await kernel.maybeNonFinite(big, rows, d), true);
    assert.equal(firstNonFinite(big), -1);
  } finally {
    await kernel.close();
  }
});

test('rankFiles: non-finite values are refused naming file, row and column (queries first); finite values that overflow a sum are ranked', async () => {
  const dir = tempDir();
  const d = 5;
  const write = (name: string, rows: number, data: Float32Array) => {
    writeFileSync(join(dir, name), npyBytes({ rows, cols: d, data }));
    return join(dir, name);
  };
  const q = Float32Array.from({ length: 3 * d }, (_, i) => Math.sin(i + 1));
  const c = Float32Array.from({ length: 8 * d }, (_, i) => Math.cos(i * 0.7));
  const qf = write('q.npy', 3, q);
  const cf = write('c.npy', 8, c);
  const nanQ = q.slice();
  nanQ[2 * d + 3] = Number.NaN;
  const infC = c.slice();
  infC[6 * d + 1] = Number.NEGATIVE_INFINITY;
  const nanQf = write('nan-q.npy', 3, nanQ);
  const infCf = write('inf-c.npy', 8, infC);
  await assert.rejects(rankFiles({ queries: nanQf, candidates: cf, k: 3 }), /nan-q\.npy.*non-finite value NaN at row 2, column 3/);
  await assert.rejects(rankFiles({ queries: qf, candidates: infCf, k: 3 }), /inf-c\.npy.*non-finite value -Infinity at row 6, column 1/);
  await assert.rejects(rankFiles({ queries: nanQf, candidates: infCf, k: 3 }), /nan-q\.npy/);
  await assert.rejects(rankFiles({ queries: join(dir, 'missing.npy'), candidates: infCf, k: 3 }), /missing\.npy.*cannot read/);
  const big = c.slice();
  big[4 * d] = 3e38;
  big[4 * d + 1] = 3e38;
  const { predictions } = await rankFiles({ queries: qf, candidates: write('big.npy', 8, big), k: 3 });
  const got = Array.from(predictions, (p) => p.prediction);
  assert.deepEqual(
    got,
    Array.from({ length: 3 }, (_, i) => rankIndices(q.subarray(i * d, (i + 1) * d), big, 8, () => false, 3).map(String)),
  );
});
