/**
 * `render`: what a backend's embedder will be sent for each item of a task, without calling it — the exact
 * prompt the model tokenizes (after the chat template, before vision tokens are expanded), the media in the
 * order they are sent, and the HTTP body with data URLs shortened. Queries first, then the pooled candidates
 * (dump's order). Users read it before a long GPU run; tests compare it with references.
 */
import type { BackendConfig } from '../backends/config.js';
import { DATA_URLS, protocolRequest, type UrlMaker } from '../backends/openai.js';
import { imageDataUrl } from '../backends/http.js';
import { getProtocol } from '../backends/protocols/index.js';
import { planFor, sentPaths } from '../backends/protocols/apply.js';
import type { Protocol } from '../backends/protocols/types.js';
import { ConfigError } from '../errors.js';
import type { EvalSet, Item } from '../datasets/types.js';
import { MediaLoader } from '../tte/media.js';
import { catalogFor, getTask } from '../catalog/load.js';
import { DEFAULT_MMEB_VERSION } from '../catalog/types.js';
import { type LoadOptions, loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../datasets/readers/data-root.js';

export interface RenderLine {
  side: 'query' | 'candidate';
  id: string;
  prompt: string;
  media: ({ type: 'image'; path: string } | { type: 'video'; frames: string[] })[];
  request: Record<string, unknown>;
}

/** Data URLs as their MIME type and size only (the bytes are what the paths in `media` hold). */
export const SHORT_URLS: UrlMaker = {
  image: (d) => `${imageDataUrl(d.subarray(0, 16)).split(',')[0]},…(${d.length} bytes)`,
  video: (frames) => `data:video/jpeg;base64,…(${frames.length} frames, ${frames.reduce((a, f) => a + f.length, 0)} bytes)`,
};

/** The protocol a backend's embedder uses; render needs one (without, the server's own template decides). */
export function embedderProtocol(backend: BackendConfig): Protocol {
  const name = backend.embedder.protocol;
  if (typeof name !== 'string') {
    throw new ConfigError('render needs an embedder with a "protocol" (vlm2vec-qwen2vl, gme-qwen2vl, qwen3-vl-embedding, plain)', {
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
  const loaded = await loader.load(item.media);
  const plan = planFor(protocol, {
    text: item.text,
    media: loaded,
    role: side === 'query' ? 'query' : 'target',
    parts: item.parts,
    trace: null,
  });
  const model = typeof backend.embedder.model === 'string' ? backend.embedder.model : backend.name;
  const { body } = await protocolRequest(plan, loaded, { model, sendChatTemplate: backend.embedder.sendChatTemplate !== false, urls });
  return { side, id: item.id, prompt: plan.prompt, media: plan.media.map((s) => sentPaths(s, item.media)), request: body };
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
