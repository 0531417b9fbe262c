/**
 * `tte-bench serve`: any backend as an OpenAI-compatible server on 127.0.0.1 — /v1/embeddings (OpenAI
 * "input" requests and vLLM-style multimodal "messages" requests, a `video_url` part being one video of
 * frames), /v1/chat/completions (the reasoner),
 * /health, and /stats (request counts and the most requests seen in flight). Users share one loaded
 * model between harness processes with it; tests and benchmarks use it as a real server, with an
 * optional artificial latency, a concurrency cap, and injected failures.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../backends/registry.js';
import { decodeDataUrl, Limiter } from '../backends/http.js';
import type { LoadedAudio, LoadedMedia, ModelMedia } from '../backends/types.js';
import { audioLimits, prepareAudio } from '../media/audio-prepare.js';
import { ConfigError } from '../errors.js';

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Added to every model request, to emulate a remote GPU server. */
  latencyMs?: number;
  /** Requests handled at once; the rest wait in line. */
  maxConcurrency?: number;
  /** Answer the first N model requests with this HTTP status (fault injection for retry tests). */
  failFirst?: { count: number; status: number };
  maxBodyBytes?: number;
  /**
   * When set, every request but `GET /health` must carry `Authorization: Bearer <apiKey>` (as vLLM's
   * `--api-key`); others get 401 with an OpenAI-style error body. Only its digest is kept.
   */
  apiKey?: string;
}

export interface ServerStats {
  requests: number;
  byRoute: Record<string, number>;
  embeddedItems: number;
  inFlight: number;
  maxInFlight: number;
  /** Total time model requests held a concurrency slot (latency + model time), in milliseconds. */
  slotBusyMs: number;
  failuresInjected: number;
  /** Requests that carried an Authorization header (the value itself is never kept). */
  authorized: number;
}

export interface RunningServer {
  url: string;
  port: number;
  stats: ServerStats;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new HttpError(400, `invalid JSON body: ${(err as Error).message}`);
  }
}

/**
 * A `video_url` data URL as its frames: `data:video/jpeg;base64,<frame 1>,<frame 2>,…`, the form vLLM
 * takes for pre-extracted frames (VideoMediaIO.load_base64). The video stays one item, so a backend embeds
 * it as a video (exactly as in-process), not as separate images.
 */
export function decodeVideoDataUrl(url: string): Uint8Array[] {
  const m = /^data:video\/jpeg;base64,(.*)$/s.exec(url);
  if (!m) throw new HttpError(400, "only 'data:video/jpeg;base64,<frame>,<frame>,…' video URLs are accepted (frames, comma-separated)");
  const frames = m[1].split(',').filter((f) => f.length > 0);
  if (!frames.length) throw new HttpError(400, 'video_url has no frames');
  return frames.map((f) => new Uint8Array(Buffer.from(f, 'base64')));
}

/** Clips a client sends are already prepared: decoded whole (any length), mono, at 16 kHz, never dropped. */
const SERVED_AUDIO = audioLimits({ maxSeconds: 86400, minSamples: 0 });

/**
 * An `input_audio` part ({data: base64, format: "wav"}, OpenAI's and vLLM's field) as the samples a backend embeds:
 * the WAV decoded (float32 exactly; integer PCM as libsndfile scales it), mixed to mono and brought to 16 kHz as
 * the collator would (src/media/audio-prepare.ts). Only WAV is accepted.
 */
export function decodeInputAudio(part: { data?: unknown; format?: unknown } | undefined, index: number): LoadedAudio {
  if (!part || typeof part.data !== 'string') throw new HttpError(400, `input_audio part ${index} has no base64 'data'`);
  if (part.format !== 'wav')
    throw new HttpError(400, `input_audio part ${index}: format '${String(part.format)}' is not supported (only 'wav')`);
  const path = `audio_${index}`;
  try {
    const prepared = prepareAudio({ bytes: new Uint8Array(Buffer.from(part.data, 'base64')), name: path, segment: null }, SERVED_AUDIO);
    if (!prepared || prepared.samples.length === 0) throw new HttpError(400, `input_audio part ${index} holds no samples`);
    return { kind: 'audio', path, samples: prepared.samples, sampleRate: prepared.sampleRate };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `input_audio part ${index}: ${(err as Error).message}`);
  }
}

/** text + media of one OpenAI chat message list (each video_url part one video of frames, each input_audio one clip). */
function parseMessages(messages: unknown): { text: string; media: ModelMedia[] } {
  if (!Array.isArray(messages) || !messages.length) throw new HttpError(400, "'messages' must be a non-empty list");
  const texts: string[] = [];
  const media: ModelMedia[] = [];
  for (const m of messages as { role?: unknown; content?: unknown }[]) {
    if (m.role === 'system') continue;
    if (typeof m.content === 'string') texts.push(m.content);
    else if (Array.isArray(m.content)) {
      for (const part of m.content as {
        type?: string;
        text?: unknown;
        image_url?: { url?: unknown };
        video_url?: { url?: unknown };
        input_audio?: { data?: unknown; format?: unknown };
      }[]) {
        if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
        else if (part.type === 'image_url' && typeof part.image_url?.url === 'string') {
          try {
            media.push({ kind: 'image', path: `image_${media.length}`, data: decodeDataUrl(part.image_url.url) });
          } catch (err) {
            throw new HttpError(400, (err as Error).message);
          }
        } else if (part.type === 'video_url' && typeof part.video_url?.url === 'string') {
          const data = decodeVideoDataUrl(part.video_url.url);
          media.push({ kind: 'frames', paths: data.map((_, f) => `video_${media.length}/frame_${f}`), data });
        } else if (part.type === 'input_audio') {
          media.push(decodeInputAudio(part.input_audio, media.length));
        } else throw new HttpError(400, `unsupported content part type '${String(part.type)}'`);
      }
    } else throw new HttpError(400, 'message content must be a string or a list of parts');
  }
  return { text: texts.join('\n'), media };
}

/** SHA-256 of a key: equal-length buffers for timingSafeEqual whatever the presented key's length. */
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The `Authorization` check, in constant time: the presented token's digest against the key's. A header
 * that is not `Bearer <token>` is hashed anyway (as an empty token), so every refusal costs the same.
 */
export function bearerMatches(header: string | undefined, keyDigest: Buffer): boolean {
  const m = header === undefined ? null : /^Bearer (.+)$/.exec(header);
  const presented = digest(m ? m[1] : '');
  return timingSafeEqual(presented, keyDigest) && m !== null;
}

const words = (s: string) => (s.match(/\S+/g) ?? []).length;

export async function startServer(backend: Backend, opts: ServeOptions = {}): Promise<RunningServer> {
  const stats: ServerStats = {
    requests: 0,
    byRoute: {},
    embeddedItems: 0,
    inFlight: 0,
    maxInFlight: 0,
    slotBusyMs: 0,
    failuresInjected: 0,
    authorized: 0,
  };
  const limiter = new Limiter(opts.maxConcurrency ?? 64);
  const modelName = backend.config.name;
  const limit = opts.maxBodyBytes ?? 256 * 1024 * 1024;
  if (opts.apiKey !== undefined && opts.apiKey.length === 0) throw new ConfigError('serve: the API key is empty');
  const keyDigest = opts.apiKey === undefined ? null : digest(opts.apiKey);

  const model = async (fn: () => Promise<unknown>): Promise<unknown> =>
    limiter.run(async () => {
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const start = performance.now();
      try {
        if (opts.failFirst && stats.failuresInjected < opts.failFirst.count) {
          stats.failuresInjected++;
          throw new HttpError(opts.failFirst.status, `injected failure ${stats.failuresInjected} of ${opts.failFirst.count}`);
        }
        if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
        return await fn();
      } finally {
        stats.inFlight--;
        stats.slotBusyMs += performance.now() - start;
      }
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    stats.requests++;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    if (req.headers.authorization) stats.authorized++;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (route === 'GET /health')
        return send(200, { status: 'ok', model: modelName, embedder: backend.embedder.id, reasoner: backend.reasoner?.id ?? null });
      if (keyDigest && !bearerMatches(req.headers.authorization, keyDigest)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(401, {
          error: {
            message: 'missing or incorrect API key: send the header "Authorization: Bearer <key>"',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        });
      }
      if (route === 'GET /stats') return send(200, stats);
      if (route === 'GET /v1/models')
        return send(200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'tte-bench' }] });
      if (route === 'POST /v1/embeddings') {
        const body = await readJson(req, limit);
        let items: { text: string; media: ModelMedia[] }[];
        if (body.messages !== undefined) items = [parseMessages(body.messages)];
        else if (typeof body.input === 'string') items = [{ text: body.input, media: [] }];
        else if (Array.isArray(body.input) && body.input.every((x) => typeof x === 'string'))
          items = (body.input as string[]).map((t) => ({ text: t, media: [] }));
        else throw new HttpError(400, "expected 'input' (a string or list of strings) or 'messages'");
        const vectors = (await model(() =>
          backend.embedder.embed(items.map((it) => ({ ...it, role: 'query' as const }))),
        )) as Float32Array[];
        stats.embeddedItems += items.length;
        const tokens = items.reduce((a, it) => a + words(it.text), 0);
        return send(200, {
          object: 'list',
          model: modelName,
          // encoding_format 'base64': little-endian float32 bytes, as OpenAI and vLLM answer it
          data: vectors.map((v, index) => ({
            object: 'embedding',
            index,
            embedding:
              body.encoding_format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
          })),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      }
      if (route === 'POST /v1/chat/completions') {
        const body = await readJson(req, limit);
        const reasoner = backend.reasoner;
        if (!reasoner) throw new HttpError(400, `backend '${modelName}' has no reasoner`);
        const parsed = parseMessages(body.messages);
        if (parsed.media.some((m) => m.kind === 'audio')) throw new HttpError(400, 'chat completions take no input_audio parts');
        const input = { text: parsed.text, media: parsed.media as LoadedMedia[] };
        const [trace] = (await model(() => reasoner.reason([input]))) as {
          text: string;
          usage?: { promptTokens: number; completionTokens: number };
        }[];
        const usage = trace.usage ?? { promptTokens: words(input.text), completionTokens: words(trace.text) };
        return send(200, {
          id: `chatcmpl-${stats.requests}`,
          object: 'chat.completion',
          model: modelName,
          choices: [{ index: 0, message: { role: 'assistant', content: trace.text }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            total_tokens: usage.promptTokens + usage.completionTokens,
          },
        });
      }
      throw new HttpError(404, `no route ${route}`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      send(status, { error: { message: (err as Error).message, type: status >= 500 ? 'server_error' : 'invalid_request_error' } });
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
