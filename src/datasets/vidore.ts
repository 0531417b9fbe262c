/** vidore (ViDoRe V1/V2, ViDoSeek, MMLongBench): pages at <image_root>/<corpus-id>.png. */
import type { Adapter } from './context.js';
import { loadBeirTask } from './beir.js';

export const vidoreAdapter: Adapter = (ctx) => loadBeirTask(ctx, (id) => `${id}.png`);
