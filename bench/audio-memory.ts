/**
 * Peak RSS while embedding a SoundDescs-sized audio task through the builtin backend, against the same task with
 * its clips left out (text only), measured in the same run, each in a fresh process.
 *
 * The task's shape is SoundDescs' as MMEB-V3 runs it (sounddescs-1k, experiments/public/eval/audio.yaml at
 * VLM2Vec 44f991d): 1,000 description queries and a pool of the gold clips only, ≤ 1,000, that every query ranks
 * (local mode). The clips: the corpus parquet the maintainers staged is 89 GB for 32,979 recordings
 * (docs/mmebv3_reproduction/reproduction_report.md), 2.7 MB a clip on average: about 15 s of 44.1 kHz stereo
 * 16-bit. The per-clip lengths are not in the repository, so lengths here are synthetic: log-uniform from 1 s to
 * 10 minutes, scaled to the chosen mean (default 15 s), each file unique (a different first block of samples).
 *
 *   node dist/bench/audio-memory.js [--clips 1000] [--mean-seconds 15] [--max-seconds 30] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberArg } from './args.js';

const RATE = 44100;
const CHANNELS = 2;

/** Clip lengths in seconds: log-uniform over [1, 600], scaled so the mean is `mean` (each kept within [0.5, 600]). */
function lengths(n: number, mean: number): number[] {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const raw = Array.from({ length: n }, () => Math.exp(Math.log(1) + rand() * (Math.log(600) - Math.log(1))));
  const scale = mean / (raw.reduce((a, b) => a + b, 0) / n);
  return raw.map((s) => Math.min(600, Math.max(0.5, s * scale)));
}

/** A 16-bit stereo WAV of `seconds`, written in blocks (the first one unique to the clip), never held whole. */
function writeClip(file: string, seconds: number, id: number, block: Int16Array): number {
  const frames = Math.round(seconds * RATE);
  const bytes = frames * CHANNELS * 2;
  const head = Buffer.alloc(44);
  head.write('RIFF', 0);
  head.writeUInt32LE(36 + bytes, 4);
  head.write('WAVEfmt ', 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(CHANNELS, 22);
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * CHANNELS * 2, 28);
  head.writeUInt16LE(CHANNELS * 2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36);
  head.writeUInt32LE(bytes, 40);
  const fd = openSync(file, 'w');
  writeSync(fd, head);
  const first = Int16Array.from(block, (x, i) => (x + id * 7 + i) & 0x3fff);
  let left = bytes;
  for (let k = 0; left > 0; k++) {
    const b = Buffer.from((k === 0 ? first : block).buffer);
    const n = Math.min(left, b.length);
    writeSync(fd, b, 0, n);
    left -= n;
  }
  closeSync(fd);
  return 44 + bytes;
}

async function child(dir: string, clips: number, maxSeconds: number, withAudio: boolean): Promise<void> {
  const { parseBackendConfig } = await import('../src/backends/config.js');
  const { createBackend } = await import('../src/backends/registry.js');
  const { catalogFor, getTask } = await import('../src/catalog/load.js');
  const { DataRoot } = await import('../src/items/data-root.js');
  const { embedEvalSet } = await import('../src/tte/pipeline.js');
  const { MediaLoader } = await import('../src/tte/media.js');
  const ids = Array.from({ length: clips }, (_, i) => `sd${i}`);
  const evalSet = {
    task: getTask('SoundDescs', catalogFor('v3')),
    version: 'v3' as const,
    format: 'qwen2-vl' as const,
    mode: 'local' as const,
    queries: ids.map((id, i) => ({
      id: `q${i}`,
      text: `Retrieve audio samples that best match the given sound description.\nQuery: recording number ${i} of a street`,
      media: [],
      candidateIds: ids,
      gold: [id],
      relScores: null,
    })),
    candidates: ids.map((id, i) => ({
      id,
      text: '[AUDIO]',
      media: withAudio ? [{ kind: 'audio' as const, path: `clips/${i}.wav`, start: null, end: null }] : [],
    })),
    inlineMedia: new Map<string, Uint8Array>(),
    dataFiles: [],
  };
  const backend = await createBackend(parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } }));
  const t0 = performance.now();
  const out = await embedEvalSet(evalSet, backend, new MediaLoader(new DataRoot(dir), evalSet, { maxSeconds }), {
    version: 'v3',
    cache: null,
  });
  const ms = performance.now() - t0;
  await backend.close();
  console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, ms, vectors: out.candidateVectors.length }));
}

async function main(): Promise<void> {
  const clips = numberArg('clips', 1000);
  const mean = numberArg('mean-seconds', 15);
  const maxSeconds = numberArg('max-seconds', 30);
  const dir = mkdtempSync(join(tmpdir(), 'tte-audio-memory-'));
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'clips'));
    const block = Int16Array.from({ length: 1 << 16 }, (_, i) => Math.round(8000 * Math.sin(i * 0.05) + 2000 * Math.sin(i * 1.3)));
    const secs = lengths(clips, mean);
    let total = 0;
    secs.forEach((s, i) => (total += writeClip(join(dir, 'clips', `${i}.wav`), s, i, block)));
    const run = (withAudio: boolean) => {
      const r = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', dir, String(clips), String(maxSeconds), withAudio ? '1' : '0'],
        {
          encoding: 'utf8',
        },
      );
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { maxRssMiB: number; ms: number };
    };
    const base = run(false);
    const audio = run(true);
    const hours = secs.reduce((a, b) => a + b, 0) / 3600;
    console.log(
      `SoundDescs-sized task: ${clips} queries, ${clips} clips (44.1 kHz stereo 16-bit WAV, mean ${mean} s, longest ${Math.max(...secs).toFixed(0)} s, ${hours.toFixed(1)} h, ${(total / 2 ** 30).toFixed(2)} GiB on disk), --audio_max_seconds ${maxSeconds}, builtin backend`,
    );
    console.log(`  text only (baseline): peak RSS ${base.maxRssMiB.toFixed(0)} MiB, ${(base.ms / 1000).toFixed(1)} s`);
    console.log(
      `  with the clips:       peak RSS ${audio.maxRssMiB.toFixed(0)} MiB (+${(audio.maxRssMiB - base.maxRssMiB).toFixed(0)} MiB, ${(audio.maxRssMiB / base.maxRssMiB).toFixed(2)}× the baseline), ${(audio.ms / 1000).toFixed(1)} s (${((hours * 3600 * 1000) / audio.ms).toFixed(0)}× real time, both passes)`,
    );
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const [dir, clips, maxSeconds, withAudio] = process.argv.slice(at + 1);
  await child(dir, Number(clips), Number(maxSeconds), withAudio === '1');
} else {
  await main();
}
