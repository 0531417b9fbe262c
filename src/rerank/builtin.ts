/**
 * The weight-free reranker. `similarity` re-scores each pair with the builtin embedder's features (hashed
 * words, colour names, thumbnails) — a floor, like the builtin backend. `oracle` and `reverse` are TEST
 * AIDS, not models: `oracle` scores a gold candidate 1 and any other 0 (so Hit@1 becomes 1.0 wherever the
 * gold is within the rerank depth), `reverse` scores by retrieval position so the top K come out reversed.
 * They exist to check the rerank stage end to end with exactly predictable results; never report them.
 */
import { BuiltinEmbedder } from '../backends/builtin.js';
import type { RerankContext, RerankPair, RerankScore, Reranker } from './types.js';

export type BuiltinRerankMode = 'similarity' | 'oracle' | 'reverse';

export class BuiltinReranker implements Reranker {
  readonly id: string;
  readonly promptVersion = 'builtin-rerank@1';
  readonly unit = 'query' as const;
  readonly cacheable = false;
  private readonly embedder = new BuiltinEmbedder();

  constructor(readonly mode: BuiltinRerankMode = 'similarity') {
    this.id = `builtin-rerank:${mode}`;
  }

  async score(pairs: RerankPair[], _ctx: RerankContext): Promise<RerankScore[]> {
    if (this.mode === 'oracle') return pairs.map((p) => ({ score: p.gold ? 1 : 0 }));
    if (this.mode === 'reverse') return pairs.map((p) => ({ score: p.retrievalRank }));
    if (!pairs.length) return [];
    const [q, ...cands] = await this.embedder.embed([
      { text: pairs[0].query.text, media: pairs[0].query.media, role: 'query' },
      ...pairs.map((p) => ({ text: p.candidate.text, media: p.candidate.media, role: 'target' as const })),
    ]);
    return cands.map((c) => ({ score: c.reduce((a, x, i) => a + x * q[i], 0) }));
  }
}
