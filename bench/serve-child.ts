/** Start bench/zero-server.js as a child process and return its URL, a stats reader and a stop function. */
import { spawn } from 'node:child_process';

export async function startZeroServer(
  dim: number,
): Promise<{ url: string; stats: () => Promise<{ requests: number; items: number; bytesIn: number }>; stop: () => void }> {
  const proc = spawn(process.execPath, [new URL('./zero-server.js', import.meta.url).pathname, '--dim', String(dim)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (b: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(b.toString());
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`zero-server exited with ${code}`)));
  });
  return {
    url,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as { requests: number; items: number; bytesIn: number },
    stop: () => proc.kill('SIGTERM'),
  };
}
