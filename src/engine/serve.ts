/** `serve`: a backend built from its config, behind the OpenAI-compatible server; closing stops both. */
import { isIP } from 'node:net';
import type { BackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import { ConfigError } from '../errors.js';
import { type ServeOptions, startServer } from '../serve/server.js';

export interface ServedBackend {
  /** The backend config's name. */
  name: string;
  url: string;
  /** Whether requests need `Authorization: Bearer <key>` (never the key itself). */
  keyed: boolean;
  /** Stop the server, then release the backend's models. */
  close(): Promise<void>;
}

export interface ServeBackendOptions extends ServeOptions {
  /** Bind a non-loopback host without an API key anyway (the model is then open to the network). */
  insecure?: boolean;
}

/** Whether a bind address reaches only this machine: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * The API key held by the environment variable `name` (`serve --api-key-env NAME`). A key is read from
 * the environment only, so it never appears on a command line, in shell history or in `ps`; an unset or
 * empty variable is an error naming the variable, never its value.
 */
export function apiKeyFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError(`--api-key-env: '${name}' is not an environment variable name`);
  const key = env[name];
  if (key === undefined) throw new ConfigError(`--api-key-env: environment variable ${name} is not set`);
  if (key.length === 0) throw new ConfigError(`--api-key-env: environment variable ${name} is empty`);
  return key;
}

/**
 * Refuses to expose a model to the network unlocked: a non-loopback `host` needs an API key, or
 * `insecure` to say so on purpose. Checked before any model is loaded.
 */
export function checkServeExposure(opts: ServeBackendOptions): void {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && opts.apiKey === undefined && !opts.insecure)
    throw new ConfigError(
      `serve: --host ${host} makes the server reachable from other machines; lock it with --api-key-env NAME ` +
        '(clients send "Authorization: Bearer <key>"), or pass --insecure to serve it without a key',
    );
}

export async function serveBackend(config: BackendConfig, opts: ServeBackendOptions): Promise<ServedBackend> {
  checkServeExposure(opts);
  const { insecure: _insecure, ...serverOpts } = opts;
  const backend = await createBackend(config);
  try {
    const server = await startServer(backend, serverOpts);
    return {
      name: backend.config.name,
      url: server.url,
      keyed: opts.apiKey !== undefined,
      close: async () => {
        await server.close();
        await backend.close();
      },
    };
  } catch (err) {
    await backend.close(); // a port in use must not leave models loaded
    throw err;
  }
}
