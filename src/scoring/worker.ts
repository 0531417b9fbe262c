/**
 * Piscina worker: exact top-k for one block of queries with the onnxruntime kernel. One kernel (one ORT
 * session pair) per worker thread, created on first use; candidates arrive once as a SharedArrayBuffer
 * keyed by `poolId`, queries are transferred, never copied.
 */
import { createOrtKernel, type TopKKernel } from './ort-kernel.js';

export interface ScoringTask {
  poolId: string;
  candidates?: SharedArrayBuffer;
  nc: number;
  d: number;
  queries: Float32Array;
  nq: number;
  k: number;
  /** Gold candidate indices per query (for the tie policy). */
  gold: number[][];
  threads: number;
}

let kernel: Promise<TopKKernel> | null = null;
const pools = new Map<string, Float32Array>();

export default async function score(task: ScoringTask): Promise<number[][]> {
  kernel ??= createOrtKernel({ threads: task.threads });
  // onnxruntime-node rejects typed arrays over a SharedArrayBuffer: one private copy per pool per worker.
  if (task.candidates) {
    pools.clear(); // one task at a time: drop the previous task's candidates
    pools.set(task.poolId, new Float32Array(task.candidates).slice());
  }
  const cands = pools.get(task.poolId);
  if (!cands) throw new Error(`candidate pool ${task.poolId} was not sent to this worker`);
  const gold = task.gold.map((g) => new Set(g));
  return (await kernel).topk(task.queries, task.nq, cands, task.nc, task.d, task.k, (q, c) => gold[q].has(c));
}
