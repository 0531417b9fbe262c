/**
 * What claims on a shared cache cost and save. Against `serve` (artificial latency, a concurrency cap):
 *  1. one process, fresh cache, without and with claims: the claim files' overhead (wall ratio);
 *  2. `--procs` processes at once on one fresh cache folder, each asked for the same items: requests sent
 *     with claims (ideally the unique items) against the same without claims (ideally procs × unique).
 *
 *   node dist/bench/cache-claims.js [--items 400] [--latency-ms 20] [--concurrency 8] [--procs 3]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { parseBackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { getTask } from '../src/catalog/load.js';
import { Cache } from '../src/tte/cache.js';
import { CacheClaims } from '../src/tte/cache-claims.js';
import { MediaLoader } from '../src/tte/media.js';
import { DataRoot } from '../src/items/data-root.js';
import type { EvalSet } from '../src/items/types.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { numberArg } from './args.js';

const [n, latency, concurrency, procs] = [
  numberArg('items', 400),
  numberArg('latency-ms', 20),
  numberArg('concurrency', 8),
  numberArg('procs', 3),
];
const worker = process.argv.includes('--worker');
const BIN = join(PACKAGE_ROOT, 'bin', 'tte-bench.js');

const evalSet = (): EvalSet => ({
  task: getTask('MSR-VTT'),
  version: 'v2.1',
  format: 'qwen2-vl',
  mode: 'global',
  queries: Array.from({ length: n }, (_, i) => ({
    id: String(i),
    text: `query number ${i}`,
    media: [],
    candidateIds: null,
    gold: ['0'],
    relScores: null,
  })),
  candidates: Array.from({ length: Math.floor(n / 4) }, (_, i) => ({ id: String(i), text: `candidate ${i}`, media: [] })),
  inlineMedia: new Map(),
  dataFiles: [],
});

async function embedOnce(url: string, cacheDir: string, claims: boolean): Promise<number> {
  const es = evalSet();
  const backend = await createBackend(
    parseBackendConfig({
      name: 'client',
      pipeline: 'no-think',
      embedder: { type: 'openai', baseURL: `${url}/v1`, model: 'bench', requestFormat: 'messages', maxConcurrency: concurrency },
    }),
  );
  const t0 = performance.now();
  await embedEvalSet(es, backend, new MediaLoader(new DataRoot(tmpdir()), es), {
    version: 'v2.1',
    cache: new Cache(cacheDir),
    claims: claims ? new CacheClaims(cacheDir) : null,
  });
  await backend.close();
  return (performance.now() - t0) / 1000;
}

if (worker) {
  // a child: --worker URL CACHE_DIR CLAIMS
  const [url, cacheDir, claims] = process.argv.slice(process.argv.indexOf('--worker') + 1);
  await embedOnce(url, cacheDir, claims === '1');
  process.exit(0);
}

const serveProc = spawn(
  process.execPath,
  [BIN, 'serve', '--port', '0', '--latency-ms', String(latency), '--max-concurrency', String(concurrency * procs)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolve, reject) => {
  serveProc.stdout.on('data', (b: Buffer) => {
    const m = /listening on (http:\/\/\S+)/.exec(b.toString());
    if (m) resolve(m[1]);
  });
  serveProc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
});
// the server goes with this process, also when a step fails
process.once('exit', () => serveProc.kill('SIGTERM'));
const requests = async () =>
  ((await (await fetch(`${url}/stats`)).json()) as { byRoute: Record<string, number> }).byRoute['POST /v1/embeddings'] ?? 0;
const dir = mkdtempSync(join(tmpdir(), 'tte-bench-claims-'));
const unique = n + Math.floor(n / 4);

const plain = await embedOnce(url, join(dir, 'a'), false);
const claimed = await embedOnce(url, join(dir, 'b'), true);
console.log(`one process, ${unique} unique items, latency ${latency} ms, concurrency ${concurrency}`);
console.log(`  wall without claims ${plain.toFixed(3)} s, with claims ${claimed.toFixed(3)} s → ratio ${(claimed / plain).toFixed(3)}`);

for (const claims of [false, true]) {
  const before = await requests();
  const cacheDir = join(dir, claims ? 'shared-claims' : 'shared-plain');
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: procs },
      () =>
        new Promise<void>((resolve, reject) => {
          const p = spawn(
            process.execPath,
            [process.argv[1], '--items', String(n), '--concurrency', String(concurrency), '--worker', url, cacheDir, claims ? '1' : '0'],
            { stdio: 'inherit' },
          );
          p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
        }),
    ),
  );
  const sent = (await requests()) - before;
  console.log(
    `${procs} processes on one cache ${claims ? 'with' : 'without'} claims: ${sent} requests for ${unique} unique items (${(sent / unique).toFixed(2)}× unique), wall ${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
}
serveProc.kill('SIGTERM');
