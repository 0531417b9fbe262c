/**
 * Peak memory for the two largest MMEB-V2 shapes at Qwen2-VL-7B's 3584 dimensions, through the real path
 * (pipeline → scoring pool → predictions → metrics): a local task the size of NExTQA (8564 queries × 5
 * options) and a global task the size of VATEX (4478 queries × 4478 videos). The embedder is synthetic
 * (deterministic pseudo-random unit vectors), so what is measured is the harness, not a model.
 *
 *   node dist/bench/memory.js [--cache]
 *
 * With --cache every vector also goes through a fresh on-disk cache, as in a real run (the synthetic
 * embedder is far faster than a model, so this is the worst case for cache writes queued in memory).
 *
 * With --media: the real-media shapes instead (video frames, visdoc page images; see memory-media.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Backend } from '../src/backends/registry.js';
import type { EmbedInput, Embedder } from '../src/backends/types.js';
import { getTask } from '../src/catalog/load.js';
import { Cache } from '../src/tte/cache.js';
import { MediaLoader } from '../src/tte/media.js';
import { predict } from '../src/engine/run.js';
import { DataRoot } from '../src/items/data-root.js';
import type { EvalSet } from '../src/items/types.js';
import { scorePredictions } from '../src/metrics/ranking.js';
import { ScoringPool } from '../src/scoring/pool.js';
import { embedEvalSet } from '../src/tte/pipeline.js';

const DIM = 3584;

if (process.argv.includes('--media')) {
  const { mediaMemoryBench } = await import('./memory-media.js');
  await mediaMemoryBench(process.argv.slice(2));
  process.exit(0);
}

class SyntheticEmbedder implements Embedder {
  readonly id = 'synthetic-3584';
  readonly dim = DIM;
  async embed(items: EmbedInput[]): Promise<Float32Array[]> {
    return items.map((it) => {
      let s = createHash('sha256').update(it.text).digest().readUInt32LE(0);
      const v = new Float32Array(DIM);
      let n = 0;
      for (let i = 0; i < DIM; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        n += (v[i] = s / 4294967296 - 0.5) ** 2;
      }
      n = Math.sqrt(n);
      for (let i = 0; i < DIM; i++) v[i] /= n;
      return v;
    });
  }
}

const backend: Backend = {
  config: { name: 'synthetic', pipeline: 'no-think', embedder: { type: 'builtin', batchSize: 64 }, reasoner: null },
  embedder: new SyntheticEmbedder(),
  reasoner: null,
  unified: null,
  close: async () => {},
};
const dir = mkdtempSync(join(tmpdir(), 'tte-bench-mem-'));
const root = new DataRoot(dir);
const scoring = new ScoringPool();
const cache = process.argv.includes('--cache') ? new Cache(join(dir, 'cache')) : null;

async function runShape(name: string, es: EvalSet): Promise<void> {
  const t0 = performance.now();
  const emb = await embedEvalSet(es, backend, new MediaLoader(root, es), { version: 'v2.1', cache });
  const preds = await predict(es, emb.queryVectors, emb.candidateVectors, 100, scoring);
  const s = scorePredictions(preds);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${name}: ${es.queries.length} queries × ${es.candidates.length} candidates × ${DIM} dims, hit@1 ${s['hit@1'].toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS so far ${rss.toFixed(0)} MB`,
  );
}

const nextqa: EvalSet = {
  task: getTask('NExTQA'),
  version: 'v2.1',
  format: 'qwen2-vl',
  mode: 'local',
  queries: Array.from({ length: 8564 }, (_, i) => ({
    id: String(i),
    text: `question ${i}`,
    media: [],
    candidateIds: [0, 1, 2, 3, 4].map((o) => `q${i}o${o}`),
    gold: [`q${i}o0`],
    relScores: null,
  })),
  candidates: Array.from({ length: 8564 * 5 }, (_, j) => ({ id: `q${Math.floor(j / 5)}o${j % 5}`, text: `option ${j}`, media: [] })),
  inlineMedia: new Map(),
  dataFiles: [],
};
await runShape('NExTQA-sized local task', nextqa);
const vatex: EvalSet = {
  task: getTask('VATEX'),
  version: 'v2.1',
  format: 'qwen2-vl',
  mode: 'global',
  queries: Array.from({ length: 4478 }, (_, i) => ({
    id: String(i),
    text: `caption ${i}`,
    media: [],
    candidateIds: null,
    gold: [`v${i}`],
    relScores: null,
  })),
  candidates: Array.from({ length: 4478 }, (_, i) => ({ id: `v${i}`, text: `video ${i}`, media: [] })),
  inlineMedia: new Map(),
  dataFiles: [],
};
await runShape('VATEX-sized global task', vatex);
await scoring.close();
console.log(
  `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (target ≤ 1536 MB)${cache ? ', with an on-disk cache' : ''}`,
);
