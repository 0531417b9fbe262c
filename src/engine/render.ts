/**
 * `render`: what a backend's embedder will be sent for each item of a task, without calling it — the exact
 * prompt the model tokenizes (after the chat template, before vision tokens are expanded), the media in the
 * order they are sent, and the HTTP body with data URLs shortened. Queries first, then the pooled candidates
 * (dump's order). Users read it before a long GPU run; tests compare it with references. With `--rerank`, the
 * same for the reranker: each of the first queries with its gold candidate(s), as the reranker's protocol
 * sends the pair.
 */
import type { BackendConfig } from '../backends/config.js';
import { DATA_URLS, protocolRequest, type UrlMaker } from '../backends/openai.js';
import { imageDataUrl } from '../backends/http.js';
import { getProtocol, PROTOCOL_NAMES } from '../backends/protocols/index.js';
import { planFor, type SentPath, type SentResize, sentPaths } from '../backends/protocols/apply.js';
import type { Protocol } from '../backends/protocols/types.js';
import { ConfigError } from '../errors.js';
import type { EvalSet, Item } from '../items/types.js';
import { MediaLoader } from '../tte/media.js';
import { catalogFor, getTask } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION } from '../catalog/types.js';
import { type LoadOptions, loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../items/data-root.js';
import type { LoadedMedia } from '../backends/types.js';
import { qwenScoreBody } from '../rerank/openai.js';
import {
  QWEN3_NO_TOKEN_ID,
  QWEN3_YES_TOKEN_ID,
  buildContent,
  chatBody,
  plannedSize,
  qwen3RerankerPlan,
  type PreparedImage,
  type RerankPart,
  type RerankUrls,
} from '../rerank/qwen3-vl-reranker.js';
import { stripPlaceholders, type RerankItem } from '../rerank/types.js';

export interface RenderLine {
  side: 'query' | 'candidate';
  id: string;
  prompt: string;
  /** sent media in order; a clip with its prepared length (a clip under the collator's minimum is not sent) */
  media: SentPath[];
  /**
   * Per sent media (same order), the sizes the client resized it through, W×H — a video: as read, after the
   * per-frame resize, as sent, and the padded frame count; absent when the client sends every medium as read.
   */
  resized?: (SentResize | null)[];
  request: Record<string, unknown>;
}

/** Data URLs as their MIME type and size only (the bytes are what the paths in `media` hold). */
export const SHORT_URLS: UrlMaker = {
  image: (d) => `${imageDataUrl(d.subarray(0, 16)).split(',')[0]},…(${d.length} bytes)`,
  video: (frames) => `data:video/jpeg;base64,…(${frames.length} frames, ${frames.reduce((a, f) => a + f.length, 0)} bytes)`,
  audio: (clip) => `…(float32 WAV, ${clip.samples.length} samples at ${clip.sampleRate} Hz, ${44 + clip.samples.length * 4} bytes)`,
};

/** The protocol a backend's embedder uses; render needs one (without, the server's own template decides). */
export function embedderProtocol(backend: BackendConfig): Protocol {
  const name = backend.embedder.protocol;
  if (typeof name !== 'string') {
    throw new ConfigError(`render needs an embedder with a "protocol" (${PROTOCOL_NAMES.join(', ')})`, {
      field: 'embedder.protocol',
    });
  }
  return getProtocol(name);
}

export async function renderItem(
  protocol: Protocol,
  backend: BackendConfig,
  item: Item,
  side: 'query' | 'candidate',
  loader: MediaLoader,
  urls: UrlMaker = SHORT_URLS,
): Promise<RenderLine> {
  const loaded = await loader.loadAll(item.media, item.id);
  const plan = planFor(protocol, {
    text: item.text,
    media: loaded,
    role: side === 'query' ? 'query' : 'target',
    parts: item.parts,
    trace: null,
  });
  const model = typeof backend.embedder.model === 'string' ? backend.embedder.model : backend.name;
  const { body, resized } = await protocolRequest(plan, loaded, {
    model,
    sendChatTemplate: backend.embedder.sendChatTemplate !== false,
    urls,
  });
  const line: RenderLine = {
    side,
    id: item.id,
    prompt: plan.prompt,
    media: plan.media.map((s) => sentPaths(s, loaded)),
    request: body,
  };
  if (resized.some((r) => r)) return { ...line, resized, request: body };
  return line;
}

/** Every line of a task's rendering; `limit` caps queries and candidates each. */
export async function* renderEvalSet(
  evalSet: EvalSet,
  backend: BackendConfig,
  loader: MediaLoader,
  { limit, urls = SHORT_URLS }: { limit?: number; urls?: UrlMaker } = {},
): AsyncGenerator<RenderLine> {
  const protocol = embedderProtocol(backend);
  const cap = <T>(xs: T[]): T[] => (limit === undefined ? xs : xs.slice(0, limit));
  for (const q of cap(evalSet.queries)) yield renderItem(protocol, backend, q, 'query', loader, urls);
  for (const c of cap(evalSet.candidates)) yield renderItem(protocol, backend, c, 'candidate', loader, urls);
}

export { DATA_URLS };

/** `render` for one task of a data root: its JSONL lines (queries, then candidates), at most `limit` of each. */
export async function renderTask(
  backend: BackendConfig,
  task: string,
  opts: Pick<LoadOptions, 'dataRoot' | 'hfRoot' | 'version' | 'profile'> & { limit?: number },
): Promise<string> {
  const { evalSet } = await loadEvalSet(getTask(task, catalogFor(opts.version ?? DEFAULT_MMEB_VERSION)), {
    dataRoot: opts.dataRoot,
    hfRoot: opts.hfRoot,
    version: opts.version,
    profile: opts.profile,
  });
  const loader = new MediaLoader(new DataRoot(opts.dataRoot), evalSet);
  const lines: string[] = [];
  for await (const l of renderEvalSet(evalSet, backend, loader, { limit: opts.limit })) lines.push(JSON.stringify(l) + '\n');
  return lines.join('');
}

// ---- render --rerank: what the reranker is sent per (query, candidate) pair ----

export interface RerankRenderLine {
  query_id: string;
  candidate_id: string;
  prompt: string;
  messages: { role: string; content: Record<string, unknown>[] }[];
  media: (
    | { type: 'image'; path: string; size: [number, number] | null }
    | { type: 'video'; frames: string[]; size: [number, number] | null }
  )[];
  request: Record<string, unknown>;
}

/** Prepared media as their size only (render does not resize: the sizes come from the image headers). */
const SHORT_RERANK_URLS: RerankUrls = {
  image: (img) => `data:image/png;base64,…(${img.width}×${img.height})`,
  video: (frames) => `data:video/jpeg;base64,…(${frames.length} frames, ${frames[0]?.width}×${frames[0]?.height})`,
};

/** The reranker a backend names, when it is built by the qwen3-vl-reranker protocol (render needs one). */
function qwenReranker(backend: BackendConfig): { type: 'openai' | 'chat'; model: string; instruction?: string; endpoint: string } {
  const r = backend.reranker;
  if (!r || r.type === 'builtin' || r.protocol !== 'qwen3-vl-reranker')
    throw new ConfigError('render --rerank needs a reranker with "protocol": "qwen3-vl-reranker" (type "openai" or "chat")', {
      field: 'reranker.protocol',
    });
  return {
    type: r.type as 'openai' | 'chat',
    model: String(r.model),
    instruction: typeof r.instruction === 'string' ? r.instruction : undefined,
    endpoint: r.type === 'chat' ? 'chat/completions' : String(r.endpoint ?? 'score'),
  };
}

/** One pair as the reranker sends it: prompt, messages in order, media (paths and sizes), HTTP body. */
export async function renderRerankPair(
  backend: BackendConfig,
  query: Item,
  candidate: Item,
  loader: MediaLoader,
): Promise<RerankRenderLine> {
  const r = qwenReranker(backend);
  const side = async (item: Item): Promise<RerankItem> => ({
    id: item.id,
    text: stripPlaceholders(item.text),
    media: await loader.load(item.media),
    parts: item.parts,
  });
  const q = await side(query);
  const d = await side(candidate);
  const plan = qwen3RerankerPlan(q, d, r.instruction);
  // sizes from the headers, so that render decodes and resizes nothing
  const sized = (m: LoadedMedia, p: RerankPart): PreparedImage => {
    const [width, height] = plannedSize(m, p) ?? [0, 0];
    return { data: new Uint8Array(), width, height };
  };
  const describe = async (pl: typeof plan, a: RerankItem, b: RerankItem) => {
    const sides = { query: a, document: b };
    const sizeOf = new Map<RerankPart, PreparedImage>();
    for (const p of pl.user) if (p.type !== 'text') sizeOf.set(p, sized(sides[p.side].media[p.media], p));
    return buildContent(pl, a, b, SHORT_RERANK_URLS, (p) => sizeOf.get(p) as PreparedImage);
  };
  const built = await describe(plan, q, d);
  let request: Record<string, unknown>;
  if (r.type === 'chat') {
    request = {
      path: '/chat/completions',
      body: { ...chatBody(r.model, plan, built), allowed_token_ids: [QWEN3_YES_TOKEN_ID, QWEN3_NO_TOKEN_ID] },
    };
  } else {
    const pair = { query: q, candidate: d, retrievalRank: 0, gold: false };
    const s = await qwenScoreBody([pair], r.instruction, (pl, p) => describe(pl, p.query, p.candidate));
    const body: Record<string, unknown> = { model: r.model, ...s.kwargs, chat_template_kwargs: { instruction: s.instruction } };
    if (r.endpoint === 'score') Object.assign(body, { queries: s.query, documents: s.documents });
    else Object.assign(body, { query: s.query, documents: s.documents, top_n: 1, return_documents: false });
    request = { path: `/${r.endpoint}`, body };
  }
  const sides = { query: q, document: d };
  const refs = { query: query.media, document: candidate.media };
  const media: RerankRenderLine['media'] = [];
  const content: Record<string, unknown>[] = plan.user.map((p) => {
    if (p.type === 'text') return p;
    const size = plannedSize(sides[p.side].media[p.media], p);
    const sent = sentPaths(
      p.type === 'image' ? { type: 'image', media: p.media } : { type: 'video', media: p.media, frames: p.frames },
      refs[p.side],
    );
    media.push({ ...sent, size } as RerankRenderLine['media'][number]);
    return { ...sent, side: p.side, size };
  });
  return {
    query_id: query.id,
    candidate_id: candidate.id,
    prompt: plan.prompt,
    messages: [
      { role: 'system', content: [{ type: 'text', text: plan.system }] },
      { role: 'user', content },
    ],
    media,
    request,
  };
}

/** `render --rerank`: one line per (query, gold candidate) pair of the first `limit` queries. */
export async function* renderRerankEvalSet(
  evalSet: EvalSet,
  backend: BackendConfig,
  loader: MediaLoader,
  { limit }: { limit?: number } = {},
): AsyncGenerator<RerankRenderLine> {
  const byId = new Map(evalSet.candidates.map((c) => [c.id, c]));
  const queries = limit === undefined ? evalSet.queries : evalSet.queries.slice(0, limit);
  for (const q of queries)
    for (const id of [...new Set(q.gold)]) {
      const c = byId.get(id);
      if (c) yield renderRerankPair(backend, q, c, loader);
    }
}

export async function renderRerankTask(
  backend: BackendConfig,
  task: string,
  opts: Pick<LoadOptions, 'dataRoot' | 'hfRoot' | 'version' | 'profile'> & { limit?: number },
): Promise<string> {
  qwenReranker(backend);
  const { evalSet } = await loadEvalSet(getTask(task), opts);
  const loader = new MediaLoader(new DataRoot(opts.dataRoot), evalSet);
  const lines: string[] = [];
  for await (const l of renderRerankEvalSet(evalSet, backend, loader, { limit: opts.limit })) lines.push(JSON.stringify(l) + '\n');
  return lines.join('');
}
