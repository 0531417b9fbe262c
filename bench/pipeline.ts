/**
 * Pipeline efficiency against `serve` with an artificial latency and a concurrency cap: how close the
 * harness gets to the server's capacity (requests/s = concurrency / latency), and how many requests it
 * makes (must equal the number of unique items, and 0 on a re-run with the same config).
 *
 *   node dist/bench/pipeline.js [--items 600] [--latency-ms 100] [--concurrency 8]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { getTask } from '../src/catalog/load.js';
import { Cache } from '../src/tte/cache.js';
import { MediaLoader } from '../src/tte/media.js';
import { DataRoot } from '../src/items/data-root.js';
import type { EvalSet } from '../src/items/types.js';
import { spawn } from 'node:child_process';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { numberArg } from './args.js';

const [n, latency, concurrency] = [numberArg('items', 600), numberArg('latency-ms', 100), numberArg('concurrency', 8)];
const BIN = join(PACKAGE_ROOT, 'bin', 'tte-bench.js');

// The server runs as its own process (`tte-bench serve`), as a model server would.
const serveProc = spawn(
  process.execPath,
  [BIN, 'serve', '--port', '0', '--latency-ms', String(latency), '--max-concurrency', String(concurrency)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolve, reject) => {
  serveProc.stdout.on('data', (b: Buffer) => {
    const m = /listening on (http:\/\/\S+)/.exec(b.toString());
    if (m) resolve(m[1]);
  });
  serveProc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
});
const stats = async () =>
  (await (await fetch(`${url}/stats`)).json()) as {
    requests: number;
    maxInFlight: number;
    slotBusyMs: number;
    byRoute: Record<string, number>;
  };
const dir = mkdtempSync(join(tmpdir(), 'tte-bench-pipeline-'));
// n queries, 10% of them repeated texts (identical items must be asked once), and n/4 candidates
const es: EvalSet = {
  task: getTask('MSR-VTT'),
  version: 'v2.1',
  format: 'qwen2-vl',
  mode: 'global',
  queries: Array.from({ length: n }, (_, i) => ({
    id: String(i),
    text: `query number ${i % Math.floor(n * 0.9)}`,
    media: [],
    candidateIds: null,
    gold: ['0'],
    relScores: null,
  })),
  candidates: Array.from({ length: Math.floor(n / 4) }, (_, i) => ({ id: String(i), text: `candidate ${i}`, media: [] })),
  inlineMedia: new Map(),
  dataFiles: [],
};
const unique = new Set([...es.queries.map((q) => q.text), ...es.candidates.map((c) => `t:${c.text}`)]).size;
const backend = await createBackend(
  parseBackendConfig({
    name: 'client',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: `${url}/v1`, model: 'bench', requestFormat: 'messages', maxConcurrency: concurrency },
  }),
);
const cache = new Cache(join(dir, 'cache'));
const t0 = performance.now();
await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v2.1', cache });
const seconds = (performance.now() - t0) / 1000;
const first = await stats();
const firstRequests = first.byRoute['POST /v1/embeddings'] ?? 0;
const ideal = (Math.ceil(unique / concurrency) * latency) / 1000;
await embedEvalSet(es, backend, new MediaLoader(new DataRoot(dir), es), { version: 'v2.1', cache });
const final = await stats();
const rerunRequests = (final.byRoute['POST /v1/embeddings'] ?? 0) - firstRequests;
serveProc.kill('SIGTERM');
console.log(`${n + es.candidates.length} items, ${unique} unique; latency ${latency} ms, concurrency ${concurrency}`);
console.log(
  `wall ${seconds.toFixed(3)} s vs capacity bound ${ideal.toFixed(3)} s → efficiency ${((ideal / seconds) * 100).toFixed(1)}% (target ≥ 95%)`,
);
console.log(
  `server requests: ${firstRequests} (unique items ${unique}, duplicates ${firstRequests - unique}); re-run: ${rerunRequests} (target 0)`,
);
console.log(`max in flight at the server: ${final.maxInFlight}`);
console.log(
  `server slots busy ${((first.slotBusyMs / (concurrency * seconds * 1000)) * 100).toFixed(1)}% of the run; mean slot time ${(first.slotBusyMs / firstRequests).toFixed(2)} ms per request`,
);
