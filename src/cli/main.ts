import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { TteError, ConfigError, DataError } from '../errors.js';
import { packageVersion } from '../util/package-root.js';
import { type CommandEntry, type CommandGroup, commandsFor, formatTopLevelHelp, wantsTopLevelHelp } from './commands.js';

/**
 * The commands, one line each: the command string and description exactly as the module declares them
 * (what top-level `--help` lists; test/cli.test.ts checks they match), and the module, imported only when
 * its command runs, so each command loads only what it uses. Add a command by adding a line.
 */
const COMMANDS: CommandEntry[] = [
  [
    'tasks',
    'List the task catalog: MMEB-V2 (78 scored tasks plus the unscored English-only ViDoRe-V2 variants) or, with --mmeb-version v3, MMEB-V3 (190 scored tasks in 8 groups plus unscored diagnostics)',
    async () => (await import('./tasks.js')).tasksCommand,
  ],
  [
    'score',
    "Score a VLM2Vec {task}_pred.jsonl exactly as VLM2Vec's RankingMetrics does",
    async () => (await import('./score.js')).scoreCommand,
  ],
  [
    'leaderboard <paths..>',
    'Roll per-task scores up to the MMEB-V2 leaderboard columns (overall, modalities, 12 meta-tasks), ×100',
    async () => (await import('./leaderboard.js')).leaderboardCommand,
  ],
  [
    'dump',
    "Print a task's EvalSet (queries, then pooled candidates) as JSONL, exactly as scoring sees it",
    async () => (await import('./dump.js')).dumpCommand,
  ],
  [
    'run',
    'Run a backend over MMEB-V2 tasks and write scores, predictions, a summary and a report',
    async () => (await import('./run.js')).runCommand,
  ],
  [
    'validate',
    'Check a downloaded data root: rows, queries, candidates, and every missing or unreadable media file',
    async () => (await import('./validate.js')).validateCommand,
  ],
  [
    'fetch',
    'Download the Hugging Face annotation snapshots of tasks into <to>/hf/<owner>/<name>/; with --mmeb-version v3, the VLM2Vec/MMEB-V3 archives, unpacked as dataset_setup_v3.py does (needs network)',
    async () => (await import('./fetch.js')).fetchCommand,
  ],
  [
    'extract-frames',
    'Opt-in: fill missing or empty frame folders from the raw videos under video_root, with ffmpeg',
    async () => (await import('./extract-frames.js')).extractFramesCommand,
  ],
  [
    'serve',
    'Serve a backend as an OpenAI-compatible server (/v1/embeddings, /v1/chat/completions, /health)',
    async () => (await import('./serve.js')).serveCommand,
  ],
  [
    'embed',
    'Embed JSONL inputs ({"text"} and/or {"image"}) with a backend; one {"vector"} line per input, L2-normalised',
    async () => (await import('./embed.js')).embedCommand,
  ],
  [
    'rank',
    'Rank precomputed embeddings (.npy float32, 2-D) and write VLM2Vec-style predictions',
    async () => (await import('./rank.js')).rankCommand,
  ],
  [
    'merge <dirs..>',
    'Combine the result folders of a sharded run (run --shard i/n) into one, identical to an unsharded run',
    async () => (await import('./merge.js')).mergeCommand,
  ],
  [
    'compare [runs..]',
    'Ablation: compare runs A B [C ...] (queries paired by id; bootstrap CIs, McNemar on Hit@1, flips, cost; --out DIR writes ablation.html/.md/.json); reproduction check: compare score sources (all_scores reports, folders of {task}_score.json, run folders) per task with noise bands (--out FILE.md|.html); or the CI regression gate: --baseline DIR --candidate DIR --max-drop X (exit 1 on regression)',
    async () => (await import('./compare.js')).compareCommand,
  ],
  [
    'report <results>',
    'Write report.md, a self-contained report.html and PNG charts for a results folder',
    async () => (await import('./report.js')).reportCommand,
  ],
  [
    'export-mteb <run>',
    'Export a run folder as MTEB TaskResult JSON (<out>/<org>__<model>/<revision>/<Task>.json + model_meta.json)',
    async () => (await import('./export-mteb.js')).exportMtebCommand,
  ],
  [
    'export-submission <run>',
    "Write a run folder as the MMEB leaderboard's per-model score report (VLM2Vec report_score_v2.py layout)",
    async () => (await import('./export-submission.js')).exportSubmissionCommand,
  ],
  [
    'plan',
    'Print how `run --shard i/n` (or --shard auto) divides the work: tasks, split tasks and estimated load per shard',
    async () => (await import('./plan.js')).planCommand,
  ],
  [
    'traces <command>',
    "Reasoning traces: export a run's traces for distillation, or import traces made elsewhere into the cache",
    async () => (await import('./traces.js')).tracesCommand,
  ],
  [
    'render',
    "Print what the backend's embedder is sent per item (exact prompt, media, HTTP body), queries then candidates; with --rerank, what its reranker is sent per (query, gold candidate) pair",
    async () => (await import('./render.js')).renderCommand,
  ],
  [
    'doctor',
    "Preflight a live server: reachable, model name, embedding dimension, and the server's prompt rendering vs the protocol's (vLLM /tokenize)",
    async () => (await import('./doctor.js')).doctorCommand,
  ],
  [
    'rerank <run>',
    "Rerank an existing run's predictions (a tte-bench run folder, or VLM2Vec / Qwen3-VL-Embedding {task}_pred.jsonl files) without re-embedding",
    async () => (await import('./rerank.js')).rerankCommand,
  ],
  [
    'curve <runs..>',
    'Accuracy vs reasoning spent per query, overall and per meta-task, across runs that differ in rerank depth or reasoning budget',
    async () => (await import('./curve.js')).curveCommand,
  ],
];

/**
 * Top-level `--help`: the commands in groups, each with a summary that fits one line (the full description
 * is what `tte-bench <command> --help` and docs/commands.md print). test/cli-help.test.ts checks every command
 * is in exactly one group.
 */
const COMMAND_GROUPS: CommandGroup[] = [
  [
    'Data',
    [
      ['tasks', 'the task catalog: 78 scored tasks plus unscored ViDoRe-V2 variants'],
      ['fetch', 'download annotation snapshots, or the MMEB-V3 archives, from Hugging Face'],
      ['validate', 'check a data root: rows, queries, candidates and every media file'],
      ['dump', "a task's EvalSet as JSONL, exactly as scoring sees it"],
      ['extract-frames', 'opt-in: fill missing frame folders from raw videos with ffmpeg'],
    ],
  ],
  [
    'Run',
    [
      ['run', 'run a backend over tasks: scores, predictions, summary, report'],
      ['embed', 'embed JSONL text/image inputs with a backend, one vector per line'],
      ['rank', 'rank precomputed .npy embeddings into VLM2Vec-style predictions'],
      ['rerank', "rerank a finished run's predictions without re-embedding"],
      ['traces', 'export reasoning traces for distillation, or import them to the cache'],
    ],
  ],
  [
    'Scores and reports',
    [
      ['score', "score a VLM2Vec {task}_pred.jsonl as VLM2Vec's RankingMetrics does"],
      ['leaderboard', 'roll per-task scores up to the leaderboard columns (×100)'],
      ['report', 'write report.md, report.html and PNG charts for a run folder'],
      ['compare', 'ablation of runs with CIs, a reproduction check of scores, or the CI gate'],
      ['curve', 'accuracy vs reasoning spent per query, across runs'],
      ['export-mteb', 'a run folder as MTEB TaskResult JSON'],
      ['export-submission', "a run folder as the MMEB leaderboard's per-model score report"],
    ],
  ],
  [
    'Models and servers',
    [
      ['serve', 'serve a backend as an OpenAI-compatible server (optionally keyed)'],
      ['doctor', 'preflight a live server: model, dimension, prompt rendering'],
      ['render', "what a backend's embedder is sent per item: prompt, media, body"],
    ],
  ],
  [
    'Scale',
    [
      ['plan', 'how run --shard i/n divides the work across shards'],
      ['merge', "combine a sharded run's folders into the unsharded run's folder"],
    ],
  ],
];

export { COMMANDS, COMMAND_GROUPS };

/** The width help is wrapped at: the terminal's, at most 110 columns. */
export function helpWidth(): number {
  return Math.min(110, process.stdout.columns ?? 110);
}

/**
 * yargs renders the help text of the command it runs before running it (so that a handler could call
 * showHelp()), measuring every option's string width: ~40 ms on each command line, most of what `tasks`
 * costs beyond yargs' own loading. No handler here shows help (a failure prints one line; `--help` renders
 * on its own path), so the cache is skipped; if a yargs version lacks this internal, nothing changes.
 */
function skipHelpCache(cli: Argv): void {
  const internal = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods;
  const usage = internal?.call(cli).getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * The yargs parser for a command line: the named command's real module, stubs for the others, help wrapped
 * at `width`. `main` runs it; scripts/gen-commands-doc.ts asks it for each command's `--help`.
 */
export async function buildCli(argv: string[], width: number): Promise<Argv> {
  // yargs 17's CommonJS build: one file, loaded in ~25 ms (docs/dependencies.md); its ESM entry wraps help mid-word
  const yargs = createRequire(import.meta.url)('yargs/yargs') as (args: string[]) => Argv;
  const cli = yargs(argv).scriptName('tte-bench').version(packageVersion());
  for (const command of await commandsFor(COMMANDS, argv)) cli.command(command);
  cli
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .wrap(width)
    .fail((msg, err) => {
      // yargs wraps an error thrown by an option's `coerce` (a bound check) in a YError: still bad usage
      if (err && err.name !== 'YError') throw err;
      throw new ConfigError(msg ?? err?.message);
    });
  skipHelpCache(cli);
  return cli;
}

/**
 * Exit codes: 0 success; 1 a failed check (e.g. `validate` found missing media) or an unexpected
 * error; 2 bad input or configuration (the message names file, row and field).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  if (wantsTopLevelHelp(argv)) {
    // the grouped command list needs no yargs (and no command module): printed directly
    process.stdout.write(formatTopLevelHelp(COMMANDS, COMMAND_GROUPS, helpWidth()));
    return 0;
  }
  const cli = await buildCli(argv, helpWidth());
  try {
    await cli.parseAsync();
    if (typeof process.exitCode === 'number') exitCode = process.exitCode;
  } catch (err) {
    if (err instanceof DataError || err instanceof ConfigError) {
      process.stderr.write(`tte-bench: ${err.message}\n`);
      return 2;
    }
    if (err instanceof TteError) {
      process.stderr.write(`tte-bench: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tte-bench: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
  return exitCode;
}
