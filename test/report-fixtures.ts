/** What the report, ablation and browser tests share: the two builtin backends they compare, and a task whose dataset texts carry markup. */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackendConfig } from '../src/backends/config.js';
import { loadSuite } from '../src/engine/suites.js';
import { MMEB_IMAGE_COLUMNS, writeHfParquet } from '../scripts/lib/hf-parquet.js';

export const mini = loadSuite('mini');

/** The no-think floor and the same embedder with the builtin reasoner: two runs that differ in thinking only. */
export const floor = parseBackendConfig({ name: 'floor', pipeline: 'no-think', embedder: { type: 'builtin' } });
export const think = parseBackendConfig({
  name: 'floor-think',
  pipeline: 'teacher',
  embedder: { type: 'builtin' },
  reasoner: { type: 'builtin' },
});

/**
 * A one-query N24News task under `root` whose query text and candidate texts are the given strings (markup,
 * scripts), with a real image from the mini suite: what a report must show as text, never run.
 */
export function writeMarkupTask(root: string, queryText: string, targetTexts: string[]): void {
  writeHfParquet(join(root, 'hf/ziyjiang/MMEB_Test_Instruct/N24News/test-00000-of-00001.parquet'), MMEB_IMAGE_COLUMNS, [
    {
      qry_inst: '<|image_1|>\nRepresent the news:',
      qry_text: queryText,
      qry_img_path: 'N24News/a.jpg',
      tgt_inst: '',
      tgt_text: targetTexts,
      tgt_img_path: targetTexts.map(() => ''),
    },
  ]);
  mkdirSync(join(root, 'image-tasks/N24News'), { recursive: true });
  cpSync(join(mini.dataRoot!, 'image-tasks/OK-VQA/Test/COCO_val2014_000000000100.jpg'), join(root, 'image-tasks/N24News/a.jpg'));
}
