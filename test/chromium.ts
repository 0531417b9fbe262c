/**
 * A headless Chromium driven over the DevTools protocol through a pipe (--remote-debugging-pipe: commands on
 * fd 3, replies and events on fd 4, each a JSON message ended by a NUL byte), so the browser tests need no
 * WebSocket client and no browser download. Found as Debian's `chromium` (or $CHROMIUM_PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

type Handler = (params: Record<string, unknown>, sessionId?: string) => void;

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private buffer = '';

  private constructor(
    private readonly proc: ChildProcess,
    private readonly userDataDir: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 1);
        this.dispatch(msg);
      }
    });
    proc.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited during ${p.method}`));
      this.pending.clear();
    });
  }

  static async launch(executable: string): Promise<Chromium> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'tte-bench-chromium-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // without these a browser on a closed network waits on background requests
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-pipe',
      'about:blank',
    ];
    const proc = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    proc.stderr?.resume();
    const c = new Chromium(proc, userDataDir);
    await c.send('Browser.getVersion');
    return c;
  }

  private dispatch(msg: {
    id?: number;
    method?: string;
    params?: Record<string, unknown>;
    result?: unknown;
    error?: { message: string };
    sessionId?: string;
  }) {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
      return;
    }
    for (const h of this.handlers.get(msg.method ?? '') ?? []) h(msg.params ?? {}, msg.sessionId);
  }

  on(method: string, h: Handler): void {
    if (!this.handlers.has(method)) this.handlers.set(method, new Set());
    this.handlers.get(method)!.add(h);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      (this.proc.stdio[3] as Writable).write(msg + '\0');
    });
  }

  async newPage(): Promise<Page> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.init();
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((r) =>
      this.proc.exitCode !== null || this.proc.signalCode !== null ? r() : this.proc.once('exit', () => r()),
    );
    const guard = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    try {
      await Promise.race([this.send('Browser.close'), guard(5000)]);
    } catch {
      // already gone
    }
    await Promise.race([exited, guard(10_000)]);
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGKILL');
      await Promise.race([exited, guard(5000)]);
    }
    // the profile folder is scratch; a helper process still flushing into it must not fail the test
    try {
      rmSync(this.userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch {
      // left in the temporary folder
    }
  }
}

export class Page {
  /** Console errors, uncaught exceptions and failed loads, as the page reported them. */
  readonly errors: string[] = [];
  private loaded: (() => void) | null = null;

  constructor(
    private readonly browser: Chromium,
    private readonly sessionId: string,
  ) {
    browser.on('Runtime.exceptionThrown', (p, s) => {
      if (s === sessionId)
        this.errors.push(
          `exception: ${JSON.stringify((p.exceptionDetails as { exception?: { description?: string }; text?: string })?.exception?.description ?? p.exceptionDetails)}`,
        );
    });
    browser.on('Runtime.consoleAPICalled', (p, s) => {
      if (s === sessionId && (p.type === 'error' || p.type === 'assert')) this.errors.push(`console.${p.type}: ${JSON.stringify(p.args)}`);
    });
    browser.on('Log.entryAdded', (p, s) => {
      const e = p.entry as { level: string; text: string; url?: string };
      if (s === sessionId && e.level === 'error') this.errors.push(`log: ${e.text} ${e.url ?? ''}`);
    });
    browser.on('Page.loadEventFired', (_p, s) => {
      if (s === sessionId) this.loaded?.();
    });
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.browser.send<T>(method, params, this.sessionId);
  }

  async init(): Promise<void> {
    await this.send('Page.enable');
    await this.send('Runtime.enable');
    await this.send('Log.enable');
    await this.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
  }

  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((r) => (this.loaded = r));
    const res = await this.send<{ errorText?: string }>('Page.navigate', { url });
    if (res.errorText) throw new Error(`navigation to ${url} failed: ${res.errorText}`);
    await loaded;
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      {
        expression,
        awaitPromise: true,
        returnByValue: true,
      },
    );
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Poll until `expression` is truthy (a guard against hanging, not a timing assertion). */
  async waitFor(expression: string, what: string, limitMs = 30_000): Promise<void> {
    const end = Date.now() + limitMs;
    while (!(await this.evaluate<boolean>(`!!(${expression})`))) {
      if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async screenshot(file: string): Promise<void> {
    const { data } = await this.send<{ data: string }>('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    writeFileSync(file, Buffer.from(data, 'base64'));
  }
}
