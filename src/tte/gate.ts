/**
 * Adaptive thinking ("think only when needed"): which queries get a reasoning trace before embedding.
 *  - `always` — every query (the teacher / distilled default);
 *  - `never`  — none (the same backend config, reasoning switched off: the ablation's floor);
 *  - `gate`   — a policy decides per item:
 *      `family` — by the task's prompt family (`"families": {"vqa": true, "classification": false, ...}`;
 *                 a family not listed is reasoned on);
 *      `reasoner` — a model call per item asks whether reasoning would help (one-word yes/no answer; the
 *                 backend's reasoner unless `"model"` names another; decisions cached like traces);
 *      `margin` — embed without reasoning first and reason only where the retrieval margin (top-1 minus
 *                 top-2 cosine similarity among the query's candidates) is below `"margin"`: the embedder
 *                 is unsure. The no-think embeddings go through the cache, so the queries that are not
 *                 reasoned on and every candidate cost nothing more in the main pass.
 * The gate decides about queries; with think-targets every candidate is still reasoned on.
 * The pipeline asks `shouldThink(items, role)` once per side; everything else stays here.
 */
import type { BackendConfig, ModelConfig } from '../backends/config.js';
import { BuiltinReasoner } from '../backends/builtin-reasoner.js';
import { OpenAIReasoner } from '../backends/openai.js';
import { modelIdentity } from '../backends/model-fields.js';
import { type Backend, isOpenAIModelConfig } from '../backends/registry.js';
import type { Reasoner, Trace } from '../backends/types.js';
import type { MmebVersion } from '../catalog/types.js';
import type { EvalSet, Item } from '../items/types.js';
import { ConfigError } from '../errors.js';
import type { ThinkCost, ThinkPolicy } from '../metrics/costs.js';
import { cacheKey, mediaDigest, type Cache } from './cache.js';
import { hashJson } from '../util/fingerprint.js';
import type { MediaLoader } from './media.js';
import { forEachPool } from '../util/pool.js';
import { embedEvalSet } from './pipeline.js';
import { promptFamily, type PromptFamily } from './prompts.js';

export const GATE_PROMPT_VERSION = 'think-gate@1';

export const GATE_PROMPT =
  'Before this input is embedded for retrieval, a model may first write out reasoning about it (a description, ' +
  'the answer to its question, the object it refers to). Would such reasoning help to find the right match, or is ' +
  'the input already clear enough as it is? Answer with one word: yes (reasoning would help) or no.';

export interface GateStats {
  policy: ThinkPolicy;
  /** Items the gate decided about (queries; candidates too with think-targets). */
  items: number;
  reasoned: number;
  gate_calls: number;
  gate_prompt_tokens: number;
  gate_completion_tokens: number;
  /** Embedding calls of the margin policy's no-think pass. */
  gate_embed_calls: number;
  /** Each query's no-think retrieval margin (margin policy only). */
  margins?: number[];
}

export interface ThinkGate {
  shouldThink: (items: Item[], role: 'query' | 'target') => Promise<boolean[]>;
  stats: GateStats;
}

export interface GateDeps {
  backend: Backend;
  media: MediaLoader;
  cache: Cache | null;
  version: MmebVersion;
  signal?: AbortSignal;
}

function gateReasoner(
  cfg: ModelConfig | undefined,
  maxTokens: number | undefined,
  backend: Backend,
): { reasoner: Reasoner; identity: unknown } {
  if (!cfg) {
    if (!backend.reasoner) throw new ConfigError('gate policy "reasoner" needs a reasoner (the backend\'s, or thinkGate.model)');
    return { reasoner: backend.reasoner, identity: { id: backend.reasoner.id, config: modelIdentity(backend.config.reasoner) } };
  }
  if (cfg.type === 'builtin') return { reasoner: new BuiltinReasoner(), identity: { id: 'builtin-reasoner@1' } };
  if (!isOpenAIModelConfig(cfg)) throw new ConfigError('thinkGate.model must be an "openai" model with baseURL and model, or "builtin"');
  const tokens = maxTokens ?? cfg.maxTokens ?? 4;
  const r = new OpenAIReasoner({ ...cfg, maxTokens: tokens });
  return { reasoner: r, identity: { id: r.id, config: modelIdentity({ ...cfg, maxTokens: tokens }) } };
}

/** The retrieval margin of each query: best minus second-best cosine among its candidates (vectors are unit length). */
export function retrievalMargins(evalSet: EvalSet, q: Float32Array[], c: Float32Array[]): number[] {
  const index = new Map(evalSet.candidates.map((x, i) => [x.id, i]));
  return evalSet.queries.map((query, qi) => {
    const pool = query.candidateIds ? [...new Set(query.candidateIds)].map((id) => index.get(id) as number) : c.map((_, i) => i);
    let best = -Infinity;
    let second = -Infinity;
    for (const ci of pool) {
      let s = 0;
      const a = q[qi];
      const b = c[ci];
      for (let k = 0; k < a.length; k++) s += a[k] * b[k];
      if (s > best) [best, second] = [s, best];
      else if (s > second) second = s;
    }
    return second === -Infinity ? Infinity : best - second;
  });
}

/** The gate a backend config asks for, or null when every item is reasoned on (the default). */
export function makeThinkGate(config: BackendConfig, evalSet: EvalSet, deps: GateDeps): ThinkGate | null {
  const gate = queryGate(config, evalSet, deps);
  // the gate decides about queries; with --think-targets every candidate is reasoned on (index-side ECR is
  // produced once, offline) and not counted here
  return (
    gate && {
      stats: gate.stats,
      shouldThink: (items, role) => (role === 'target' ? Promise.resolve(items.map(() => true)) : gate.shouldThink(items, role)),
    }
  );
}

function queryGate(config: BackendConfig, evalSet: EvalSet, deps: GateDeps): ThinkGate | null {
  // no "think" field: every item is reasoned on ("always"); recorded too, so token curves see what traces cost
  // even when they came from the cache. The unified pipeline reasons inside its one model: no gate.
  if (!deps.backend.reasoner || (config.pipeline !== 'teacher' && config.pipeline !== 'distilled')) return null;
  const mode = config.think ?? 'always';
  const g = config.thinkGate;
  const stats: GateStats = {
    policy: mode === 'gate' ? (g?.policy ?? 'never') : mode,
    items: 0,
    reasoned: 0,
    gate_calls: 0,
    gate_prompt_tokens: 0,
    gate_completion_tokens: 0,
    gate_embed_calls: 0,
  };
  const record = (mask: boolean[]) => {
    stats.items += mask.length;
    stats.reasoned += mask.filter(Boolean).length;
    return mask;
  };
  const familyOf = (role: 'query' | 'target'): PromptFamily => (role === 'query' ? promptFamily(evalSet.task) : 'target');
  if (mode === 'always' || mode === 'never') return { stats, shouldThink: async (items) => record(items.map(() => mode === 'always')) };
  if (g?.policy === 'family') {
    const families = (g.families ?? {}) as Partial<Record<PromptFamily, boolean>>;
    return { stats, shouldThink: async (items, role) => record(items.map(() => families[familyOf(role)] ?? true)) };
  }
  if (g?.policy === 'margin') {
    const threshold = g.margin as number;
    return {
      stats,
      shouldThink: async () => {
        const plain = {
          ...deps.backend,
          reasoner: null,
          unified: null,
          config: { ...deps.backend.config, pipeline: 'no-think' as const, reasoner: null },
        };
        const first = await embedEvalSet(evalSet, plain, deps.media, { version: deps.version, cache: deps.cache, signal: deps.signal });
        stats.gate_embed_calls += first.stats.embedCalls;
        stats.margins = retrievalMargins(evalSet, first.queryVectors, first.candidateVectors);
        return record(stats.margins.map((m) => m < threshold));
      },
    };
  }
  // policy "reasoner": one short call per item, decisions cached under their own key
  const { reasoner, identity } = gateReasoner(g?.model as ModelConfig | undefined, g?.maxTokens as number | undefined, deps.backend);
  const model = hashJson(identity);
  return {
    stats,
    shouldThink: async (items, role) => {
      const out: boolean[] = new Array(items.length);
      const parallel = Number((g?.model as ModelConfig | undefined)?.maxConcurrency ?? deps.backend.config.reasoner?.maxConcurrency ?? 8);
      const asked = new Map<string, Promise<Trace>>();
      await forEachPool(
        items,
        parallel,
        async (it, i) => {
          const media = await deps.media.load(it.media);
          const text = `${GATE_PROMPT}\n\nInput:\n${it.text.replace(/<\|(?:image|video)_pad\|> ?/g, '').trim()}`;
          const key = cacheKey({
            kind: 'gate',
            model,
            prompt: GATE_PROMPT_VERSION,
            role,
            text,
            media: mediaDigest(media),
            version: deps.version,
          });
          let trace = deps.cache?.getTrace(key) ?? null;
          if (!trace) {
            // identical items are asked once per run
            let p = asked.get(key);
            if (!p) {
              p = reasoner
                .reason([{ text, media }], { task: evalSet.task.name, family: familyOf(role), signal: deps.signal })
                .then(async ([t]) => {
                  stats.gate_calls++;
                  stats.gate_prompt_tokens += t.usage?.promptTokens ?? 0;
                  stats.gate_completion_tokens += t.usage?.completionTokens ?? 0;
                  await deps.cache?.putTrace(key, t);
                  return t;
                });
              asked.set(key, p);
            }
            trace = await p;
          }
          out[i] = /^\W*yes\b/i.test(trace.text.replace(/<think>[\s\S]*?<\/think>/g, '').trim());
        },
        deps.signal,
      );
      return record(out);
    },
  };
}

/** What adaptive thinking did on one task (see ThinkCost). */
export function thinkCost(stats: GateStats, traces: (Trace | null)[]): ThinkCost {
  const used = traces.filter((t): t is Trace => t !== null);
  const tokens = used.reduce((a, t) => a + (t.usage?.completionTokens ?? 0), 0);
  const skipped = stats.items - stats.reasoned;
  return {
    policy: stats.policy,
    items: stats.items,
    reasoned_items: stats.reasoned,
    share_reasoned: stats.items ? stats.reasoned / stats.items : 0,
    reasoning_tokens: tokens,
    gate_calls: stats.gate_calls,
    gate_prompt_tokens: stats.gate_prompt_tokens,
    gate_completion_tokens: stats.gate_completion_tokens,
    gate_embed_calls: stats.gate_embed_calls,
    est_tokens_saved: used.length ? Math.round((skipped * tokens) / used.length) : 0,
  };
}
