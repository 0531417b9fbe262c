/**
 * The iteration order of a CPython set of ints (`list(set(xs))`), as Objects/setobject.c (3.11) builds it:
 * open addressing from `hash & mask`, 9 linear probes then perturbed jumps (i·5 + 1 + perturb), the table
 * starting at 8 slots and growing to the smallest power of two above 4·used when fill·5 ≥ mask·3 (entries
 * re-inserted in table order). An int hashes to itself modulo 2^61 − 1 (−1 → −2), with no per-process
 * randomisation — unlike str, whose set order changes with PYTHONHASHSEED.
 */
const MODULUS = (1n << 61n) - 1n;
const LINEAR_PROBES = 9;

/** Python's hash() of an int. */
export function pyIntHash(x: bigint): bigint {
  const h = x < 0n ? -(-x % MODULUS) : x % MODULUS;
  return h === -1n ? -2n : h;
}

/** The first slot, in CPython's probe order for `hash` over a table of `mask + 1` slots, where `stop` holds. */
function probe(mask: number, hash: bigint, stop: (slot: number) => boolean): number {
  let perturb = BigInt.asUintN(64, hash);
  let i = Number(perturb & BigInt(mask));
  for (;;) {
    const run = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
    for (let j = i; j <= i + run; j++) if (stop(j)) return j;
    perturb >>= 5n;
    i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
  }
}

/** `list(set(values))` for ints: distinct values in CPython's iteration order. */
export function pyIntSetOrder(values: readonly bigint[]): bigint[] {
  let mask = 7;
  let table: (bigint | undefined)[] = new Array(8);
  let used = 0;
  for (const v of values) {
    const h = pyIntHash(v);
    const slot = probe(mask, h, (j) => table[j] === undefined || table[j] === v);
    if (table[slot] === v) continue;
    table[slot] = v;
    used++;
    if (used * 5 < mask * 3) continue; // no deletions: fill == used
    let size = 8;
    const minused = used > 50000 ? used * 2 : used * 4;
    while (size <= minused) size *= 2;
    const old = table;
    table = new Array(size);
    mask = size - 1;
    for (const k of old) if (k !== undefined) table[probe(mask, pyIntHash(k), (j) => table[j] === undefined)] = k;
  }
  return table.filter((k): k is bigint => k !== undefined);
}
