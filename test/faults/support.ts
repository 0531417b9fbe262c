/**
 * Shared parts of the fault-injection suite (not a test file: `npm test` runs only `*.test.js`).
 *  - copies of the real fixture data roots, to damage in a temporary folder;
 *  - a scripted OpenAI-compatible embeddings server on 127.0.0.1 whose answers can be made to fail in
 *    every way a real server fails (status codes, resets, stalls, bad bodies, wrong vectors).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { BIN, FORMATS_ROOT, tempDir, type CliResult } from '../helpers.js';

export const MINI_ROOT = join(PACKAGE_ROOT, 'tasks', 'mini', 'data');

/** A private copy of the format fixtures' data root (2.7 MB), to alter. */
export function copyFormatsRoot(): string {
  const dir = join(tempDir('tte-faults-'), 'root');
  cpSync(FORMATS_ROOT, dir, { recursive: true });
  return dir;
}

/** A private copy of the mini suite's data root. */
export function copyMiniRoot(): string {
  const dir = join(tempDir('tte-faults-'), 'mini');
  cpSync(MINI_ROOT, dir, { recursive: true });
  return dir;
}

/** Every file under a folder (relative paths), for "nothing else changed" checks. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p, `${prefix}${n}/`) : [`${prefix}${n}`];
  });
}

/** All file contents under a folder, concatenated (for "the secret appears nowhere" checks). */
export function allText(dir: string): string {
  return listFiles(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

/** Replace a split's data file by JSON Lines rows (the resolver reads `test-*.jsonl` like parquet). */
export function writeJsonlRows(file: string, rows: Record<string, unknown>[]): void {
  writeFileSync(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** A deterministic vector for a text, `dim` long, unit length. */
export function vectorFor(text: string, dim: number): number[] {
  const h = createHash('sha256').update(text).digest();
  const v = Array.from({ length: dim }, (_, i) => (h[i % 32] - 127.5) / 128 + i * 1e-3);
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / n);
}

/** What the next answers do. Fields are read per request, so a test can change them between calls. */
export interface FaultPlan {
  /** Answer this status (with `retryAfter` as Retry-After) for the next `times` requests. */
  status?: { code: number; times: number; retryAfter?: string };
  /** Destroy the socket after writing half of the body, for the next `times` requests. */
  resetMidBody?: number;
  /** Never answer the next `times` requests (the client's timeout must fire). */
  stall?: number;
  /** Send a body cut in half (Content-Length of the whole), for the next `times` requests. */
  truncated?: number;
  /** Answer 200 with an HTML page instead of JSON, for the next `times` requests. */
  nonJson?: number;
  /** The vector dimension for a text (default 8). */
  dim?: (text: string) => number;
  /** Values the server puts in a vector instead of numbers (e.g. null for NaN, which JSON cannot carry, or 1e999). */
  poison?: (text: string) => unknown;
  /** Echo the request's Authorization header in error bodies (a careless server). */
  echoAuth?: boolean;
  latencyMs?: number;
  /** Called as each request arrives, with the number of requests so far. */
  onRequest?: (n: number) => void;
  /** List the answers last first (each still with its own index, as the format allows). */
  reversed?: boolean;
  /** The `index` field written for the answer to input i (undefined leaves the field out). */
  index?: (i: number) => unknown;
}

export interface FaultServer {
  url: string;
  plan: FaultPlan;
  /** Every request's input text, in arrival order (answered or not). */
  requests: string[];
  authHeaders: string[];
  close(): Promise<void>;
}

const textOf = (body: Record<string, unknown>): string => {
  if (Array.isArray(body.input)) return body.input.map(String).join('\u0001');
  if (Array.isArray(body.messages)) return JSON.stringify(body.messages);
  return '';
};

/** A scripted OpenAI-compatible `/v1/embeddings` server on 127.0.0.1 (port 0). */
export async function startFaultServer(plan: FaultPlan = {}): Promise<FaultServer> {
  const state: FaultServer = { url: '', plan, requests: [], authHeaders: [], close: async () => {} };
  const take = (key: 'resetMidBody' | 'stall' | 'truncated' | 'nonJson'): boolean => {
    const n = state.plan[key] ?? 0;
    if (n > 0) state.plan[key] = n - 1;
    return n > 0;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      /* answered below like any request */
    }
    const text = textOf(body);
    state.requests.push(text);
    state.authHeaders.push(String(req.headers.authorization ?? ''));
    state.plan.onRequest?.(state.requests.length);
    const p = state.plan;
    if (p.latencyMs) await new Promise((r) => setTimeout(r, p.latencyMs));
    if (take('stall')) return; // never answered
    if (p.status && p.status.times > 0) {
      p.status.times--;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (p.status.retryAfter !== undefined) headers['retry-after'] = p.status.retryAfter;
      res.writeHead(p.status.code, headers);
      res.end(
        JSON.stringify({ error: { message: `injected ${p.status.code}`, ...(p.echoAuth ? { saw: req.headers.authorization } : {}) } }),
      );
      return;
    }
    if (take('nonJson')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway (proxy)</body></html>');
      return;
    }
    const inputs: string[] = Array.isArray(body.input) ? body.input.map(String) : [text];
    const data = inputs.map((t, index) => {
      const poison = p.poison?.(t);
      const v: unknown[] = vectorFor(t, p.dim?.(t) ?? 8);
      if (poison !== undefined) v[1] = poison;
      return { object: 'embedding', index: p.index ? p.index(index) : index, embedding: v };
    });
    if (p.reversed) data.reverse();
    // 1e999 must reach the client as a literal (JSON.stringify would write null)
    const json = JSON.stringify({
      object: 'list',
      data,
      model: String(body.model ?? ''),
      usage: { prompt_tokens: 1, total_tokens: 1 },
    }).replace(/"__INF__"/g, '1e999');
    const bytes = Buffer.from(json);
    if (take('resetMidBody')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, bytes.length >> 1), () => req.socket.destroy());
      return;
    }
    if (take('truncated')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bytes.subarray(0, bytes.length >> 1));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
    res.end(bytes);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** A backend config file for the fault server. */
export function faultBackend(dir: string, url: string, extra: Record<string, unknown> = {}, name = 'fault-embedder'): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      pipeline: 'no-think',
      embedder: {
        type: 'openai',
        baseURL: `${url}/v1`,
        model: 'fault-model',
        requestFormat: 'messages',
        maxConcurrency: 4,
        retryBaseMs: 1,
        maxRetries: 3,
        ...extra,
      },
      reasoner: null,
    }),
  );
  return file;
}

/** Run the built CLI without blocking this process's event loop (tests whose server lives in this process). */
export function runCliAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
