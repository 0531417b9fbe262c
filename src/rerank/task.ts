/**
 * The rerank stage for one task inside a run (`run` with a reranker in the backend config, or
 * `tte-bench rerank`): rerank the predictions, write `{task}_rerank.jsonl` (per query: the retrieved top K,
 * each one's score, and a reasoning reranker's traces), and report what it cost.
 */
import { join } from 'node:path';
import type { BackendConfig } from '../backends/config.js';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet } from '../items/types.js';
import type { MediaLoader } from '../tte/media.js';
import type { RerankCost } from '../metrics/costs.js';
import type { Prediction } from '../metrics/ranking.js';
import { modelIdentity } from '../tte/pipeline.js';
import { writeFileAtomic } from '../util/json.js';
import type { RerankCache } from './cache.js';
import { rerankPredictions } from './stage.js';
import type { Reranker } from './types.js';

export async function rerankTask(
  evalSet: EvalSet,
  preds: Prediction[],
  reranker: Reranker,
  o: {
    /** Only the reranking part of the backend config is read. */
    backend: Pick<BackendConfig, 'reranker' | 'rerankDepth'>;
    outDir: string;
    media: MediaLoader;
    cache: RerankCache | null;
    version: MmebVersion;
    signal?: AbortSignal;
    onProgress?: (d: number, t: number) => void;
  },
): Promise<{ preds: Prediction[]; cost: RerankCost }> {
  const cfg = o.backend.reranker as Record<string, unknown>;
  const depth = o.backend.rerankDepth as number;
  const r = await rerankPredictions(evalSet, preds, reranker, {
    depth,
    version: o.version,
    media: o.media,
    cache: o.cache,
    identity: modelIdentity(cfg) as Record<string, unknown>,
    parallel: Number(cfg.maxConcurrency ?? 8),
    signal: o.signal,
    onProgress: o.onProgress,
  });
  writeFileAtomic(join(o.outDir, `${evalSet.task.name}_rerank.jsonl`), r.rows.map((row) => JSON.stringify(row) + '\n').join(''));
  const s = r.stats;
  return {
    preds: r.preds,
    cost: {
      reranker: reranker.id,
      depth,
      calls: s.calls,
      pairs: s.pairs,
      cache_hits: s.cacheHits,
      prompt_tokens: s.promptTokens,
      completion_tokens: s.completionTokens,
      work_prompt_tokens: s.workPromptTokens,
      work_completion_tokens: s.workCompletionTokens,
      unparsed: s.unparsed,
      busy_seconds: s.busyMs / 1000,
    },
  };
}

/**
 * Sum the costs of a task's parts (a task split across shards): numbers add up, nested stage costs add
 * field by field, identities (reranker, depth, policy) are kept, the reasoned share is recomputed.
 */
export function sumPartCosts(parts: Record<string, unknown>[]): Record<string, unknown> {
  const KEEP = new Set(['reranker', 'depth', 'policy']);
  const add = (into: Record<string, unknown>, c: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(c)) {
      if (typeof v === 'number' && !KEEP.has(k)) into[k] = ((into[k] as number | undefined) ?? 0) + v;
      else if (v && typeof v === 'object' && !Array.isArray(v))
        add((into[k] ??= {}) as Record<string, unknown>, v as Record<string, unknown>);
      else if (!(k in into)) into[k] = v;
    }
  };
  const out: Record<string, unknown> = {};
  for (const p of parts) add(out, p);
  const think = out.think as { items?: number; reasoned_items?: number; share_reasoned?: number } | undefined;
  if (think) think.share_reasoned = think.items ? (think.reasoned_items ?? 0) / think.items : 0;
  return out;
}
