/**
 * `doctor`'s reranker checks (a backend with a "qwen3-vl-reranker" reranker), one sample pair per task family of
 * the planned run (or synthetic pairs: text → image, image → text, video → text):
 *  - vision tokens: where the server's /tokenize takes chat messages and expands vision placeholders, the number
 *    of image and video pad tokens must equal the grids the protocol computes for the sizes it sends (Qwen3-VL:
 *    16-px patches, 2 × 2 merge, 2 frames per temporal patch) — else the server resized the media again and
 *    scores other pixels than the reference;
 *  - one rerank request per pair succeeds, so a server that rejects an input (a video, a size, logprobs) fails
 *    here, in the first minute, with the task and item named, not hours into a run.
 */
import sharp from 'sharp';
import { request } from 'undici';
import type { BackendConfig } from '../backends/config.js';
import { getTask } from '../catalog/load.js';
import type { EvalProfileName } from '../catalog/profiles.js';
import { loadEvalSet } from '../datasets/load.js';
import { DataRoot } from '../items/data-root.js';
import { createReranker } from '../rerank/registry.js';
import {
  QWEN3_IMAGE_PAD_ID,
  QWEN3_VIDEO_PAD_ID,
  buildContent,
  qwen3RerankerPlan,
  visionTokens,
  type ChatContentPart,
} from '../rerank/qwen3-vl-reranker.js';
import { stripPlaceholders, type RerankItem } from '../rerank/types.js';
import { MediaLoader } from '../tte/media.js';
import { promptFamily, type PromptFamily } from '../tte/prompts.js';
import type { Check, CheckStatus } from './doctor.js';

export interface RerankDoctorPair {
  /** Names the pair in verdicts: task, query id, candidate id. */
  name: string;
  family: PromptFamily;
  query: RerankItem;
  candidate: RerankItem;
}

/** Synthetic pairs (no data root): a text query with an image page, an image with a label, a 10-frame video with a label. */
export async function defaultRerankPairs(): Promise<RerankDoctorPair[]> {
  const png = async (w: number, h: number, r: number, g: number, b: number) =>
    new Uint8Array(
      await sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
  const page = await png(500, 700, 240, 240, 230);
  const photo = await png(320, 240, 200, 30, 30);
  const frames = await Promise.all(Array.from({ length: 10 }, (_, i) => png(320, 240, 20 * i, 100, 200 - 15 * i)));
  const text = (id: string, t: string): RerankItem => ({
    id,
    text: t,
    media: [],
    parts: { instruction: '', text: t, rule: { kind: 'raw' } },
  });
  return [
    {
      name: 'synthetic text → page',
      family: 'visdoc',
      query: {
        id: 'q',
        text: 'What was the revenue in 2019?',
        media: [],
        parts: {
          instruction: 'Find a document image that matches the given query.',
          text: 'What was the revenue in 2019?',
          rule: { kind: 'process' },
        },
      },
      candidate: { id: 'page', text: '', media: [{ kind: 'image', path: 'page.png', data: page }] },
    },
    {
      name: 'synthetic image → label',
      family: 'classification',
      query: {
        id: 'q',
        text: '',
        media: [{ kind: 'image', path: 'photo.png', data: photo }],
        parts: {
          instruction: '<|image_1|>\nRepresent the given image for classification',
          text: '',
          rule: { kind: 'image-query', qaStyle: false },
        },
      },
      candidate: text('label', 'red fox'),
    },
    {
      name: 'synthetic 10-frame video → label',
      family: 'video',
      query: {
        id: 'q',
        text: '',
        media: [{ kind: 'frames', paths: frames.map((_, i) => `frame_${i}.png`), data: frames }],
        parts: {
          instruction: 'What actions or objects interactions are the person in the video doing?',
          text: '',
          rule: { kind: 'process' },
        },
      },
      candidate: text('label', 'brush_hair'),
    },
  ];
}

/** One pair per task family of the planned tasks: each family's first task, its first query and first gold candidate. */
export async function taskRerankPairs(
  tasks: string[],
  dataRoot: string,
  opts: { profile?: EvalProfileName } = {},
): Promise<RerankDoctorPair[]> {
  const seen = new Set<PromptFamily>();
  const out: RerankDoctorPair[] = [];
  for (const name of tasks) {
    const task = getTask(name);
    const family = promptFamily(task);
    if (seen.has(family)) continue;
    const { evalSet } = await loadEvalSet(task, { dataRoot, profile: opts.profile });
    const q = evalSet.queries[0];
    const c = q && evalSet.candidates.find((x) => x.id === q.gold[0]);
    if (!q || !c) continue;
    seen.add(family);
    const loader = new MediaLoader(new DataRoot(dataRoot), evalSet);
    const item = async (it: typeof c): Promise<RerankItem> => ({
      id: it.id,
      text: stripPlaceholders(it.text),
      media: await loader.load(it.media),
      parts: it.parts,
    });
    out.push({ name: `${name} query ${q.id} / candidate ${c.id}`, family, query: await item(q), candidate: await item(c) });
  }
  return out;
}

/** Vision pad tokens the protocol's sizes give a pair: [image pads, video pads]. */
async function expectedPads(
  pair: RerankDoctorPair,
): Promise<{ image: number; video: number; messages: unknown[]; kwargs: Record<string, unknown> }> {
  const plan = qwen3RerankerPlan(pair.query, pair.candidate);
  let image = 0;
  let video = 0;
  const built = await buildContent(plan, pair.query, pair.candidate, {
    image: (img) => {
      image += visionTokens(img.width, img.height);
      return `data:image/png;base64,${Buffer.from(img.data).toString('base64')}`;
    },
    video: (frames) => {
      video += visionTokens(frames[0].width, frames[0].height, frames.length);
      return `data:video/jpeg;base64,${frames.map((f) => Buffer.from(f.data).toString('base64')).join(',')}`;
    },
  });
  const messages = [
    { role: 'system', content: [{ type: 'text', text: plan.system }] },
    { role: 'user', content: built.user as ChatContentPart[] },
  ];
  return { image, video, messages, kwargs: { ...built.kwargs } };
}

/** The reranker checks, for a backend whose reranker uses the qwen3-vl-reranker protocol (none otherwise). */
export async function rerankChecks(
  backend: BackendConfig,
  { pairs, timeoutMs = 30_000 }: { pairs?: RerankDoctorPair[]; timeoutMs?: number } = {},
): Promise<Check[]> {
  const r = backend.reranker;
  if (!r || r.type === 'builtin' || r.protocol !== 'qwen3-vl-reranker') return [];
  const samples = pairs ?? (await defaultRerankPairs());
  const base = String(Array.isArray(r.baseURL) ? r.baseURL[0] : r.baseURL).replace(/\/+$/, '');
  const root = base.replace(/\/v1$/, '');
  const apiKey = typeof r.apiKeyEnv === 'string' ? process.env[r.apiKeyEnv] : undefined;
  const out: Check[] = [];
  const add = (check: string, status: CheckStatus, message: string, fix?: string) =>
    out.push({ endpoint: base, check, status, message, ...(fix ? { fix } : {}) });
  let tokenizeMissing = false;
  for (const s of samples) {
    // 1. vision tokens: the server's grids against the protocol's
    if (!tokenizeMissing) {
      const want = await expectedPads(s);
      const body = { model: r.model, messages: want.messages, add_generation_prompt: true, ...want.kwargs };
      try {
        const res = await request(`${root}/tokenize`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
          body: JSON.stringify(body),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await res.body.text();
        if (res.statusCode === 404) {
          tokenizeMissing = true;
          add('rerank vision tokens', 'skip', `${root}/tokenize is not offered: the server's image/video grids could not be compared`);
        } else if (res.statusCode !== 200) {
          add(
            `rerank vision tokens ${s.name}`,
            'fail',
            `/tokenize answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`,
            'check the server log',
          );
        } else {
          const tokens = ((JSON.parse(text) as { tokens?: unknown }).tokens ?? []) as number[];
          const got = {
            image: tokens.filter((t) => t === QWEN3_IMAGE_PAD_ID).length,
            video: tokens.filter((t) => t === QWEN3_VIDEO_PAD_ID).length,
          };
          const placeholders = (want.image ? 1 : 0) + (want.video ? 1 : 0);
          if (got.image + got.video <= placeholders && want.image + want.video > placeholders)
            add(`rerank vision tokens ${s.name}`, 'skip', "the server's /tokenize does not expand vision placeholders: grids not compared");
          else if (got.image === want.image && got.video === want.video)
            add(`rerank vision tokens ${s.name}`, 'pass', `${got.image} image and ${got.video} video tokens, as the protocol's sizes give`);
          else
            add(
              `rerank vision tokens ${s.name}`,
              'fail',
              `the server expands to ${got.image} image and ${got.video} video tokens; the reference's sizes give ${want.image} and ${want.video}`,
              "the server resizes the media again: check that it passes mm_processor_kwargs to the processor (vLLM) and that its processor is Qwen3-VL's",
            );
        }
      } catch (err) {
        add(`rerank vision tokens ${s.name}`, 'fail', (err as Error).message, 'start the reranker server, or fix reranker "baseURL"');
      }
    }
    // 2. one request of the pair's family succeeds
    const reranker = createReranker({ ...r, timeoutMs, maxRetries: 0 } as typeof r);
    try {
      const [score] = await reranker.score([{ query: s.query, candidate: s.candidate, retrievalRank: 0, gold: true }], {
        family: s.family,
      });
      add(`rerank ${s.family} ${s.name}`, 'pass', `score ${score.score.toFixed(4)}`);
    } catch (err) {
      add(
        `rerank ${s.family} ${s.name}`,
        'fail',
        (err as Error).message,
        'the server rejects this input: see the message and the server log',
      );
    } finally {
      await reranker.close?.();
    }
  }
  return out;
}
