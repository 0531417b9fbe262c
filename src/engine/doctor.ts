/**
 * `doctor`: what a live server will do with a backend's embedder requests, checked before a long run —
 * the server answers, serves the configured model, returns embeddings (and of which dimension), and, where
 * it offers vLLM's `/tokenize` for chat messages, renders sample items to exactly the tokens of the
 * protocol's prompt (this catches a server started without the template or without
 * --trust-request-chat-template, which would silently embed something else). Every failure names its fix.
 */
import sharp from 'sharp';
import { request } from 'undici';
import type { BackendConfig } from '../backends/config.js';
import { DATA_URLS, protocolRequest } from '../backends/openai.js';
import { getProtocol } from '../backends/protocols/index.js';
import { planFor } from '../backends/protocols/apply.js';
import type { Protocol } from '../backends/protocols/types.js';
import type { EmbedInput } from '../backends/types.js';
import { getTask } from '../catalog/load.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../items/data-root.js';
import { BackendError, ConfigError } from '../errors.js';
import { MediaLoader } from '../tte/media.js';
import { rerankChecks, type RerankDoctorPair } from './doctor-rerank.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface Check {
  endpoint: string;
  check: string;
  status: CheckStatus;
  message: string;
  /** What to change when the check fails (or what could not be checked). */
  fix?: string;
}

/** A sample item for the checks, with a name for the verdicts. */
export interface DoctorSample {
  name: string;
  input: EmbedInput;
}

/** Synthetic samples (no data root needed): a text query, a text candidate, an image query, an 8-frame video. */
export async function defaultSamples(): Promise<DoctorSample[]> {
  const png = async (r: number, g: number, b: number) =>
    new Uint8Array(
      await sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
  const image = await png(200, 30, 30);
  const frames = await Promise.all(Array.from({ length: 8 }, (_, i) => png(30 * i, 100, 200 - 20 * i)));
  return [
    {
      name: 'text query',
      input: {
        text: '',
        media: [],
        role: 'query',
        parts: {
          instruction: 'Find a document image that matches the given query:',
          text: 'What was the revenue in 2019?',
          rule: { kind: 'process' },
        },
      },
    },
    {
      name: 'text candidate',
      input: { text: '', media: [], role: 'target', parts: { instruction: '', text: 'brush_hair', rule: { kind: 'raw' } } },
    },
    {
      name: 'image query',
      input: {
        text: '',
        media: [{ kind: 'image', path: 'sample.png', data: image }],
        role: 'query',
        parts: {
          instruction: '<|image_1|>\nRepresent the given image with the following question:',
          text: 'What is in the image?',
          rule: { kind: 'image-query', qaStyle: true },
        },
      },
    },
    {
      name: '8-frame video query',
      input: {
        text: '',
        media: [{ kind: 'frames', paths: frames.map((_, i) => `frame_${i}.png`), data: frames }],
        role: 'query',
        parts: {
          instruction: 'What actions or objects interactions are the person in the video doing?',
          text: '',
          rule: { kind: 'process' },
        },
      },
    },
  ];
}

interface HttpResult {
  status: number;
  json: unknown;
  text: string;
}

async function call(method: 'GET' | 'POST', url: string, body: unknown, timeoutMs: number, apiKey?: string): Promise<HttpResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const res = await request(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: res.statusCode, json, text };
}

/** Runs of one repeated token collapse to one: a server may or may not expand vision pads in /tokenize. */
function collapse(ids: number[]): number[] {
  return ids.filter((t, i) => i === 0 || ids[i - 1] !== t);
}

function templateFix(protocol: Protocol, sendChatTemplate: boolean, template: string | null): string {
  const file = `templates/${template ?? `${protocol.name}.jinja`}`;
  return sendChatTemplate
    ? `start vLLM with --trust-request-chat-template (this config sends ${file} as chat_template), or with --chat-template ${file} and set "sendChatTemplate": false on the embedder`
    : `start vLLM with --chat-template ${file} (this config sets "sendChatTemplate": false, so the server's template must be the protocol's)`;
}

/** The checks against every endpoint of the backend's embedder. */
export async function runDoctor(
  backend: BackendConfig,
  { samples, rerankPairs, timeoutMs = 30_000 }: { samples?: DoctorSample[]; rerankPairs?: RerankDoctorPair[]; timeoutMs?: number } = {},
): Promise<Check[]> {
  const cfg = backend.embedder;
  if (cfg.type !== 'openai')
    throw new ConfigError('doctor checks HTTP embedders (type "openai"); this embedder runs in-process', { field: 'embedder.type' });
  if (typeof cfg.protocol !== 'string')
    throw new ConfigError('doctor needs an embedder with a "protocol" to know what the server must do', { field: 'embedder.protocol' });
  const protocol = getProtocol(cfg.protocol);
  const model = String(cfg.model);
  const sendChatTemplate = cfg.sendChatTemplate !== false;
  const apiKey = typeof cfg.apiKeyEnv === 'string' ? process.env[cfg.apiKeyEnv] : undefined;
  const items = samples ?? (await defaultSamples());
  const bases = (Array.isArray(cfg.baseURL) ? cfg.baseURL : [cfg.baseURL]).map((u) => String(u).replace(/\/+$/, ''));
  const out: Check[] = [];
  for (const base of bases) {
    const add = (check: string, status: CheckStatus, message: string, fix?: string) =>
      out.push({ endpoint: base, check, status, message, ...(fix ? { fix } : {}) });
    // 1. reachable, 2. model name
    let models: HttpResult;
    try {
      models = await call('GET', `${base}/models`, undefined, timeoutMs, apiKey);
    } catch (err) {
      add(
        'reachable',
        'fail',
        `cannot reach ${base}/models: ${(err as Error).message}`,
        'start the server, or fix "baseURL" (it ends in /v1 for vLLM)',
      );
      continue;
    }
    if (models.status !== 200) {
      add(
        'reachable',
        'fail',
        `${base}/models answered HTTP ${models.status}: ${models.text.slice(0, 200)}`,
        models.status === 401 ? `set the API key in the environment variable named by "apiKeyEnv"` : 'check "baseURL"',
      );
      continue;
    }
    add('reachable', 'pass', `${base} answers`);
    const ids = ((models.json as { data?: { id?: unknown }[] })?.data ?? []).map((d) => String(d.id));
    if (ids.includes(model)) add('model', 'pass', `serves "${model}"`);
    else
      add(
        'model',
        'fail',
        `does not serve "${model}" (serves: ${ids.join(', ') || 'nothing listed'})`,
        `set "model" to the served name (vLLM: --served-model-name, or the path given to vllm serve)`,
      );

    // 3. embeddings for every sample, and their dimension
    const dims = new Set<number>();
    for (const s of items) {
      const plan = planFor(protocol, s.input);
      const { path, body } = await protocolRequest(plan, s.input.media, { model, sendChatTemplate, urls: DATA_URLS });
      let res: HttpResult;
      try {
        res = await call('POST', `${base}${path}`, body, timeoutMs, apiKey);
      } catch (err) {
        add(`embed ${s.name}`, 'fail', (err as Error).message, 'check the server log');
        continue;
      }
      const emb = (res.json as { data?: { embedding?: unknown }[] })?.data?.[0]?.embedding;
      if (res.status === 200 && Array.isArray(emb)) {
        dims.add(emb.length);
        add(`embed ${s.name}`, 'pass', `${emb.length}-dimensional embedding`);
      } else {
        const refused = /chat.?template/i.test(res.text);
        add(
          `embed ${s.name}`,
          'fail',
          `HTTP ${res.status}: ${res.text.slice(0, 300)}`,
          refused
            ? templateFix(protocol, sendChatTemplate, plan.template)
            : /pool|embed/i.test(res.text)
              ? 'serve the model as an embedding model (vLLM: --runner pooling, or --task embed on older versions)'
              : 'check the server log',
        );
      }
    }
    if (dims.size > 1)
      add('dimension', 'fail', `embeddings of different sizes: ${[...dims].join(', ')}`, 'check that every endpoint serves the same model');

    // 4. the server's rendering of the chat samples, token for token, against the protocol's prompt
    const root = base.replace(/\/v1$/, '');
    let tokenizeMissing = false;
    for (const s of items) {
      const plan = planFor(protocol, s.input);
      const { body } = await protocolRequest(plan, s.input.media, { model, sendChatTemplate, urls: DATA_URLS });
      if (body.messages === undefined) continue; // an `input` request: the prompt is sent verbatim
      if (tokenizeMissing) break;
      const chat: Record<string, unknown> = {
        model,
        messages: body.messages,
        add_generation_prompt: plan.flags.add_generation_prompt,
        continue_final_message: plan.flags.continue_final_message,
        add_special_tokens: plan.flags.add_special_tokens,
      };
      if (body.chat_template !== undefined) chat.chat_template = body.chat_template;
      if (body.mm_processor_kwargs !== undefined) chat.mm_processor_kwargs = body.mm_processor_kwargs;
      let server: HttpResult;
      let expected: HttpResult;
      try {
        server = await call('POST', `${root}/tokenize`, chat, timeoutMs, apiKey);
        if (server.status === 404) {
          tokenizeMissing = true;
          add(
            'tokenize',
            'skip',
            `${root}/tokenize is not offered: whether the server renders prompts as the protocol does could not be checked (reachable, model and embedding dimension were)`,
            'compare `tte-bench render` prompts with the server log, or use a vLLM server (it offers /tokenize)',
          );
          break;
        }
        expected = await call('POST', `${root}/tokenize`, { model, prompt: plan.prompt, add_special_tokens: false }, timeoutMs, apiKey);
      } catch (err) {
        add(`tokenize ${s.name}`, 'fail', (err as Error).message, 'check the server log');
        continue;
      }
      const got = (server.json as { tokens?: number[] })?.tokens;
      const want = (expected.json as { tokens?: number[] })?.tokens;
      if (server.status !== 200 || !Array.isArray(got)) {
        const refused = /chat.?template/i.test(server.text);
        add(
          `tokenize ${s.name}`,
          'fail',
          `HTTP ${server.status}: ${server.text.slice(0, 300)}`,
          refused ? templateFix(protocol, sendChatTemplate, plan.template) : 'check the server log',
        );
        continue;
      }
      if (expected.status !== 200 || !Array.isArray(want)) {
        add(
          `tokenize ${s.name}`,
          'fail',
          `tokenizing the protocol's prompt failed: HTTP ${expected.status}: ${expected.text.slice(0, 200)}`,
          'check the server log',
        );
        continue;
      }
      const [a, b] = [collapse(got), collapse(want)];
      const at = a.findIndex((t, i) => t !== b[i]);
      if (at < 0 && a.length === b.length)
        add(
          `tokenize ${s.name}`,
          'pass',
          `the server's rendering equals the protocol's prompt (${want.length} tokens before vision expansion)`,
        );
      else {
        const i = at < 0 ? Math.min(a.length, b.length) : at;
        add(
          `tokenize ${s.name}`,
          'fail',
          `the server renders ${a.length} tokens, the protocol ${b.length}; first difference at token ${i} (server ${a[i] ?? 'end'}, protocol ${b[i] ?? 'end'})`,
          templateFix(protocol, sendChatTemplate, plan.template),
        );
      }
    }
  }
  out.push(...(await rerankChecks(backend, { pairs: rerankPairs, timeoutMs })));
  return out;
}

/** One line per check: "PASS endpoint check: message" and, for failures, "  fix: …". */
export function formatChecks(checks: Check[]): string {
  return (
    checks
      .map((c) => `${c.status.toUpperCase().padEnd(4)} ${c.endpoint} ${c.check}: ${c.message}${c.fix ? `\n     fix: ${c.fix}` : ''}`)
      .join('\n') + '\n'
  );
}

/** The first `n` queries and candidates of a task as samples (else doctor uses synthetic ones). */
export async function taskSamples(task: string, dataRoot: string, n: number): Promise<DoctorSample[]> {
  const { evalSet } = await loadEvalSet(getTask(task), { dataRoot });
  const loader = new MediaLoader(new DataRoot(dataRoot), evalSet);
  const pick = async (items: typeof evalSet.candidates, role: 'query' | 'target') =>
    Promise.all(
      items.slice(0, n).map(async (it) => ({
        name: `${task} ${role} ${it.id}`,
        input: { text: it.text, media: await loader.load(it.media), role, parts: it.parts },
      })),
    );
  return [...(await pick(evalSet.queries, 'query')), ...(await pick(evalSet.candidates, 'target'))];
}

/** `run --preflight`: the doctor's checks, written to `log`; a failed check stops the run before it starts. */
export async function preflight(backend: BackendConfig, log: (text: string) => void): Promise<Check[]> {
  const checks = await runDoctor(backend);
  log(formatChecks(checks));
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length) throw new BackendError(`preflight failed (${failed.length} check(s)); fix the server or config and rerun`);
  return checks;
}
