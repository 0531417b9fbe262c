/**
 * A small HTTP client for OpenAI-compatible servers (vLLM, SGLang, TGI, hosted APIs): a per-endpoint
 * concurrency limit, timeouts, retries with exponential backoff on 429 / 5xx / network errors (honouring
 * Retry-After), and clear errors otherwise. The API key is read from the environment variable the config
 * names, and never logged.
 *
 * Requests go through undici's `request`, not the global `fetch`: on the same server it costs about a third
 * of fetch's CPU per request (no WHATWG stream layers), which is what a client sending hundreds of requests
 * a second to several endpoints, on the same cores as the rest of the harness, needs.
 */
import { request } from 'undici';
import { BackendError, ConfigError } from '../errors.js';

export interface HttpOptions {
  /** One endpoint, or several serving the same model (requests go to the least busy). */
  baseURL: string | string[];
  apiKeyEnv?: string;
  maxConcurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
}

/** A counting semaphore: at most `limit` holders at once, FIFO. */
export class Limiter {
  active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {}
  get load(): number {
    return this.active + this.waiting.length;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((res) => this.waiting.push(res));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Wait `ms`, or reject with the abort reason as soon as `signal` fires (a cancelled run does not sit out a backoff). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class HttpClient {
  requests = 0;
  retries = 0;
  /** Each endpoint with its own limit of maxConcurrency requests in flight. */
  readonly endpoints: { base: string; limiter: Limiter }[];

  constructor(private readonly opts: HttpOptions) {
    const urls = Array.isArray(opts.baseURL) ? opts.baseURL : [opts.baseURL];
    if (!urls.length) throw new ConfigError('baseURL names no endpoint');
    this.endpoints = urls.map((u) => {
      if (!/^https?:\/\//.test(u)) throw new ConfigError(`baseURL must start with http:// or https:// (got '${u}')`);
      return { base: u.replace(/\/+$/, ''), limiter: new Limiter(opts.maxConcurrency ?? 8) };
    });
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json' };
    if (this.opts.apiKeyEnv) {
      const key = process.env[this.opts.apiKeyEnv];
      if (!key) throw new ConfigError(`environment variable ${this.opts.apiKeyEnv} (apiKeyEnv) is not set`);
      h.authorization = `Bearer ${key}`;
    }
    return h;
  }

  /** A server may echo the request's headers in an error body: the key never reaches a message or log. */
  private redact(text: string): string {
    const key = this.opts.apiKeyEnv ? process.env[this.opts.apiKeyEnv] : undefined;
    return key ? text.split(key).join('***') : text;
  }

  /** POST JSON to `path` (relative to baseURL, e.g. "/embeddings"), with retries. */
  /** `signal`: a request still waiting for a slot when it fires is not sent (one already sent completes). */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const endpoint = this.endpoints.reduce((a, b) => (b.limiter.load < a.limiter.load ? b : a));
    const url = `${endpoint.base}${path}`;
    const maxRetries = this.opts.maxRetries ?? 5;
    const base = this.opts.retryBaseMs ?? 500;
    return endpoint.limiter.run(async () => {
      signal?.throwIfAborted();
      for (let attempt = 0; ; attempt++) {
        let status = 0;
        let detail = '';
        let retryAfterMs: number | null = null;
        try {
          this.requests++;
          const res = await request(url, {
            method: 'POST',
            headers: this.headers(),
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(this.opts.timeoutMs ?? 300_000),
          });
          if (res.statusCode >= 200 && res.statusCode < 300) return (await res.body.json()) as T;
          status = res.statusCode;
          detail = this.redact((await res.body.text()).slice(0, 300));
          const ra = res.headers['retry-after'];
          if (typeof ra === 'string' && /^\d+(\.\d+)?$/.test(ra)) retryAfterMs = Number(ra) * 1000;
          if (status !== 429 && status < 500) throw new BackendError(`${url} answered HTTP ${status}: ${detail}`);
        } catch (err) {
          if (err instanceof BackendError || err instanceof ConfigError) throw err;
          detail = (err as Error).message;
        }
        if (attempt >= maxRetries) {
          throw new BackendError(`${url} failed after ${attempt + 1} attempt(s): ${status ? `HTTP ${status} ` : ''}${detail}`);
        }
        this.retries++;
        await sleep(retryAfterMs ?? Math.min(30_000, base * 2 ** attempt), signal);
      }
    });
  }
}

/** A data URL for image bytes, with the MIME type sniffed from the magic number. */
export function imageDataUrl(data: Uint8Array): string {
  const b = data;
  let mime = 'application/octet-stream';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) mime = 'image/png';
  else if (b[0] === 0xff && b[1] === 0xd8) mime = 'image/jpeg';
  else if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) mime = 'image/gif';
  else if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) mime = 'image/webp';
  return `data:${mime};base64,${Buffer.from(data).toString('base64')}`;
}

/** Decode a `data:` URL back to bytes (what `serve` receives). */
export function decodeDataUrl(url: string): Uint8Array {
  const m = /^data:[^;,]*(;base64)?,(.*)$/s.exec(url);
  if (!m) throw new BackendError('only data: URLs are accepted for images (the server never fetches remote URLs)');
  return m[1] ? new Uint8Array(Buffer.from(m[2], 'base64')) : new TextEncoder().encode(decodeURIComponent(m[2]));
}
