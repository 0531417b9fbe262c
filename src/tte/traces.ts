/**
 * The trace exchange format (one line of traces.jsonl) and how an imported trace enters the trace cache:
 * under exactly the key the pipeline computes for it, so a later run uses it without calling the reasoner.
 * A trace made under another prompt version or by another model is refused, never stored under a wrong key.
 * Reading run folders and data roots around this (`traces export` / `traces import`) is the engine's
 * (src/engine/traces.ts).
 */
import type { MmebVersion } from '../catalog/types.js';
import type { MediaRef } from '../items/types.js';
import { DataError } from '../errors.js';
import { Cache } from './cache.js';
import { modelKey, stageKey } from './pipeline.js';
import { PROMPT_VERSION } from './prompts.js';

export const TRACE_SCHEMA = 'tte-bench/trace@1';

/** One line of traces.jsonl. */
export interface TraceRecord {
  schema: typeof TRACE_SCHEMA;
  task: string;
  /** The query id, and its occurrence key (id#n for the n-th repeat of an id). */
  id: string;
  key: string;
  mmeb_version: MmebVersion;
  reasoner: { id: string; key: string };
  prompt_version: string;
  prompt_family: string;
  /** The reasoner's input: the prompt as it saw it, and its media as paths inside the data root. */
  input: { prompt: string; media: MediaRef[] };
  trace: string;
  /** The run the trace came from. */
  run: string;
}

/** One traces.jsonl line, checked field by field (the line number names a malformed one). */
export function parseTraceRecord(value: unknown, file: string, line: number): TraceRecord {
  const v = value as Partial<TraceRecord>;
  const need = (ok: boolean, field: string) => {
    if (!ok) throw new DataError('missing or malformed', { file, line, field });
  };
  need(!!v && typeof v === 'object', '(line)');
  need(typeof v.task === 'string', 'task');
  need(typeof v.id === 'string', 'id');
  need(typeof v.key === 'string', 'key');
  need(typeof v.mmeb_version === 'string', 'mmeb_version');
  need(!!v.reasoner && typeof v.reasoner.id === 'string' && typeof v.reasoner.key === 'string', 'reasoner');
  need(typeof v.prompt_version === 'string', 'prompt_version');
  need(!!v.input && typeof v.input.prompt === 'string' && Array.isArray(v.input.media), 'input');
  need(typeof v.trace === 'string', 'trace');
  return v as TraceRecord;
}

/** A reasoner's identity as trace records and the trace cache name it (its id and config decide the key). */
export function reasonerIdentity(id: string, cfg: Record<string, unknown> | null): { id: string; key: string } {
  return { id, key: modelKey(id, cfg) };
}

/** Refuse a record made under another prompt version or by another reasoner identity. */
export function checkTraceIdentity(r: TraceRecord, reasoner: { id: string; key: string }, file: string, line: number): void {
  if (r.prompt_version !== PROMPT_VERSION) {
    throw new DataError(
      `prompt version mismatch: the trace was made with ${r.prompt_version}, this harness prompts with ${PROMPT_VERSION}`,
      {
        file,
        line,
        field: 'prompt_version',
      },
    );
  }
  if (r.reasoner.key !== reasoner.key) {
    throw new DataError(
      `model mismatch: the trace was made by ${r.reasoner.id} (identity ${r.reasoner.key.slice(0, 12)}), the backend's reasoner is ${reasoner.id} (identity ${reasoner.key.slice(0, 12)}); the same model with another config (e.g. maxTokens) is another identity`,
      { file, line, field: 'reasoner' },
    );
  }
}

/** The trace cache key of a query's trace: the pipeline's own key for its reasoning stage. */
export function traceCacheKey(reasonerKey: string, prompt: string, mediaDigests: string[], version: MmebVersion): string {
  return stageKey('trace', reasonerKey, 'query', prompt, mediaDigests, version);
}

/** Store traces under their keys; returns how many were already cached with the same text (not rewritten). */
export async function seedTraceCache(cacheDir: string, puts: { key: string; trace: string }[]): Promise<number> {
  const cache = new Cache(cacheDir);
  let alreadyCached = 0;
  for (const p of puts) {
    if (cache.getTrace(p.key)?.text === p.trace) alreadyCached++;
    else await cache.putTrace(p.key, { text: p.trace });
  }
  return alreadyCached;
}
