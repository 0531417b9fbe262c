/**
 * The TTE pipelines. no-think: the embedder sees the query as the benchmark builds it. With a reasoner
 * (teacher / distilled), the reasoner first writes a trace for each query and the embedder sees the query
 * followed by the trace. Targets are embedded as they are. This module knows nothing about tasks beyond
 * the EvalSet it is handed.
 */
import type { Backend } from '../backends/registry.js';
import type { EmbedInput, Trace } from '../backends/types.js';
import type { EvalSet, Item } from '../datasets/types.js';
import type { MediaLoader } from '../engine/media.js';

export interface EmbeddedSet {
  queryVectors: Float32Array[];
  candidateVectors: Float32Array[];
  traces: (Trace | null)[];
  embedCalls: number;
}

/** How a reasoning trace joins the query text the embedder sees. */
export function withTrace(queryText: string, trace: Trace | null): string {
  return trace ? `${queryText}\n${trace.text}` : queryText;
}

export interface PipelineOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function embedEvalSet(
  evalSet: EvalSet,
  backend: Backend,
  media: MediaLoader,
  opts: PipelineOptions = {},
): Promise<EmbeddedSet> {
  const batchSize = opts.batchSize ?? backend.config.embedder.batchSize ?? 16;
  const total = evalSet.queries.length + evalSet.candidates.length;
  let done = 0;
  let embedCalls = 0;
  const traces: (Trace | null)[] = [];
  if (backend.reasoner) {
    for (let i = 0; i < evalSet.queries.length; i += batchSize) {
      const batch = evalSet.queries.slice(i, i + batchSize);
      const inputs = await Promise.all(batch.map(async (q) => ({ text: q.text, media: await media.load(q.media) })));
      traces.push(...(await backend.reasoner.reason(inputs, { task: evalSet.task.name })));
    }
  } else {
    traces.push(...evalSet.queries.map(() => null));
  }
  const embedAll = async (items: Item[], role: 'query' | 'target', text: (item: Item, i: number) => string) => {
    const out: Float32Array[] = [];
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      const inputs: EmbedInput[] = await Promise.all(
        batch.map(async (it, j) => ({ text: text(it, i + j), media: await media.load(it.media), role })),
      );
      out.push(...(await backend.embedder.embed(inputs, { task: evalSet.task.name })));
      embedCalls += 1;
      done += batch.length;
      opts.onProgress?.(done, total);
    }
    return out;
  };
  const queryVectors = await embedAll(evalSet.queries, 'query', (q, i) => withTrace(q.text, traces[i]));
  const candidateVectors = await embedAll(evalSet.candidates, 'target', (c) => c.text);
  return { queryVectors, candidateVectors, traces, embedCalls };
}
