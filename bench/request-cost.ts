/**
 * Harness cost per request: the CPU the harness process spends (process.cpuUsage: user + system, all its
 * threads) per embedding request, through the real pipeline and HTTP client, against a zero-latency
 * OpenAI-compatible server in another process (bench/zero-server.ts) — so the number is the client's
 * alone. Text requests, and requests carrying one real 640×480 JPEG (test/fixtures/media/img_9.jpg) read
 * from a data root. Also prints requests/s: how many model requests one harness process can issue.
 *
 *   node dist/bench/request-cost.js [--requests 3000] [--concurrency 32] [--dim 3584] [--only text|image]
 *
 * (`--only` runs one kind, e.g. under `node --cpu-prof` to see where one kind's time goes.)
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseBackendConfig } from '../src/backends/config.js';
import { createBackend } from '../src/backends/registry.js';
import { getTask } from '../src/catalog/load.js';
import { DataRoot } from '../src/items/data-root.js';
import type { EvalSet } from '../src/items/types.js';
import { MediaLoader } from '../src/tte/media.js';
import { embedEvalSet } from '../src/tte/pipeline.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { numberArg } from './args.js';
import { startZeroServer } from './serve-child.js';

const [n, concurrency, dim] = [numberArg('requests', 3000), numberArg('concurrency', 32), numberArg('dim', 3584)];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const media = join(PACKAGE_ROOT, 'test', 'fixtures', 'media');
const server = await startZeroServer(dim);
const backend = await createBackend(
  parseBackendConfig({
    name: 'client',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: `${server.url}/v1`, model: 'zero', requestFormat: 'messages', maxConcurrency: concurrency },
  }),
);

function evalSet(withImage: boolean, salt: string): EvalSet {
  return {
    task: getTask(withImage ? 'MSCOCO_i2t' : 'MSCOCO_t2i'),
    version: 'v2.1',
    format: 'qwen2-vl',
    mode: 'global',
    queries: Array.from({ length: n }, (_, i) => ({
      id: String(i),
      text: `${salt} query ${i}: a photo of something at the harbour`,
      media: withImage ? [{ kind: 'image' as const, path: 'img_9.jpg' }] : [],
      candidateIds: null,
      gold: ['0'],
      relScores: null,
    })),
    candidates: [{ id: '0', text: `${salt} candidate`, media: [] }],
    inlineMedia: new Map(),
    dataFiles: [],
  };
}

async function measure(withImage: boolean, salt: string): Promise<{ cpuMs: number; wall: number; requests: number }> {
  const es = evalSet(withImage, salt);
  const before = await server.stats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await embedEvalSet(es, backend, new MediaLoader(new DataRoot(media), es), { version: 'v2.1', cache: null });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const requests = (await server.stats()).requests - before.requests;
  return { cpuMs: (cpu.user + cpu.system) / 1000, wall, requests };
}

await measure(false, 'warm-up'); // JIT, connections
for (const [label, withImage] of [
  ['text', false],
  ['one 640×480 JPEG', true],
] as const) {
  if (only && only !== (withImage ? 'image' : 'text')) continue;
  const runs = [await measure(withImage, `${label} a`), await measure(withImage, `${label} b`)];
  const per = runs.map((r) => r.cpuMs / r.requests);
  const rps = runs.map((r) => r.requests / r.wall);
  const target = withImage ? 1.0 : 0.3;
  console.log(
    `${label.padEnd(17)} ${runs[0].requests} requests/run: ${per.map((x) => x.toFixed(3)).join(' / ')} ms CPU per request (target ≤ ${target} ms); ` +
      `${rps.map((x) => x.toFixed(0)).join(' / ')} requests/s`,
  );
}
console.log(
  `server: zero latency, separate process, ${dim}-dim answers in the encoding the client asks for (base64 float32); client concurrency ${concurrency}`,
);
console.log(
  `load average (1/5/15 min): ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} — CPU per request grows on a loaded machine`,
);
await backend.close();
server.stop();
