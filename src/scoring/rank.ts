/**
 * Similarity + ranking. Scores are dot products of L2-normalised vectors (cosine), as in VLM2Vec.
 *
 * Tie policy (documented in docs/exactness.md): candidates with equal scores are ordered with the gold ones
 * *last*, then by their position in the candidate list. VLM2Vec leaves ties to numpy's unstable
 * quicksort; because every local image task lists its positive first, a stable order would reward a
 * degenerate model that gives every candidate the same score. Pessimistic ties make such a model score 0.
 */

export function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[bOffset + i];
  return s;
}

interface Entry {
  score: number;
  gold: boolean;
  index: number;
}

/** True when a ranks before b. */
function before(a: Entry, b: Entry): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.gold !== b.gold) return !a.gold;
  return a.index < b.index;
}

/**
 * Rank `count` candidates (vectors laid out row-major in `matrix`, dim = query.length) for one query.
 * Returns candidate indices, best first; at most `k` of them when k is given.
 */
export function rankIndices(
  query: Float32Array,
  matrix: Float32Array,
  count: number,
  isGold: (index: number) => boolean,
  k = count,
): number[] {
  const dim = query.length;
  const limit = Math.min(k, count);
  const top: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const e: Entry = { score: dot(query, matrix, i * dim), gold: isGold(i), index: i };
    if (top.length === limit && !before(e, top[limit - 1])) continue;
    // insertion into the sorted top list (k is small for global tasks; local lists are short)
    let pos = top.length;
    while (pos > 0 && before(e, top[pos - 1])) pos--;
    top.splice(pos, 0, e);
    if (top.length > limit) top.pop();
  }
  return top.map((e) => e.index);
}

/** Stack vectors into one row-major matrix. */
export function stack(vectors: Float32Array[], dim = vectors[0]?.length ?? 0): Float32Array {
  const m = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new RangeError(`vector ${i} has dimension ${v.length}, expected ${dim}`);
    m.set(v, i * dim);
  });
  return m;
}
