/** Optional price table: turns the tokens and calls a run recorded into money for the report. */
import { Ajv } from 'ajv';
import { ConfigError } from '../errors.js';
import { readConfigJson } from '../util/json.js';
import type { TaskCost } from './results.js';

export interface PriceTable {
  currency?: string;
  reasoner?: { promptPer1k?: number; completionPer1k?: number; perCall?: number };
  embedder?: { perItem?: number; perCall?: number };
  /** The rerank stage: tokens this run asked for, and a price per pair scored. */
  reranker?: { promptPer1k?: number; completionPer1k?: number; perPair?: number };
  /** Price of an hour of model-busy time (e.g. a GPU server), applied to model_busy_seconds. */
  busyPerHour?: number;
}

const num = { type: 'number', minimum: 0 };
const validate = new Ajv({ allErrors: true }).compile({
  type: 'object',
  additionalProperties: false,
  properties: {
    currency: { type: 'string' },
    reasoner: { type: 'object', additionalProperties: false, properties: { promptPer1k: num, completionPer1k: num, perCall: num } },
    embedder: { type: 'object', additionalProperties: false, properties: { perItem: num, perCall: num } },
    reranker: { type: 'object', additionalProperties: false, properties: { promptPer1k: num, completionPer1k: num, perPair: num } },
    busyPerHour: num,
  },
});

export function loadPrices(file: string): PriceTable {
  const doc = readConfigJson(file, 'price table');
  if (!validate(doc))
    throw new ConfigError(
      `invalid price table: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
      { file },
    );
  return doc as PriceTable;
}

export function price(cost: TaskCost, p: PriceTable): number {
  return (
    (cost.reasoner_prompt_tokens / 1000) * (p.reasoner?.promptPer1k ?? 0) +
    (cost.reasoner_completion_tokens / 1000) * (p.reasoner?.completionPer1k ?? 0) +
    cost.reason_calls * (p.reasoner?.perCall ?? 0) +
    cost.embedded_items * (p.embedder?.perItem ?? 0) +
    cost.embed_calls * (p.embedder?.perCall ?? 0) +
    (cost.model_busy_seconds / 3600) * (p.busyPerHour ?? 0) +
    // the think gate's calls are reasoner calls; the rerank stage has its own prices
    ((cost.think?.gate_prompt_tokens ?? 0) / 1000) * (p.reasoner?.promptPer1k ?? 0) +
    ((cost.think?.gate_completion_tokens ?? 0) / 1000) * (p.reasoner?.completionPer1k ?? 0) +
    (cost.think?.gate_calls ?? 0) * (p.reasoner?.perCall ?? 0) +
    ((cost.rerank?.prompt_tokens ?? 0) / 1000) * (p.reranker?.promptPer1k ?? 0) +
    ((cost.rerank?.completion_tokens ?? 0) / 1000) * (p.reranker?.completionPer1k ?? 0) +
    (cost.rerank?.pairs ?? 0) * (p.reranker?.perPair ?? 0)
  );
}

/** The counted fields of many tasks' costs added up (the per-stage blocks, rerank and think, are not summed). */
export function sumCosts(costs: TaskCost[]): TaskCost {
  const sum = (k: Exclude<keyof TaskCost, 'rerank' | 'think'>): number => costs.reduce((a, c) => a + (c?.[k] ?? 0), 0);
  return {
    wall_seconds: sum('wall_seconds'),
    model_busy_seconds: sum('model_busy_seconds'),
    reasoner_prompt_tokens: sum('reasoner_prompt_tokens'),
    reasoner_completion_tokens: sum('reasoner_completion_tokens'),
    reason_calls: sum('reason_calls'),
    reasoned_items: sum('reasoned_items'),
    embed_calls: sum('embed_calls'),
    embedded_items: sum('embedded_items'),
    cache_hits: sum('cache_hits'),
  };
}
