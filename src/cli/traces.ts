import type { CommandModule } from 'yargs';
import { loadBackendConfig } from '../backends/config.js';
import { defaultCacheDir } from '../tte/cache.js';
import { exportTraces, importTraces, MAX_TRACES_PER_TASK } from '../engine/traces.js';
import { intIn } from './bounds.js';

interface ExportArgs {
  runs: string[];
  out: string;
  format: 'sharegpt' | 'jsonl';
  'only-helped': boolean;
  baseline?: string;
  'max-per-task'?: number;
  dedup: boolean;
  'link-media': boolean;
  'data-root'?: string;
}

interface ImportArgs {
  file: string;
  backend: string;
  'data-root': string;
  'hf-root'?: string;
  'cache-dir'?: string;
}

const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <runs..>',
  describe:
    "Write a run's query traces as a fine-tuning set (LLaMA-Factory ShareGPT with media, or tte-bench traces.jsonl) plus a manifest",
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, describe: 'run folders whose traces to export' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
      .option('format', {
        choices: ['sharegpt', 'jsonl'] as const,
        default: 'sharegpt' as const,
        describe: 'sharegpt: sharegpt.json + media/ + dataset_info.json; jsonl: traces.jsonl (what traces import reads)',
      })
      .option('only-helped', {
        type: 'boolean',
        default: false,
        describe: 'keep only queries the trace helped: Hit@1 0 under --baseline, 1 under the run',
      })
      .option('baseline', { type: 'string', describe: 'the run to measure help against (usually no-think)' })
      .option('max-per-task', {
        type: 'number',
        coerce: intIn('max-per-task', 1, MAX_TRACES_PER_TASK),
        describe: 'at most this many traces per task (1–10000000)',
      })
      .option('dedup', {
        type: 'boolean',
        default: true,
        describe: 'drop traces whose input (prompt and media) was already exported (--no-dedup keeps them)',
      })
      .option('link-media', { type: 'boolean', default: false, describe: 'sharegpt: hard-link media instead of copying' })
      .option('data-root', { type: 'string', describe: "where the media are (default: each run's recorded data root)" }) as never,
  handler: async (a) => {
    const m = await exportTraces(a.runs, a.out, {
      format: a.format,
      onlyHelped: a['only-helped'],
      baseline: a.baseline,
      maxPerTask: a['max-per-task'],
      dedup: a.dedup,
      linkMedia: a['link-media'],
      dataRoot: a['data-root'],
    });
    const c = m.counts;
    process.stdout.write(
      `exported ${c.exported} of ${c.traces} trace(s) to ${a.out} (${m.format})` +
        ` — not helped ${c.notHelped}, duplicates ${c.duplicates}, over the cap ${c.overCap}, media missing ${c.missingMedia}; teacher(s): ${m.teachers.map((t) => t.id).join(', ') || 'none'}\n`,
    );
  },
};

const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import <file>',
  describe: 'Seed the trace cache from a traces.jsonl, keyed as the pipeline keys traces; refuses another prompt version or model',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'traces.jsonl (from traces export --format jsonl)' })
      .option('backend', { type: 'string', demandOption: true, describe: 'the backend config that will use the traces' })
      .option('data-root', { type: 'string', demandOption: true, describe: 'the MMEB-V2 data root the queries come from' })
      .option('hf-root', { type: 'string', describe: 'Hugging Face snapshots folder (default <data-root>/hf)' })
      .option('cache-dir', { type: 'string', describe: 'trace cache (default $XDG_CACHE_HOME/tte-bench or ~/.cache/tte-bench)' }) as never,
  handler: async (a) => {
    const r = await importTraces(a.file, loadBackendConfig(a.backend), {
      dataRoot: a['data-root'],
      hfRoot: a['hf-root'],
      cacheDir: a['cache-dir'] ?? defaultCacheDir(),
    });
    process.stdout.write(
      `imported ${r.imported} trace(s) (${r.alreadyCached} already cached) over ${Object.keys(r.tasks).length} task(s)\n`,
    );
  },
};

export const tracesCommand: CommandModule = {
  command: 'traces <command>',
  describe: "Reasoning traces: export a run's traces for distillation, or import traces made elsewhere into the cache",
  builder: (y) => y.command(exportCommand).command(importCommand).demandCommand(1, 'traces export | traces import'),
  handler: () => {},
};
