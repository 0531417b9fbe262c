/**
 * numpy's pairwise summation (`pairwise_sum` in numpy/_core/src/umath/loops_utils.h), so that a mean
 * over queries is bit-identical to the `np.mean(values)` VLM2Vec's RankingMetrics takes, not merely close.
 * Checked against numpy 2.4 on random inputs of 5 to 8564 values.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, n = values.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += values[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => values[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += values[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(values, start, n2) + pairwiseSum(values, start + n2, n - n2);
}

/** `np.mean`, with VLM2Vec's convention that an empty list scores 0.0. */
export function npMean(values: ArrayLike<number>): number {
  return values.length ? pairwiseSum(values) / values.length : 0;
}
