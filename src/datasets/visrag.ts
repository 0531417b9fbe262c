/**
 * visrag: corpus ids are image file names; pages are stored as base[:50] + "_" + md5(id)[:8] + ext
 * (base, ext = os.path.splitext(id); [:50] counts code points).
 */
import { createHash } from 'node:crypto';
import type { Adapter } from './context.js';
import { loadBeirTask } from './beir.js';
import { pyPrefix, pySplitext } from '../util/pytext.js';

export function visragPageFile(corpusId: string): string {
  const [base, ext] = pySplitext(corpusId);
  return `${pyPrefix(base, 50)}_${createHash('md5').update(corpusId, 'utf8').digest('hex').slice(0, 8)}${ext}`;
}

export const visragAdapter: Adapter = (ctx) => loadBeirTask(ctx, visragPageFile);
