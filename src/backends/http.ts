/**
 * A small HTTP client for OpenAI-compatible servers (vLLM, SGLang, TGI, hosted APIs): a per-endpoint
 * concurrency limit, timeouts, retries with exponential backoff on 429 / 5xx / network errors (honouring
 * Retry-After), and clear errors otherwise. Replicas are watched: one that refuses connections or answers
 * 502/503/504 is taken out, probed again after a back-off, and rejoins when it answers. The API key is read from the environment variable the config
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
  /** With several replicas: how long all may be down at once before requests fail (unset: retries decide). */
  allDownTimeoutMs?: number;
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

/**
 * `${NAME}` in a baseURL is read from the environment when the client starts, so one backend config serves
 * every job of an array whose server listens on a per-job port (the config, and so the results, stay the same).
 */
export function expandEnv(url: string, env: NodeJS.ProcessEnv = process.env): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new ConfigError(`baseURL '${url}' names environment variable ${name}, which is not set`);
    return v;
  });
}

/** One replica: its concurrency limit and its health (down after a refused connection or a 502/503/504). */
interface Endpoint {
  base: string;
  limiter: Limiter;
  down: boolean;
  /** Consecutive failed health checks; sets the back-off before the next probe. */
  failures: number;
  /** When a down replica may be probed again (one request at a time). */
  retryAt: number;
  probing: boolean;
  lastError: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; detail: string; retryAfterMs: number | null; unhealthy: boolean };

export class HttpClient {
  requests = 0;
  retries = 0;
  /** Requests moved to another replica because theirs was down. */
  failovers = 0;
  /** Each endpoint with its own limit of maxConcurrency requests in flight, and its health. */
  readonly endpoints: Endpoint[];
  /** Since when every replica has been down (null while one is up). */
  private allDownSince: number | null = null;

  constructor(private readonly opts: HttpOptions) {
    const urls = Array.isArray(opts.baseURL) ? opts.baseURL : [opts.baseURL];
    if (!urls.length) throw new ConfigError('baseURL names no endpoint');
    this.endpoints = urls.map((raw) => {
      const u = expandEnv(raw);
      if (!/^https?:\/\//.test(u)) throw new ConfigError(`baseURL must start with http:// or https:// (got '${u}')`);
      return {
        base: u.replace(/\/+$/, ''),
        limiter: new Limiter(opts.maxConcurrency ?? 8),
        down: false,
        failures: 0,
        retryAt: 0,
        probing: false,
        lastError: '',
      };
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

  /**
   * The replica for the next request: a down one whose back-off has passed is probed (one request at a
   * time; success brings it back), otherwise the least busy of those up. Null when none can take it now.
   */
  private pick(): Endpoint | null {
    const now = Date.now();
    const due = this.endpoints.find((e) => e.down && !e.probing && now >= e.retryAt);
    if (due) {
      due.probing = true;
      return due;
    }
    const up = this.endpoints.filter((e) => !e.down);
    return up.length ? up.reduce((a, b) => (b.limiter.load < a.limiter.load ? b : a)) : null;
  }

  private markUp(e: Endpoint): void {
    e.down = false;
    e.probing = false;
    e.failures = 0;
    this.allDownSince = null;
  }

  private markDown(e: Endpoint, detail: string, retryAfterMs: number | null): void {
    // requests already in flight on a replica that just died fail together: count the death once
    if (!e.down || e.probing) {
      e.failures++;
      const backoff = Math.min(30_000, (this.opts.retryBaseMs ?? 500) * 2 ** (e.failures - 1));
      e.retryAt = Date.now() + Math.max(backoff, retryAfterMs ?? 0);
    }
    e.down = true;
    e.probing = false;
    e.lastError = detail;
    if (this.allDownSince === null && this.endpoints.every((x) => x.down)) this.allDownSince = Date.now();
  }

  private async send<T>(e: Endpoint, path: string, body: unknown): Promise<Outcome<T>> {
    let status = 0;
    let detail = '';
    let retryAfterMs: number | null = null;
    try {
      this.requests++;
      const res = await request(`${e.base}${path}`, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 300_000),
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, value: (await res.body.json()) as T };
      status = res.statusCode;
      detail = this.redact((await res.body.text()).slice(0, 300));
      const ra = res.headers['retry-after'];
      if (typeof ra === 'string' && /^\d+(\.\d+)?$/.test(ra)) retryAfterMs = Number(ra) * 1000;
      if (status !== 429 && status < 500) throw new BackendError(`${e.base}${path} answered HTTP ${status}: ${detail}`);
      // a replica that is starting, overloaded past its queue, or gone behind a proxy
      return { ok: false, status, detail, retryAfterMs, unhealthy: status === 502 || status === 503 || status === 504 };
    } catch (err) {
      if (err instanceof BackendError || err instanceof ConfigError) throw err;
      detail = (err as Error).message;
      // a refused or reset connection means the replica is down; a timeout only that it is slow
      const name = (err as Error).name;
      return { ok: false, status, detail, retryAfterMs, unhealthy: name !== 'TimeoutError' && name !== 'AbortError' };
    }
  }

  /**
   * POST JSON to `path` (relative to baseURL, e.g. "/embeddings"), with retries. `signal`: a request still
   * waiting for a slot when it fires is not sent (one already sent completes). Replicas: a request that finds its replica down (refused connection, 502/503/504) moves at once to
   * another that is up, without using a retry. With every replica down it waits for one to come back when
   * `allDownTimeoutMs` is set (failing once all have been down that long), or else uses its retries.
   */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const maxRetries = this.opts.maxRetries ?? 5;
    const base = this.opts.retryBaseMs ?? 500;
    const allDown = this.opts.allDownTimeoutMs;
    for (let attempt = 0; ; ) {
      signal?.throwIfAborted();
      let endpoint = this.pick();
      if (!endpoint) {
        const soonest = this.endpoints.reduce((a, b) => (b.retryAt < a.retryAt ? b : a));
        if (allDown === undefined) {
          // no waiting budget: this request's own retries and back-off decide, then it probes the soonest
          endpoint = soonest;
          endpoint.probing = true;
        } else {
          const downFor = Date.now() - (this.allDownSince ?? Date.now());
          if (downFor > allDown) {
            throw new BackendError(
              `all ${this.endpoints.length} endpoint(s) down for more than ${(allDown / 1000).toFixed(1)} s (allDownTimeoutMs): ` +
                this.endpoints.map((e) => `${e.base}: ${e.lastError}`).join('; '),
            );
          }
          await sleep(Math.max(10, Math.min(soonest.retryAt - Date.now(), allDown - downFor + 10)), signal);
          continue;
        }
      }
      const e = endpoint;
      const probe = e.probing;
      const outcome = await e.limiter
        .run(async (): Promise<Outcome<T> | null> => {
          signal?.throwIfAborted();
          // queued behind requests that found the replica dead: go elsewhere instead of sending
          if (e.down && !probe) return null;
          return this.send<T>(e, path, body);
        })
        .catch((err: unknown) => {
          if (probe) e.probing = false;
          throw err;
        });
      if (outcome === null) continue;
      if (outcome.ok) {
        this.markUp(e);
        return outcome.value;
      }
      const { status, detail, retryAfterMs } = outcome;
      if (outcome.unhealthy) {
        this.markDown(e, `${status ? `HTTP ${status} ` : ''}${detail}`, retryAfterMs);
        if (this.endpoints.some((x) => !x.down)) {
          this.failovers++;
          continue;
        }
        if (allDown !== undefined) continue;
      } else if (probe) e.probing = false;
      if (attempt >= maxRetries) {
        throw new BackendError(`${e.base}${path} failed after ${attempt + 1} attempt(s): ${status ? `HTTP ${status} ` : ''}${detail}`);
      }
      this.retries++;
      await sleep(retryAfterMs ?? Math.min(30_000, base * 2 ** attempt), signal);
      attempt++;
    }
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
