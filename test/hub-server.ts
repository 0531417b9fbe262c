/**
 * A small Hugging Face Hub on 127.0.0.1 for `fetch` tests: serves the snapshot folders under a root as
 * dataset repos through the two endpoints @huggingface/hub uses (tree listing, resolve with Range).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** `lfs`: list every file with an `lfs` record (sha256 and size), as the Hub lists LFS-stored files. */
export async function startHub(
  hfRoot: string,
  opts: { lfs?: boolean } = {},
): Promise<{ url: string; downloads: string[]; close: () => Promise<void> }> {
  const downloads: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/main\/?$/.exec(url.pathname);
    if (tree) {
      const dir = join(hfRoot, tree[1]);
      if (!existsSync(dir)) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
      const files = walk(dir).map((p) => ({
        type: 'file',
        path: relative(dir, p).split('\\').join('/'),
        size: statSync(p).size,
        oid: createHash('sha1').update(readFileSync(p)).digest('hex'),
        ...(opts.lfs
          ? { lfs: { oid: createHash('sha256').update(readFileSync(p)).digest('hex'), size: statSync(p).size, pointerSize: 134 } }
          : {}),
      }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(files));
    }
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const file = join(hfRoot, resolve[1], ...decodeURIComponent(resolve[2]).split('/'));
      if (!existsSync(file)) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
      const data = readFileSync(file);
      const etag = `"${createHash('sha1').update(data).digest('hex')}"`;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
        if (!(start === 0 && end === 0)) downloads.push(`${resolve[1]}/${decodeURIComponent(resolve[2])}`);
        return void res
          .writeHead(206, { 'content-range': `bytes ${start}-${end}/${data.length}`, etag, 'content-type': 'application/octet-stream' })
          .end(data.subarray(start, end + 1));
      }
      downloads.push(`${resolve[1]}/${decodeURIComponent(resolve[2])}`);
      return void res.writeHead(200, { etag, 'content-type': 'application/octet-stream' }).end(data);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, downloads, close: () => new Promise((r) => server.close(() => r())) };
}
