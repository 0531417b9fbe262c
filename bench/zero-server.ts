/**
 * A zero-latency OpenAI-compatible embedding server for benchmarks, run as its own process so that what
 * the harness process spends is measured alone: /v1/embeddings in both request formats ("input" batches
 * and "messages"), answering each input with a deterministic unit vector of --dim floats (derived from a
 * hash of the request, so different inputs rank differently) without decoding any image; as a JSON list,
 * or as base64 float32 when the request asks for encoding_format "base64".
 *
 *   node dist/bench/zero-server.js [--dim 3584]     (prints "listening on http://127.0.0.1:PORT")
 *
 * GET /stats returns {requests, items, bytesIn}.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { numberArg } from './args.js';

const dim = numberArg('dim', 3584);
const stats = { requests: 0, items: 0, bytesIn: 0 };

// 64 precomputed vectors as JSON text; a hash of the request picks one, which keeps the server
// cheap (the point is to measure the client) while inputs still get different vectors.
const vectors = Array.from({ length: 64 }, (_, seed) => {
  let s = (seed * 2654435761) >>> 0;
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    n += (v[i] = s / 4294967296 - 0.5) ** 2;
  }
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] /= n;
  return { json: JSON.stringify(Array.from(v)), base64: JSON.stringify(Buffer.from(v.buffer).toString('base64')) };
});

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    stats.requests++;
    stats.bytesIn += body.length;
    const parsed = JSON.parse(body.toString('utf8')) as { input?: string[]; messages?: unknown; encoding_format?: string };
    const format = parsed.encoding_format === 'base64' ? 'base64' : 'json'; // as OpenAI and vLLM answer
    const n = Array.isArray(parsed.input) ? parsed.input.length : 1;
    stats.items += n;
    const data: string[] = [];
    for (let i = 0; i < n; i++) {
      const h = createHash('md5').update(body).update(String(i)).digest().readUInt32LE(0);
      data.push(`{"object":"embedding","index":${i},"embedding":${vectors[h % 64][format]}}`);
    }
    res.setHeader('content-type', 'application/json');
    res.end(`{"object":"list","data":[${data.join(',')}],"model":"zero","usage":{"prompt_tokens":${n},"total_tokens":${n}}}`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  if (a && typeof a === 'object') process.stdout.write(`listening on http://127.0.0.1:${a.port}\n`);
});
