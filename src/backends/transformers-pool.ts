/**
 * A local transformers.js embedder spread over a Piscina pool: `workers` threads, each with its own model
 * and onnxruntime sessions (intraOpNumThreads = cores / workers), so CPU inference scales across cores
 * while the main thread stays free. A large batch is split across the workers; results come back by transfer.
 * Each worker takes two batches at a time (see below). Tasks are never aborted mid-inference (aborting a
 * running Piscina task kills its worker and its model).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { BackendError } from '../errors.js';
import { disableOrtTelemetry } from '../util/ort-telemetry.js';
import type { TransformersConfig } from './transformers.js';
import type { EmbedInput, Embedder } from './types.js';
import type { WorkerTask } from './transformers-worker.js';

function workerDied(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /^worker exited with code/.test(e?.message ?? '');
}

/** The smallest share of a call sent to one worker. */
const MIN_CHUNK = 32;

export class PooledTransformersEmbedder implements Embedder {
  readonly id: string;
  private readonly pool: Piscina;
  private readonly config: TransformersConfig;
  private failure: Error | null = null;

  constructor(
    cfg: TransformersConfig,
    readonly workers: number,
  ) {
    const threads = Math.max(1, Math.floor(availableParallelism() / workers));
    this.config = { ...cfg, intraOpNumThreads: cfg.intraOpNumThreads ?? threads };
    this.id = `transformers:${cfg.architecture ?? 'model'}:${cfg.model}`;
    disableOrtTelemetry(); // here: the workers' own process.env writes would not reach onnxruntime
    this.pool = new Piscina({
      filename: new URL('./transformers-worker.js', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      // Two batches per worker: while one batch's images are decoded (libvips, on libuv's thread pool),
      // the worker runs inference on the other. onnxruntime runs a session synchronously on the worker's
      // own thread, so the two never run inference at the same time.
      concurrentTasksPerWorker: 2,
    });
    this.pool.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    if (this.failure) throw new BackendError(`worker pool failed: ${this.failure.message}`);
    // A large call is spread over the workers, two chunks each; a small one (the pipeline's batches, many in
    // flight) goes to one worker whole: each worker call has a fixed cost (messaging, one onnxruntime run per
    // tower), and chunks of 8 embedded 20-30% fewer items/s than chunks of 32 (bench/onnx-workers.ts --batch).
    const per = Math.max(MIN_CHUNK, Math.ceil(items.length / (2 * this.workers)));
    const chunks: EmbedInput[][] = [];
    for (let i = 0; i < items.length; i += per) chunks.push(items.slice(i, i + per));
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const run = () => this.pool.run({ config: this.config, items: chunk } satisfies WorkerTask) as Promise<Float32Array>;
        try {
          return await run();
        } catch (err) {
          // A worker that died (exit, out of memory) is replaced by Piscina; its call is retried once on the new
          // worker. An error the model raised for this input (a bad image) is not: it would fail again.
          if (workerDied(err)) {
            try {
              return await run();
            } catch (again) {
              throw new BackendError(`local embedder worker died twice on the same call: ${(again as Error).message}`);
            }
          }
          throw new BackendError(`local embedder worker failed: ${(err as Error).message}`);
        }
      }),
    );
    const out: Float32Array[] = [];
    results.forEach((flat, c) => {
      const dim = flat.length / chunks[c].length;
      for (let i = 0; i < chunks[c].length; i++) out.push(flat.slice(i * dim, (i + 1) * dim));
    });
    return out;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
