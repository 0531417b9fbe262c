/** `serve`: a backend built from its config, behind the OpenAI-compatible server; closing stops both. */
import type { BackendConfig } from '../backends/config.js';
import { createBackend } from '../backends/registry.js';
import { type ServeOptions, startServer } from '../serve/server.js';

export interface ServedBackend {
  /** The backend config's name. */
  name: string;
  url: string;
  /** Stop the server, then release the backend's models. */
  close(): Promise<void>;
}

export async function serveBackend(config: BackendConfig, opts: ServeOptions): Promise<ServedBackend> {
  const backend = await createBackend(config);
  try {
    const server = await startServer(backend, opts);
    return {
      name: backend.config.name,
      url: server.url,
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
