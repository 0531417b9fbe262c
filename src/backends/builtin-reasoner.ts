/**
 * The builtin weight-free reasoner: a floor for the think pipelines, as the builtin embedder is for
 * no-think. It "describes" images by their dominant basic colours and restates the input's content
 * words, in the ECR format (<think> … </think> summary). It lets teacher/distilled/unified runs work
 * offline and shows what the pipeline does with a trace; it knows nothing.
 */
import { loadSharp } from '../util/sharp.js';
import type { LoadedMedia, ReasonInput, Reasoner, Trace } from './types.js';
import { colourName } from './builtin.js';

async function dominantColours(data: Uint8Array): Promise<string[]> {
  const px = await (await loadSharp())(data).removeAlpha().resize(8, 8, { fit: 'fill' }).raw().toBuffer();
  const counts = new Map<string, number>();
  for (let p = 0; p < 64; p++) {
    const best = colourName(px[p * 3], px[p * 3 + 1], px[p * 3 + 2]);
    counts.set(best, (counts.get(best) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, n]) => n >= 8)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c);
}

async function describe(m: LoadedMedia): Promise<string> {
  const frames = m.kind === 'image' ? [m.data] : m.data;
  const colours = new Set<string>();
  for (const f of frames) (await dominantColours(f)).forEach((c) => colours.add(c));
  const what = m.kind === 'image' ? 'The image' : `The video (${frames.length} frames)`;
  return `${what} is mostly ${[...colours].join(' and ') || 'of mixed colour'}.`;
}

export class BuiltinReasoner implements Reasoner {
  readonly id = 'builtin-reasoner@1';

  async reason(items: ReasonInput[]): Promise<Trace[]> {
    const out: Trace[] = [];
    for (const it of items) {
      const seen = await Promise.all(it.media.map(describe));
      const input = it.text.split('\nInput:\n').pop() ?? it.text;
      const words = (input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 3).slice(0, 12);
      const think = [...seen, words.length ? `The text is about ${words.join(' ')}.` : ''].filter(Boolean).join(' ');
      const summary = seen.length ? seen.join(' ') : `About ${words.slice(0, 6).join(' ')}.`;
      const text = `<think>${think}</think> ${summary}`;
      out.push({ text, usage: { promptTokens: it.text.split(/\s+/).length, completionTokens: text.split(/\s+/).length } });
    }
    return out;
  }
}
