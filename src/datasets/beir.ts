/**
 * Shared BEIR-style loading for the visdoc parsers: `queries`, `corpus` and `qrels` configs of one
 * repo. qrels keep score > 0; a repeated (query, page) pair keeps the max score at its first position.
 * Each query's gold pages are its qrels, which also enter the pool first; then every corpus page.
 */
import type { AdapterContext, AdapterOutput } from './context.js';
import type { ItemParts } from '../items/types.js';

export async function loadBeirTask(ctx: AdapterContext, pageFile: (corpusId: string) => string): Promise<AdapterOutput> {
  const src = ctx.source;
  let queryRows = await ctx.rows({ ...src, config: 'queries' });
  for (const [column, value] of Object.entries(ctx.task.filter ?? {})) {
    queryRows = queryRows.filter((r) => r.str(column) === value);
  }
  queryRows = ctx.sample(queryRows);
  const qrels = new Map<string, Map<string, number>>();
  for (const r of await ctx.rows({ ...src, config: 'qrels' })) {
    const score = r.num('score');
    if (!(score > 0)) continue;
    const qid = r.id('query-id');
    const docs = qrels.get(qid) ?? new Map<string, number>();
    qrels.set(qid, docs);
    docs.set(r.id('corpus-id'), Math.max(docs.get(r.id('corpus-id')) ?? 0, score));
  }
  const targetParts: ItemParts = { instruction: ctx.instruction('target'), text: '', rule: { kind: 'process' } };
  const pagePath = (id: string): string => ctx.path('imageRoot', [pageFile(id)]);
  // Corpus first, so that page bytes carried by the data count as present (VLM2Vec writes them to disk).
  const corpusRows = await ctx.rows({ ...src, config: 'corpus' });
  for (const r of corpusRows) {
    const bytes = r.bytes('image');
    if (bytes) ctx.inlineMedia.set(pagePath(r.id('corpus-id')), bytes);
  }
  const corpus = corpusRows.map((r) => {
    const id = r.id('corpus-id');
    return { id, parts: targetParts, media: [ctx.image(pagePath(id), r, 'image')] };
  });
  const queries = queryRows.map((r) => {
    const qid = r.id('query-id');
    const docs = qrels.get(qid);
    if (!docs) throw r.error('query-id', `query ${qid} has no qrels with score > 0`);
    const gold = [...docs.keys()];
    return {
      id: qid,
      parts: { instruction: ctx.instruction('query'), text: r.str('query'), rule: { kind: 'process' } } as ItemParts,
      media: [],
      candidates: gold.map((id) => ({ id, parts: targetParts, media: [ctx.image(pagePath(id), r, 'query-id')] })),
      gold,
      relScores: [...docs.values()],
      source: ctx.provenance(r),
    };
  });
  return { queries, corpus, labelShape: 'list' };
}
