/**
 * `doctor`: what a live server will do with a backend's embedder requests, checked before a long run —
 * the server answers, serves the configured model, returns embeddings (and of which dimension), and, where
 * it offers vLLM's `/tokenize` for chat messages, renders sample items to exactly the tokens of the
 * protocol's prompt (this catches a server started without the template or without
 * --trust-request-chat-template, which would silently embed something else). Every failure names its fix.
 */
import { audioCheck } from './doctor-audio.js';
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
import type { EvalProfileName } from '../catalog/profiles.js';
import { frameListSizes, qwenSmartResize } from '../media/qwen-vl-utils.js';
import { imageHeader } from '../util/image-header.js';
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
    // audio: one tiny clip, for protocols that send audio
    await audioCheck(protocol, model, sendChatTemplate, (path, body) => call('POST', `${base}${path}`, body, timeoutMs, apiKey), add);
    // 5. vision tokens of calibration items against the protocol's grid (where /tokenize is offered)
    if (!tokenizeMissing && VISION_GRID[protocol.name])
      await visionTokenChecks(protocol, root, model, sendChatTemplate, add, timeoutMs, apiKey);
  }
  out.push(...(await rerankChecks(backend, { pairs: rerankPairs, timeoutMs })));
  return out;
}

/**
 * Vision-token calibration: protocols whose server-side grid the client can compute. Qwen3-VL: one token per
 * 32×32 pixels (patch 16, merge 2), frames in pairs (temporal patch 2).
 */
const VISION_GRID: Record<string, { factor: number; temporal: number }> = {
  'qwen3-vl-embedding': { factor: 32, temporal: 2 },
};

/** In-memory calibration items: a 300×200 image, and videos of 8 and 64 frames of 320×240. */
export async function calibrationSamples(): Promise<DoctorSample[]> {
  const png = async (width: number, height: number, v: number) =>
    new Uint8Array(
      await sharp({ create: { width, height, channels: 3, background: { r: v, g: 255 - v, b: 90 } } })
        .png()
        .toBuffer(),
    );
  const video = async (n: number): Promise<DoctorSample> => {
    const frames = await Promise.all(Array.from({ length: n }, (_, i) => png(320, 240, (i * 4) % 256)));
    return {
      name: `calibration ${n}-frame video`,
      input: {
        text: '',
        media: [{ kind: 'frames', paths: frames.map((_, i) => `calibration_${n}/frame_${i}.png`), data: frames }],
        role: 'query',
        parts: { instruction: 'Describe the video.', text: '', rule: { kind: 'process' } },
      },
    };
  };
  return [
    {
      name: 'calibration image',
      input: {
        text: '',
        media: [{ kind: 'image', path: 'calibration.png', data: await png(300, 200, 40) }],
        role: 'query',
        parts: { instruction: 'Describe the image.', text: '', rule: { kind: 'process' } },
      },
    },
    await video(8),
    await video(64),
  ];
}

/**
 * The vision tokens the model must see for one sample under the protocol: a video through the client's frame
 * chain (sizes and padded count), an image resized by the server to the plan's pixel limits; null where the
 * grid is not computed here.
 */
export function expectedVisionTokens(protocol: Protocol, input: EmbedInput): { image: number; video: number; detail: string } | null {
  const grid = VISION_GRID[protocol.name];
  if (!grid) return null;
  const plan = planFor(protocol, input);
  let image = 0;
  let video = 0;
  const detail: string[] = [];
  for (const sent of plan.media) {
    const m = input.media[sent.media];
    if (sent.type === 'video' && m.kind === 'frames') {
      const h = imageHeader(m.data[sent.frames[0]]);
      if (!h || !plan.clientResize) return null;
      const s = frameListSizes(h.width, h.height, sent.frames.length, plan.clientResize.frames);
      const [w, hh] = s.videoSize;
      video += (Math.ceil(s.frames / grid.temporal) * (w / grid.factor) * hh) / grid.factor;
      detail.push(`${s.frames} frames of ${w}×${hh}`);
    } else if (sent.type === 'image' && m.kind === 'image') {
      const h = imageHeader(m.data);
      const k = plan.mmProcessorKwargs;
      if (!h || typeof k?.min_pixels !== 'number' || typeof k.max_pixels !== 'number') return null;
      const [hh, w] = qwenSmartResize(h.height, h.width, grid.factor, k.min_pixels, k.max_pixels);
      image += ((w / grid.factor) * hh) / grid.factor;
      detail.push(`an image of ${w}×${hh}`);
    }
  }
  return { image, video, detail: detail.join(', ') };
}

/** The id of a special token, as the server's tokenizer has it (one token, else null). */
async function tokenId(root: string, model: string, text: string, timeoutMs: number, apiKey?: string): Promise<number | null> {
  const r = await call('POST', `${root}/tokenize`, { model, prompt: text, add_special_tokens: false }, timeoutMs, apiKey);
  const t = (r.json as { tokens?: number[] })?.tokens;
  return r.status === 200 && Array.isArray(t) && t.length === 1 ? t[0] : null;
}

/**
 * vLLM's /tokenize with chat messages runs the multimodal processor (it answers the prompt's token ids with
 * every image and video placeholder expanded to the grid the processor computed), so the number of pad tokens
 * it reports is the number of vision tokens the model would get. Compared with the protocol's grid, this
 * catches a server that ignores the request's pixel limits or `do_resize: false`, or cuts frames.
 */
async function visionTokenChecks(
  protocol: Protocol,
  root: string,
  model: string,
  sendChatTemplate: boolean,
  add: (check: string, status: CheckStatus, message: string, fix?: string) => void,
  timeoutMs: number,
  apiKey?: string,
): Promise<void> {
  const samples = await calibrationSamples();
  const imagePad = await tokenId(root, model, '<|image_pad|>', timeoutMs, apiKey);
  const videoPad = await tokenId(root, model, '<|video_pad|>', timeoutMs, apiKey);
  if (imagePad === null || videoPad === null) {
    add('vision tokens', 'skip', "the server's tokenizer has no single <|image_pad|> / <|video_pad|> token", 'check the served model');
    return;
  }
  for (const s of samples) {
    const want = expectedVisionTokens(protocol, s.input);
    if (!want) continue;
    const plan = planFor(protocol, s.input);
    const { body } = await protocolRequest(plan, s.input.media, { model, sendChatTemplate, urls: DATA_URLS });
    const chat: Record<string, unknown> = { model, messages: body.messages, ...plan.flags };
    for (const key of ['chat_template', 'mm_processor_kwargs', 'media_io_kwargs']) if (body[key] !== undefined) chat[key] = body[key];
    let r: HttpResult;
    try {
      r = await call('POST', `${root}/tokenize`, chat, timeoutMs, apiKey);
    } catch (err) {
      add(`vision tokens ${s.name}`, 'fail', (err as Error).message, 'check the server log');
      continue;
    }
    const tokens = (r.json as { tokens?: number[] })?.tokens;
    if (r.status !== 200 || !Array.isArray(tokens)) {
      add(
        `vision tokens ${s.name}`,
        'fail',
        `HTTP ${r.status}: ${r.text.slice(0, 300)}`,
        'check the server log (the item is the one named)',
      );
      continue;
    }
    const got = {
      image: tokens.filter((t) => t === imagePad).length,
      video: tokens.filter((t) => t === videoPad).length,
    };
    const media = want.video ? 'video' : 'image';
    if (got[media] <= 1) {
      add(
        `vision tokens ${s.name}`,
        'skip',
        `/tokenize left the ${media} placeholder unexpanded (${got[media]} pad token): the vision-token count could not be checked`,
        'use a vLLM version whose /tokenize processes chat media (it reports the expanded prompt)',
      );
      return;
    }
    if (got[media] === want[media]) {
      add(`vision tokens ${s.name}`, 'pass', `${got[media]} ${media} tokens, as the protocol's grid gives (${want.detail})`);
      continue;
    }
    const fix =
      media === 'image'
        ? `the server resized to other pixel limits than the request's mm_processor_kwargs ${JSON.stringify(body.mm_processor_kwargs)}: start vLLM with --mm-processor-kwargs '${JSON.stringify(body.mm_processor_kwargs)}' (vLLM >= 0.14.0 for Qwen3-VL)`
        : `the server did not take the frames as sent: it must honour the request's mm_processor_kwargs {"do_resize": false} ` +
          `(vLLM passes request mm_processor_kwargs to transformers' Qwen3VLVideoProcessor; a server that drops them resizes again — use vLLM >= 0.14.0, ` +
          `and --trust-request-mm-kwargs where the version has it) and keep every frame (--media-io-kwargs '{"video": {"num_frames": -1, "fps": 2}}')`;
    add(
      `vision tokens ${s.name}`,
      'fail',
      `the server reports ${got[media]} ${media} tokens, the protocol's grid ${want[media]} (${want.detail})`,
      fix,
    );
  }
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

/**
 * One query and one candidate per parser family of the planned run's tasks (the first task of each family), as
 * the run would load them (`profile` included): a server that refuses an input the protocol produces then
 * fails `doctor` naming the task and item.
 */
export async function familySamples(tasks: string[], dataRoot: string, profile?: EvalProfileName): Promise<DoctorSample[]> {
  const seen = new Set<string>();
  const out: DoctorSample[] = [];
  for (const name of tasks) {
    const task = getTask(name);
    if (seen.has(task.parser)) continue;
    seen.add(task.parser);
    const { evalSet } = await loadEvalSet(task, { dataRoot, profile });
    const loader = new MediaLoader(new DataRoot(dataRoot), evalSet);
    for (const [items, role] of [
      [evalSet.queries, 'query'],
      [evalSet.candidates, 'target'],
    ] as const) {
      const it = items[0];
      if (!it) continue;
      out.push({
        name: `${name} ${role} ${it.id} (${task.parser})`,
        input: { text: it.text, media: await loader.load(it.media), role, parts: it.parts },
      });
    }
  }
  return out;
}

/** `run --preflight`: the doctor's checks, written to `log`; a failed check stops the run before it starts. */
export async function preflight(
  backend: BackendConfig,
  log: (text: string) => void,
  run?: { tasks: string[]; dataRoot: string; profile?: EvalProfileName },
): Promise<Check[]> {
  const samples = run ? [...(await defaultSamples()), ...(await familySamples(run.tasks, run.dataRoot, run.profile))] : undefined;
  const checks = await runDoctor(backend, { samples });
  log(formatChecks(checks));
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length) throw new BackendError(`preflight failed (${failed.length} check(s)); fix the server or config and rerun`);
  return checks;
}
