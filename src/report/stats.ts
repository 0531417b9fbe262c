/**
 * Paired significance tests for ablations. Hit@1 is a 0/1 outcome per query, so two systems on the same
 * queries form a 2×2 table; only the discordant pairs carry information, and the exact McNemar test is the
 * two-sided binomial test of those pairs against p = 1/2. Many tasks tested at once need a correction for
 * multiple comparisons: Holm's step-down method controls the family-wise error rate without assumptions
 * about dependence between tasks, and is uniformly more powerful than Bonferroni.
 */

/** log C(n, k), exact enough for n in the millions (sums of logs; no factorial overflow). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

export interface McNemar {
  /** Queries right under A and wrong under B (B hurt). */
  hurt: number;
  /** Queries wrong under A and right under B (B helped). */
  helped: number;
  /** Exact two-sided p-value: 2 · P(X ≤ min(hurt, helped)), X ~ Binomial(hurt + helped, 1/2), capped at 1. */
  p: number;
}

export function exactMcNemar(hurt: number, helped: number): McNemar {
  for (const [name, v] of [
    ['hurt', hurt],
    ['helped', helped],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  const n = hurt + helped;
  if (n === 0) return { hurt, helped, p: 1 };
  const k = Math.min(hurt, helped);
  if (2 * k + 1 >= n) return { hurt, helped, p: 1 }; // the lower tail reaches the middle: at least 1/2 each side
  let tail: number;
  if (n <= 1000) {
    // exact products while 2^-n is representable: C(n, i+1) = C(n, i) · (n − i) / (i + 1)
    let term = 0.5 ** n;
    tail = 0;
    for (let i = 0; i <= k; i++) {
      tail += term;
      term = (term * (n - i)) / (i + 1);
    }
  } else {
    // sum the tail in log space relative to its largest term, so large n neither overflows nor underflows
    const logs: number[] = [];
    for (let i = 0; i <= k; i++) logs.push(logChoose(n, i) - n * Math.LN2);
    const max = Math.max(...logs);
    tail = Math.exp(max) * logs.reduce((s, l) => s + Math.exp(l - max), 0);
  }
  return { hurt, helped, p: Math.min(1, 2 * tail) };
}

/** McNemar counts of two aligned 0/1 outcome lists (A, B). */
export function mcnemarOf(a: number[], b: number[]): McNemar {
  if (a.length !== b.length) throw new RangeError(`paired lists differ in length (${a.length} vs ${b.length})`);
  let hurt = 0;
  let helped = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > 0 && !(b[i] > 0)) hurt++;
    else if (!(a[i] > 0) && b[i] > 0) helped++;
  }
  return exactMcNemar(hurt, helped);
}

/**
 * Holm–Bonferroni adjusted p-values, in input order: sort ascending, multiply the i-th smallest (0-based) by
 * m − i, take the running maximum so the adjusted values keep the order of the raw ones, cap at 1.
 */
export function holm(ps: number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
