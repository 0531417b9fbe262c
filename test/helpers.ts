import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

export const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
export const FORMATS_ROOT = join(FIXTURES, 'mmeb-v2-formats', 'root');
export const FORMATS_EXPECTED = join(FIXTURES, 'mmeb-v2-formats', 'expected');
export const SCORES = join(FIXTURES, 'reference', 'vlm2vec-all-scores');
export const BIN = join(PACKAGE_ROOT, 'bin', 'tte-bench.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would (a separate node process). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? PACKAGE_ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'tte-bench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The tiny random-weight CLIP fixture as a local no-think backend config; `embedder` adds or overrides fields. */
export function tinyClipConfig(embedder: Record<string, unknown> = {}) {
  const model = join(FIXTURES, 'tiny-models', 'tiny-clip');
  return {
    name: 'tiny-clip',
    pipeline: 'no-think',
    embedder: { type: 'transformers', architecture: 'clip', model, ...embedder },
    reasoner: null,
  };
}

/**
 * Write a backend config for the builtin model behind a server (an in-process one or `tte-bench serve`),
 * reached as a served "openai" embedder: the no-think floor over HTTP. `embedder` adds or overrides fields.
 */
export function writeServedFloorConfig(file: string, baseURL: string | string[], embedder: Record<string, unknown> = {}): string {
  const served = { type: 'openai', baseURL, model: 'builtin-floor', requestFormat: 'messages', maxConcurrency: 4, ...embedder };
  writeFileSync(file, JSON.stringify({ name: 'served-floor', pipeline: 'no-think', embedder: served, reasoner: null }));
  return file;
}
