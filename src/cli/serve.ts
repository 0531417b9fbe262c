import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { apiKeyFromEnv, checkServeExposure, serveBackend } from '../engine/serve.js';
import { intIn } from './io.js';

interface Args {
  backend?: string;
  port: number;
  host: string;
  'latency-ms': number;
  'max-concurrency': number;
  'max-body-mb': number;
  'api-key-env'?: string;
  insecure: boolean;
}

export const serveCommand: CommandModule<object, Args> = {
  command: 'serve',
  describe: 'Serve a backend as an OpenAI-compatible server (/v1/embeddings, /v1/chat/completions, /health)',
  builder: (y) =>
    y
      .option('backend', { type: 'string', describe: 'backend config JSON (default: the builtin floor)' })
      .option('port', { type: 'number', default: 8000, coerce: intIn('port', 0, 65535), describe: '0 picks a free port' })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'interface to bind (default loopback only; 0.0.0.0 exposes the model to the network)',
      })
      .option('max-body-mb', {
        type: 'number',
        default: 256,
        coerce: intIn('max-body-mb', 1, 4096),
        describe: 'largest request body accepted (larger: HTTP 413)',
      })
      .option('latency-ms', {
        type: 'number',
        default: 0,
        coerce: intIn('latency-ms', 0, 600_000),
        describe: 'artificial latency per model request',
      })
      .option('max-concurrency', {
        type: 'number',
        default: 64,
        coerce: intIn('max-concurrency', 1, 4096),
        describe: 'model requests handled at once',
      })
      .option('api-key-env', {
        type: 'string',
        describe: 'require "Authorization: Bearer <key>" on every request but /health, the key read from this environment variable',
      })
      .option('insecure', {
        type: 'boolean',
        default: false,
        describe: 'allow a non-loopback --host without --api-key-env',
      }) as never,
  handler: async (args) => {
    const opts = {
      port: args.port,
      host: args.host,
      latencyMs: args['latency-ms'],
      maxConcurrency: args['max-concurrency'],
      maxBodyBytes: args['max-body-mb'] * 1024 * 1024,
      apiKey: args['api-key-env'] === undefined ? undefined : apiKeyFromEnv(args['api-key-env']),
      insecure: args.insecure,
    };
    checkServeExposure(opts); // before the backend's models load
    const served = await serveBackend(loadBackendConfig(args.backend), opts);
    const lock = served.keyed ? ` (API key from $${args['api-key-env']})` : '';
    process.stdout.write(`tte-bench serve: ${served.name} listening on ${served.url}${lock}\n`);
    const stop = async () => {
      await served.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise(() => {});
  },
};
