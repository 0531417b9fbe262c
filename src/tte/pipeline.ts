/**
 * The four TTE pipelines over one EvalSet.
 *  - no-think: the embedder sees each query as the benchmark builds it;
 *  - teacher / distilled: a reasoner writes an ECR trace for each query (a large served model, or a small
 *    local one), and the embedder sees the query with the trace appended;
 *  - unified: one model reasons and embeds from its own hidden states.
 * With `thinkTargets`, candidates are reasoned about too (index-side ECR, produced once and cached).
 * Every trace and vector goes through the content-addressed cache, and identical items are requested
 * once per run. This module knows nothing about tasks beyond the EvalSet it is handed.
 */
import type { Backend } from '../backends/registry.js';
import type { EmbedInput, LoadedMedia, ReasonInput, Trace } from '../backends/types.js';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, Item } from '../datasets/types.js';
import { Cache, cacheKey, mediaDigest } from '../engine/cache.js';
import { hashJson } from '../engine/fingerprint.js';
import type { MediaLoader } from '../engine/media.js';
import { PROMPT_VERSION, promptFamily, reasoningPrompt, withTrace, type PromptFamily } from './prompts.js';

export interface PipelineStats {
  embedCalls: number;
  embedItems: number;
  reasonCalls: number;
  reasonItems: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
}

export interface EmbeddedSet {
  queryVectors: Float32Array[];
  candidateVectors: Float32Array[];
  queryTraces: (Trace | null)[];
  candidateTraces: (Trace | null)[];
  stats: PipelineStats;
}

export interface PipelineOptions {
  version: MmebVersion;
  batchSize?: number;
  cache?: Cache | null;
  thinkTargets?: boolean;
  onProgress?: (done: number, total: number) => void;
}

interface Prepared {
  item: Item;
  media: LoadedMedia[];
  digests: string[];
}

export async function embedEvalSet(evalSet: EvalSet, backend: Backend, media: MediaLoader, opts: PipelineOptions): Promise<EmbeddedSet> {
  const batchSize = opts.batchSize ?? backend.config.embedder.batchSize ?? 16;
  const cache = opts.cache ?? null;
  const stats: PipelineStats = { embedCalls: 0, embedItems: 0, reasonCalls: 0, reasonItems: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 };
  const embedderKey = hashJson({ id: backend.embedder.id, config: backend.config.embedder });
  const reasonerKey = backend.reasoner ? hashJson({ id: backend.reasoner.id, config: backend.config.reasoner }) : null;
  const family = promptFamily(evalSet.task.meta);
  const total = evalSet.queries.length + evalSet.candidates.length;
  let done = 0;

  const prepare = async (items: Item[]): Promise<Prepared[]> =>
    Promise.all(items.map(async (item) => {
      const m = await media.load(item.media);
      return { item, media: m, digests: mediaDigest(m) };
    }));

  /** Traces for items, cached by (reasoner, prompt, content, version); identical items asked once. */
  const reasonAll = async (prepared: Prepared[], fam: PromptFamily): Promise<Trace[]> => {
    const out: (Trace | null)[] = prepared.map(() => null);
    const pending = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      const prompt = reasoningPrompt(fam, p.item.text);
      const key = cacheKey({ kind: 'trace', reasoner: reasonerKey, prompt: PROMPT_VERSION, text: prompt, media: p.digests, version: opts.version });
      const hit = cache?.getTrace(key) ?? null;
      if (hit) {
        out[i] = hit;
        stats.cacheHits++;
      } else pending.set(key, [...(pending.get(key) ?? []), i]);
    });
    const keys = [...pending.keys()];
    for (let b = 0; b < keys.length; b += batchSize) {
      const batchKeys = keys.slice(b, b + batchSize);
      const inputs: ReasonInput[] = batchKeys.map((k) => {
        const p = prepared[(pending.get(k) as number[])[0]];
        return { text: reasoningPrompt(fam, p.item.text), media: p.media };
      });
      const traces = await (backend.reasoner as NonNullable<Backend['reasoner']>).reason(inputs, { task: evalSet.task.name, family: fam });
      stats.reasonCalls++;
      stats.reasonItems += inputs.length;
      batchKeys.forEach((k, j) => {
        cache?.putTrace(k, traces[j]);
        stats.promptTokens += traces[j].usage?.promptTokens ?? 0;
        stats.completionTokens += traces[j].usage?.completionTokens ?? 0;
        for (const i of pending.get(k) as number[]) out[i] = traces[j];
      });
    }
    return out as Trace[];
  };

  /** Vectors for (text, media) inputs, cached by (embedder, content, version, role). */
  const embedAll = async (prepared: Prepared[], texts: string[], role: 'query' | 'target'): Promise<Float32Array[]> => {
    const out: (Float32Array | null)[] = prepared.map(() => null);
    const pending = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      const key = cacheKey({ kind: 'embedding', embedder: embedderKey, text: texts[i], media: p.digests, role, version: opts.version });
      const hit = cache?.getEmbedding(key) ?? null;
      if (hit) {
        out[i] = hit;
        stats.cacheHits++;
      } else pending.set(key, [...(pending.get(key) ?? []), i]);
    });
    const keys = [...pending.keys()];
    for (let b = 0; b < keys.length; b += batchSize) {
      const batchKeys = keys.slice(b, b + batchSize);
      const inputs: EmbedInput[] = batchKeys.map((k) => {
        const i = (pending.get(k) as number[])[0];
        return { text: texts[i], media: prepared[i].media, role };
      });
      const vectors = await backend.embedder.embed(inputs, { task: evalSet.task.name });
      stats.embedCalls++;
      stats.embedItems += inputs.length;
      batchKeys.forEach((k, j) => {
        cache?.putEmbedding(k, vectors[j]);
        for (const i of pending.get(k) as number[]) out[i] = vectors[j];
      });
    }
    return out as Float32Array[];
  };

  /** Unified: trace and vector from one model, cached together under one key. */
  const unifiedAll = async (prepared: Prepared[], fam: PromptFamily): Promise<{ traces: Trace[]; vectors: Float32Array[] }> => {
    const model = backend.unified as NonNullable<Backend['unified']>;
    const traces: (Trace | null)[] = prepared.map(() => null);
    const vectors: (Float32Array | null)[] = prepared.map(() => null);
    const pending = new Map<string, number[]>();
    prepared.forEach((p, i) => {
      const prompt = reasoningPrompt(fam, p.item.text);
      const key = cacheKey({ kind: 'unified', model: embedderKey, prompt: PROMPT_VERSION, text: prompt, media: p.digests, version: opts.version });
      const t = cache?.getTrace(key) ?? null;
      const v = t ? (cache?.getEmbedding(key) ?? null) : null;
      if (t && v) {
        traces[i] = t;
        vectors[i] = v;
        stats.cacheHits++;
      } else pending.set(key, [...(pending.get(key) ?? []), i]);
    });
    const keys = [...pending.keys()];
    for (let b = 0; b < keys.length; b += batchSize) {
      const batchKeys = keys.slice(b, b + batchSize);
      const inputs = batchKeys.map((k) => {
        const p = prepared[(pending.get(k) as number[])[0]];
        return { text: reasoningPrompt(fam, p.item.text), media: p.media };
      });
      const res = await model.reasonAndEmbed(inputs);
      stats.reasonCalls++;
      stats.embedCalls++;
      stats.reasonItems += inputs.length;
      stats.embedItems += inputs.length;
      batchKeys.forEach((k, j) => {
        cache?.putTrace(k, res[j].trace);
        cache?.putEmbedding(k, res[j].vector);
        stats.promptTokens += res[j].trace.usage?.promptTokens ?? 0;
        stats.completionTokens += res[j].trace.usage?.completionTokens ?? 0;
        for (const i of pending.get(k) as number[]) {
          traces[i] = res[j].trace;
          vectors[i] = res[j].vector;
        }
      });
    }
    return { traces: traces as Trace[], vectors: vectors as Float32Array[] };
  };

  const side = async (items: Item[], role: 'query' | 'target'): Promise<{ vectors: Float32Array[]; traces: (Trace | null)[] }> => {
    const vectors: Float32Array[] = [];
    const traces: (Trace | null)[] = [];
    const think = role === 'query' || opts.thinkTargets === true;
    const fam: PromptFamily = role === 'query' ? family : 'target';
    const chunk = batchSize * 4;
    for (let c = 0; c < items.length; c += chunk) {
      const prepared = await prepare(items.slice(c, c + chunk));
      if (think && backend.unified) {
        const r = await unifiedAll(prepared, fam);
        vectors.push(...r.vectors);
        traces.push(...r.traces);
      } else if (think && backend.reasoner) {
        const t = await reasonAll(prepared, fam);
        vectors.push(...(await embedAll(prepared, prepared.map((p, i) => withTrace(p.item.text, t[i].text)), role)));
        traces.push(...t);
      } else {
        vectors.push(...(await embedAll(prepared, prepared.map((p) => p.item.text), role)));
        traces.push(...prepared.map(() => null));
      }
      done += prepared.length;
      opts.onProgress?.(done, total);
    }
    return { vectors, traces };
  };

  const q = await side(evalSet.queries, 'query');
  const t = await side(evalSet.candidates, 'target');
  return { queryVectors: q.vectors, candidateVectors: t.vectors, queryTraces: q.traces, candidateTraces: t.traces, stats };
}
