/**
 * Piscina worker: exact top-k for a whole ranking job with the onnxruntime kernel. One kernel (one ORT
 * session pair) per worker thread, created on first use. Queries and candidates arrive moved (their
 * buffers transferred, never copied) and the ranking goes back the same way, as one Int32Array.
 */
import { move } from 'piscina';
import { createOrtKernel, type TopKKernel } from './ort-kernel.js';

export interface ScoringTask {
  /** nq × d, row-major. */
  queries: Float32Array;
  nq: number;
  /** nc × d, row-major. */
  candidates: Float32Array;
  nc: number;
  d: number;
  k: number;
  /** Gold candidate indices per query (for the tie policy); null when there is no gold. */
  gold: number[][] | null;
  threads: number;
}

let kernel: Promise<TopKKernel> | null = null;

export default async function score(task: ScoringTask): Promise<Int32Array> {
  kernel ??= createOrtKernel({ threads: task.threads });
  if (task.nq === 0 || task.nc === 0) {
    await kernel; // a warm-up task (ScoringPool.warm): load onnxruntime and build the sessions
    return new Int32Array(0);
  }
  const gold = task.gold?.map((g) => (g.length ? new Set(g) : null)) ?? null;
  const ranked = await (await kernel).topk(
    task.queries,
    task.nq,
    task.candidates,
    task.nc,
    task.d,
    task.k,
    (q, c) => gold?.[q]?.has(c) === true,
  );
  return move(ranked) as Int32Array;
}
