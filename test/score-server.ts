/**
 * A real HTTP server on 127.0.0.1 shaped as vLLM's pooling score API (`POST /v1/score`, `POST /v1/rerank`)
 * and chat completions, for the reranker tests. Scores are a rule the tests know: on /score and /rerank
 * each document scores its index in the request (documents arrive in retrieval order, so the top K come
 * back reversed). Chat completions answer with `chat(body)`. Every answered (query, document) pair is
 * counted, so tests can check that nothing is asked twice; `holdAfter(n)` leaves requests after the n-th
 * answered pair unanswered (a run can be killed with nothing in flight but those).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScoreServer {
  url: string;
  requests: { path: string; body: Record<string, unknown> }[];
  /** Answers per (query, document) JSON pair. */
  answered: Map<string, number>;
  holdAfter(pairs: number): void;
  /** Requests held unanswered now. */
  holding(): number;
  /** Drop held requests (their client is gone) and answer everything from now on. */
  release(): void;
  close(): Promise<void>;
}

export async function startScoreServer(chat?: (body: Record<string, unknown>) => Record<string, unknown>): Promise<ScoreServer> {
  const requests: ScoreServer['requests'] = [];
  const answered = new Map<string, number>();
  let limit = Infinity;
  const held: ServerResponse[] = [];
  const total = () => [...answered.values()].reduce((a, b) => a + b, 0);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const path = req.url ?? '';
      requests.push({ path, body });
      const send = (obj: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (path === '/v1/score' || path === '/v1/rerank') {
        const docs = body.documents as unknown[];
        const query = path === '/v1/score' ? body.queries : body.query;
        if (total() + docs.length > limit) {
          held.push(res);
          return;
        }
        for (const d of docs) {
          const k = JSON.stringify([query, d]);
          answered.set(k, (answered.get(k) ?? 0) + 1);
        }
        const usage = { prompt_tokens: 10 * docs.length, total_tokens: 10 * docs.length, completion_tokens: 0 };
        if (path === '/v1/score')
          send({
            id: 'score-1',
            object: 'list',
            created: 0,
            model: body.model,
            data: docs.map((_, i) => ({ index: i, object: 'score', score: i })),
            usage,
          });
        // vLLM's /rerank returns results sorted by relevance, highest first
        else
          send({
            id: 'rerank-1',
            model: body.model,
            usage,
            results: docs.map((_, i) => ({ index: i, relevance_score: i, document: null })).reverse(),
          });
        return;
      }
      if (path === '/v1/chat/completions' && chat) {
        if (total() + 1 > limit) {
          held.push(res);
          return;
        }
        const k = JSON.stringify(body.messages);
        answered.set(k, (answered.get(k) ?? 0) + 1);
        send(chat(body));
        return;
      }
      res.writeHead(404);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    answered,
    holdAfter: (n) => (limit = n),
    holding: () => held.length,
    release: () => {
      limit = Infinity;
      for (const r of held.splice(0)) r.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const h of held.splice(0)) h.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The text of a chat request's last user message (all its text parts joined). */
export function chatText(body: Record<string, unknown>): string {
  const msgs = body.messages as { role: string; content: string | { type: string; text?: string }[] }[];
  const c = msgs[msgs.length - 1].content;
  return typeof c === 'string'
    ? c
    : c
        .filter((p) => p.type === 'text')
        .map((p) => p.text)
        .join('\n');
}

export function chatReply(
  content: string,
  promptTokens: number,
  completionTokens: number,
  logprobs?: { token: string; logprob: number }[],
): Record<string, unknown> {
  return {
    id: 'chat-1',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: 'stop',
        ...(logprobs
          ? { logprobs: { content: [{ token: logprobs[0].token, logprob: logprobs[0].logprob, top_logprobs: logprobs }] } }
          : {}),
      },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}
