import type { CommandModule } from 'yargs';
import { MMEB_VERSIONS, type MmebVersion } from '../catalog/types.js';
import { PARTIAL_LEAD } from '../report/partial-tasks.js';
import { exportSubmission } from '../report/submission.js';

interface Args {
  run: string;
  model: string;
  out: string;
  backbone?: string;
  size?: number;
  dim?: number;
  'max-length'?: number;
  'release-date'?: string;
  'data-source': string;
  url?: string;
  contact?: string;
  'mmeb-version'?: MmebVersion;
  'allow-partial': boolean;
}

export const exportSubmissionCommand: CommandModule<object, Args> = {
  command: 'export-submission <run>',
  describe: "Write a run folder as the MMEB leaderboard's per-model score report (VLM2Vec report_score_v2.py layout)",
  builder: (y) =>
    y
      .positional('run', { type: 'string', describe: 'tte-bench run folder (summary.json + {task}_score.json)' })
      .option('model', { type: 'string', demandOption: true, describe: 'metadata.model_name' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe:
          'report file to write (report_score_v2.py names it <model>.json); for MMEB-V3 the experiment folder: <group>/<task>_score.json and <model>.json',
      })
      .option('backbone', { type: 'string', describe: 'metadata.model_backbone, e.g. Qwen2-VL-2B' })
      .option('size', { type: 'number', describe: 'metadata.model_size: parameters in billions, e.g. 2.21' })
      .option('dim', { type: 'number', describe: 'metadata.embedding_dimension' })
      .option('max-length', { type: 'number', describe: 'metadata.max_length_tokens' })
      .option('release-date', { type: 'string', describe: 'metadata.model_release_date, YYYY-MM-DD' })
      .option('data-source', { type: 'string', default: 'Self-Reported', describe: 'metadata.data_source' })
      .option('url', { type: 'string', describe: 'metadata.url: paper, code or model page' })
      .option('contact', { type: 'string', describe: 'metadata.contact (MMEB-V3 reports)' })
      .option('mmeb-version', {
        type: 'string',
        choices: MMEB_VERSIONS,
        describe: "v3: report_score_v3.py's layout and report (default: the run's own version)",
      })
      .option('allow-partial', {
        type: 'boolean',
        default: false,
        describe:
          'write FILE_N/A / DIR_N/A for the scored tasks the run lacks, and tasks scored on another number of queries than the benchmark has as they are, instead of refusing',
      }) as never,
  handler: (args) => {
    const { file, missing, partial } = exportSubmission(args.run, {
      model: args.model,
      out: args.out,
      backbone: args.backbone,
      sizeB: args.size,
      embeddingDimension: args.dim,
      maxLengthTokens: args['max-length'],
      releaseDate: args['release-date'],
      dataSource: args['data-source'],
      url: args.url,
      contact: args.contact,
      ...(args['mmeb-version'] ? { version: args['mmeb-version'] } : {}),
      allowPartial: args['allow-partial'],
    });
    process.stdout.write(`wrote ${file}${missing.length ? ` (${missing.length} scored task(s) missing, written as N/A)` : ''}\n`);
    if (partial.length) process.stdout.write(`note: ${PARTIAL_LEAD}: ${partial.join(', ')}\n`);
  },
};
