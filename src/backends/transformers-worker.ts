/**
 * Piscina worker for local transformers.js models: one model (one set of onnxruntime sessions) per worker
 * thread, loaded on first use with intra-op threads sized so that workers × threads = cores. Returns the
 * vectors of a batch as one Float32Array, moved (not copied) to the caller.
 */
import { rmSync } from 'node:fs';
import { move } from 'piscina';
import type { EmbedInput, Embedder } from './types.js';
import type { TransformersConfig } from './transformers.js';

let model: Promise<Embedder> | null = null;

export interface WorkerTask {
  config: TransformersConfig;
  items: EmbedInput[];
}

async function load(cfg: TransformersConfig): Promise<Embedder> {
  // the same decision as the in-process loader: an unrecognised architecture is refused, not loaded as a causal LM
  const { loadLocalModel } = await import('./transformers.js');
  return (await loadLocalModel(cfg)).model;
}

/**
 * Fault injection for the test suite: when TTE_BENCH_FAULT_WORKER_EXIT names a file, the first worker to
 * find it deletes it and exits mid-call, as a worker dying from a native fault would.
 */
function injectedCrash(): void {
  const marker = process.env.TTE_BENCH_FAULT_WORKER_EXIT;
  if (!marker) return;
  try {
    rmSync(marker);
  } catch {
    return; // absent, or another worker took it
  }
  process.exit(70);
}

export default async function embed(task: WorkerTask): Promise<Float32Array> {
  injectedCrash();
  model ??= load(task.config);
  const vectors = await (await model).embed(task.items);
  const dim = vectors[0]?.length ?? 0;
  const out = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => out.set(v, i * dim));
  // move() wraps the array for transfer (typed as its wrapper); the caller receives the Float32Array itself
  return move(out) as unknown as Float32Array;
}
