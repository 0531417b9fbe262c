/**
 * Scoring off the main thread: a Piscina pool whose worker runs the onnxruntime top-k kernel, so the
 * event loop stays free for HTTP traffic and progress while a large global task is ranked. Candidates
 * are shared (SharedArrayBuffer), query blocks transferred. Pool errors reject the call that caused them.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { DataError } from '../errors.js';
import type { ScoringTask } from './worker.js';

export class ScoringPool {
  private readonly pool: Piscina;
  private readonly threads: number;

  constructor({ threads = availableParallelism() }: { threads?: number } = {}) {
    this.threads = threads;
    this.pool = new Piscina({ filename: new URL('./worker.js', import.meta.url).href, minThreads: 1, maxThreads: 1, idleTimeout: 5_000 });
    this.pool.on('error', () => {
      /* surfaced through the rejected run() promise */
    });
  }

  /** Top-k candidate indices for each query row, under the harness's tie policy. */
  async topk(queries: Float32Array[], candidates: Float32Array[], k: number, gold: number[][], blockRows = 512): Promise<number[][]> {
    const d = candidates[0]?.length ?? queries[0]?.length ?? 0;
    // Every vector must have the one dimension: copying a shorter one into a row would zero-pad it and
    // rank it as if it were valid.
    const wrong = (vs: Float32Array[], what: string) => {
      const i = vs.findIndex((v) => v.length !== d);
      if (i >= 0) throw new DataError(`${what} ${i} has dimension ${vs[i].length}, expected ${d} (the dimension of the first candidate)`);
    };
    wrong(candidates, 'candidate');
    wrong(queries, 'query');
    const shared = new SharedArrayBuffer(candidates.length * d * 4);
    const cm = new Float32Array(shared);
    candidates.forEach((v, i) => cm.set(v, i * d));
    const poolId = randomUUID();
    const out: number[][] = [];
    for (let s = 0; s < queries.length; s += blockRows) {
      const block = queries.slice(s, s + blockRows);
      const q = new Float32Array(block.length * d);
      block.forEach((v, i) => q.set(v, i * d));
      const task: ScoringTask = {
        poolId,
        candidates: s === 0 ? shared : undefined,
        nc: candidates.length,
        d,
        queries: q,
        nq: block.length,
        k,
        gold: gold.slice(s, s + blockRows),
        threads: this.threads,
      };
      out.push(...((await this.pool.run(task, { transferList: [q.buffer] })) as number[][]));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
