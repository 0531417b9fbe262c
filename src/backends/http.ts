/**
 * A small HTTP client for OpenAI-compatible servers (vLLM, SGLang, TGI, hosted APIs): a per-endpoint
 * concurrency limit, timeouts, retries with exponential backoff on 429 / 5xx / network errors (honouring
 * Retry-After), and clear errors otherwise. Replicas are watched: one that refuses connections or answers
 * 502/503/504 is taken out, probed again after a back-off, and rejoins when it answers. The API key is read from the environment variable the config
 * names, and never logged.
 *
 * Requests go to undici's dispatcher directly (`dispatch` with a handler that gathers the answer's bytes),
 * not through the global `fetch` nor undici's `request`: fetch costs about three times `request`'s CPU per
 * request, and `request` still wraps every answer in a Node stream, an AbortSignal and several promises.
 * A client sending thousands of requests a second to a fleet of servers, on the same cores as the rest of
 * the harness, spends its CPU on the requests themselves. undici is imported with the first request, so a
 * run that sends none (a resumed one) never loads it.
 */
import type { Dispatcher } from 'undici';
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
  /** `base` split as the dispatcher takes it: scheme://host:port, and the path before each request's own. */
  origin: string;
  basePath: string;
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
      const base = u.replace(/\/+$/, '');
      const url = new URL(base);
      return {
        base,
        origin: url.origin,
        basePath: url.pathname.replace(/\/+$/, ''),
        limiter: new Limiter(opts.maxConcurrency ?? 8),
        down: false,
        failures: 0,
        retryAt: 0,
        probing: false,
        lastError: '',
      };
    });
  }

  /** The request headers as undici takes them (flat name, value pairs); rebuilt only when the key changes. */
  private headerList: string[] = ['content-type', 'application/json'];
  private headerKey: string | undefined = undefined;

  private headers(): string[] {
    if (this.opts.apiKeyEnv) {
      const key = process.env[this.opts.apiKeyEnv];
      if (!key) throw new ConfigError(`environment variable ${this.opts.apiKeyEnv} (apiKeyEnv) is not set`);
      if (key !== this.headerKey) {
        this.headerKey = key;
        this.headerList = ['content-type', 'application/json', 'authorization', `Bearer ${key}`];
      }
    }
    return this.headerList;
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
    // one replica, up: the common case, without a clock read or an array per request
    if (this.endpoints.length === 1 && !this.endpoints[0].down) return this.endpoints[0];
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

  private async send<T>(e: Endpoint, path: string, body: Uint8Array): Promise<Outcome<T>> {
    let status = 0;
    let detail = '';
    let retryAfterMs: number | null = null;
    try {
      this.requests++;
      const headers = this.headers();
      const res = await exchange(
        getDispatcher ? getDispatcher() : await loadDispatcher(),
        { origin: e.origin, path: `${e.basePath}${path}`, method: 'POST', headers, body },
        this.opts.timeoutMs ?? 300_000,
      );
      if (res.status >= 200 && res.status < 300) return { ok: true, value: JSON.parse(res.text()) as T };
      status = res.status;
      detail = this.redact(res.text().slice(0, 300));
      const ra = res.header('retry-after');
      if (ra !== null && /^\d+(\.\d+)?$/.test(ra)) retryAfterMs = Number(ra) * 1000;
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
   * `body` is encoded once, whatever the retries; a Uint8Array is taken as JSON already encoded and sent as it is.
   */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const payload = body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body));
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
          return this.send<T>(e, path, payload);
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

let getDispatcher: (() => Dispatcher) | null = null;
/** undici on first use; the global dispatcher is looked up per request, so one set by the embedding program is honoured. */
async function loadDispatcher(): Promise<Dispatcher> {
  getDispatcher ??= (await import('undici')).getGlobalDispatcher;
  return getDispatcher();
}

/** One answer: its status, raw headers (name, value, ...) and body bytes. */
class Reply {
  constructor(
    readonly status: number,
    private readonly rawHeaders: Buffer[],
    private readonly body: Buffer,
  ) {}

  /** The body as text (a UTF-8 byte order mark dropped, as undici's body.text() does). */
  text(): string {
    const b = this.body;
    return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.toString('utf8', 3) : b.toString('utf8');
  }

  /** A header's value; null when absent or repeated (as a repeated one was an array, not a string, before). */
  header(name: string): string | null {
    let value: string | null = null;
    for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) {
      if (this.rawHeaders[i].length === name.length && this.rawHeaders[i].toString('latin1').toLowerCase() === name) {
        if (value !== null) return null;
        value = this.rawHeaders[i + 1].toString('latin1');
      }
    }
    return value;
  }
}

/**
 * One request through an undici dispatcher with a plain handler (undici's legacy handler interface, which it
 * calls without adapting): the answer's chunks are gathered as they come, and the request is aborted at
 * `timeoutMs` with the same TimeoutError `AbortSignal.timeout` raises — one timer, no signal or stream.
 */
class Exchange {
  private abort: ((err: Error) => void) | null = null;
  private failure: Error | null = null;
  private done = false;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (r: Reply) => void,
    private readonly reject: (err: Error) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(onTimeout, timeoutMs, this);
  }

  timeout(): void {
    const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    // not yet on a connection: undici aborts it as soon as it is (onConnect)
    if (this.abort) this.abort(err);
    else this.failure = err;
    this.onError(err);
  }

  onConnect(abort: (err: Error) => void): void {
    if (this.failure) abort(this.failure);
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200) return true; // 1xx: informational, the answer follows
    this.status = status;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.resolve(new Reply(this.status, this.rawHeaders, this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks)));
  }

  onError(err: Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.reject(err);
  }
}

function onTimeout(x: Exchange): void {
  x.timeout();
}

function exchange(d: Dispatcher, opts: Dispatcher.DispatchOptions, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // undici's types declare only the new handler methods; the legacy ones Exchange implements are still called
    d.dispatch(opts, new Exchange(resolve, reject, timeoutMs) as unknown as Dispatcher.DispatchHandler);
  });
}

/** A data URL for image bytes, with the MIME type sniffed from the magic number. */
export function imageDataUrl(data: Uint8Array): string {
  const b = data;
  let mime = 'application/octet-stream';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) mime = 'image/png';
  else if (b[0] === 0xff && b[1] === 0xd8) mime = 'image/jpeg';
  else if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) mime = 'image/gif';
  else if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) mime = 'image/webp';
  return `data:${mime};base64,${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}`; // a view, not a copy
}

/** Decode a `data:` URL back to bytes (what `serve` receives). */
export function decodeDataUrl(url: string): Uint8Array {
  const m = /^data:[^;,]*(;base64)?,(.*)$/s.exec(url);
  if (!m) throw new BackendError('only data: URLs are accepted for images (the server never fetches remote URLs)');
  return m[1] ? new Uint8Array(Buffer.from(m[2], 'base64')) : new TextEncoder().encode(decodeURIComponent(m[2]));
}
