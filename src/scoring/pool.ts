/**
 * Scoring off the main thread: a Piscina pool whose worker runs the onnxruntime top-k kernel, so the
 * event loop stays free for HTTP traffic and progress while a large global task is ranked. A ranking job
 * is one task: query and candidate matrices are moved to the worker (one transfer each, no copy) and the
 * ranking comes back moved. Pool errors reject the call that caused them.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { DataError } from '../errors.js';
import { disableOrtTelemetry } from '../util/ort-telemetry.js';
import { stack } from './rank.js';
import type { ScoringTask } from './worker.js';

export class ScoringPool {
  private piscina: Piscina | null = null;
  private readonly threads: number;

  constructor({ threads = availableParallelism() }: { threads?: number } = {}) {
    this.threads = threads;
  }

  /** The worker starts on first use: a run whose tasks are all resumed, or all local, never starts it. */
  private get pool(): Piscina {
    if (!this.piscina) {
      disableOrtTelemetry(); // here: the workers' own process.env writes would not reach onnxruntime
      this.piscina = new Piscina({
        filename: new URL('./worker.js', import.meta.url).href,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: 5_000,
      });
      this.piscina.on('error', () => {
        /* surfaced through the rejected run() promise */
      });
    }
    return this.piscina;
  }

  /**
   * Start the worker and build its kernel now (loading onnxruntime takes a while), so that it overlaps
   * with whatever the caller does next, e.g. reading the embeddings. Failures surface on the next call.
   */
  warm(): void {
    const empty = new Float32Array(0);
    const task: ScoringTask = { queries: empty, nq: 0, candidates: empty, nc: 0, d: 0, k: 0, gold: null, threads: this.threads };
    this.pool.run(task).catch(() => {});
  }

  /**
   * Top-k candidate indices for each query row of two row-major matrices, under the harness's tie policy:
   * row q of the result is at [q·kk, (q+1)·kk) with kk = min(k, nc). The matrices' buffers are transferred
   * to the worker: the caller's `queries` and `candidates` are unusable afterwards.
   */
  async topkMatrices(
    queries: Float32Array,
    nq: number,
    candidates: Float32Array,
    nc: number,
    d: number,
    k: number,
    gold: number[][] | null,
  ): Promise<Int32Array> {
    if (nq === 0 || nc === 0) return new Int32Array(0);
    const task: ScoringTask = { queries, nq, candidates, nc, d, k, gold, threads: this.threads };
    const transferList = [...new Set([queries.buffer, candidates.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    return (await this.pool.run(task, { transferList })) as Int32Array;
  }

  /** Top-k candidate indices for each query vector, under the harness's tie policy. */
  async topk(queries: Float32Array[], candidates: Float32Array[], k: number, gold: number[][]): Promise<number[][]> {
    const d = candidates[0]?.length ?? queries[0]?.length ?? 0;
    // Every vector must have the one dimension: copying a shorter one into a row would zero-pad it and
    // rank it as if it were valid.
    const wrong = (vs: Float32Array[], what: string) => {
      const i = vs.findIndex((v) => v.length !== d);
      if (i >= 0) throw new DataError(`${what} ${i} has dimension ${vs[i].length}, expected ${d} (the dimension of the first candidate)`);
    };
    wrong(candidates, 'candidate');
    wrong(queries, 'query');
    const kk = Math.min(k, candidates.length);
    const flat = await this.topkMatrices(stack(queries, d), queries.length, stack(candidates, d), candidates.length, d, k, gold);
    return Array.from({ length: queries.length }, (_, q) => Array.from(flat.subarray(q * kk, (q + 1) * kk)));
  }

  async close(): Promise<void> {
    await this.piscina?.destroy();
    this.piscina = null;
  }
}
