/**
 * onnxruntime-node's telemetry stays off wherever the harness starts onnxruntime: on the main thread (`rank`'s
 * scoring kernel) and in worker threads (a local model's Piscina pool). With it on, the first session writes a
 * device id and an event store under $XDG_CACHE_HOME (default ~/.cache)/Microsoft/ and a mat-debug-<pid>.log in
 * the temp folder (see src/util/ort-telemetry.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { npyBytes } from '../src/util/npy.js';
import { runCli, tempDir, tinyClipConfig } from './helpers.js';

test("onnxruntime's telemetry writes nothing: rank on the main thread, a local model in worker threads", () => {
  const [home, tmp] = [tempDir(), tempDir()];
  // as a user who never set it (the variable absent), with the cache and temp folders where this test looks
  const env = { HOME: home, XDG_CACHE_HOME: undefined, TMPDIR: tmp, ORT_DISABLE_TELEMETRY: undefined };
  const written = (what: string) => {
    assert.equal(existsSync(join(home, '.cache', 'Microsoft')), false, `${what}: onnxruntime wrote its telemetry store`);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.startsWith('mat-debug')),
      [],
      `${what}: onnxruntime left a debug log`,
    );
  };
  const dir = tempDir();
  const matrix = (rows: number, seed: number) => Float32Array.from({ length: rows * 4 }, (_, i) => Math.sin(seed + i));
  writeFileSync(join(dir, 'q.npy'), npyBytes({ rows: 3, cols: 4, data: matrix(3, 1) }));
  writeFileSync(join(dir, 'c.npy'), npyBytes({ rows: 5, cols: 4, data: matrix(5, 2) }));
  const rank = runCli(['rank', '--queries', join(dir, 'q.npy'), '--candidates', join(dir, 'c.npy'), '--k', '2'], { env });
  assert.equal(rank.status, 0, rank.stderr);
  assert.equal(rank.stdout.trim().split('\n').length, 3);
  written('rank');

  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${JSON.stringify({ text: 'a red square' })}\n`);
  const backend = join(dir, 'clip.json');
  writeFileSync(backend, JSON.stringify(tinyClipConfig({ workers: 1 })));
  const embed = runCli(['embed', '--backend', backend, '--input', input], { env });
  assert.equal(embed.status, 0, embed.stderr);
  assert.equal(embed.stdout.trim().split('\n').length, 1);

  // the worker's own process.env is a copy: only the main thread's setting reaches onnxruntime there
  written('embed');
});
