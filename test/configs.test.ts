/** The example backend configs under configs/ for reproducing published models. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBackendConfig } from '../src/backends/config.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';

const DIR = join(PACKAGE_ROOT, 'configs');
/** The model protocols the configs may name (one module each on the protocol side). */
const PROTOCOLS = ['vlm2vec-qwen2vl', 'gme-qwen2vl', 'qwen3-vl-embedding', 'plain'];

test('every config in configs/ parses with the backend-config schema and names a protocol over chat-style requests', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.ok(files.length >= 6, `configs/ holds the published-model presets (found ${files.length})`);
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const serving = readFileSync(join(PACKAGE_ROOT, 'docs', 'serving.md'), 'utf8');
  for (const f of files) {
    const cfg = loadBackendConfig(join(DIR, f));
    assert.equal(cfg.name, f.replace(/\.json$/, ''), `${f}: name is the file name`);
    assert.equal(cfg.pipeline, 'no-think', f);
    const e = cfg.embedder as unknown as Record<string, unknown>;
    assert.equal(e.type, 'openai', f);
    assert.equal(e.requestFormat, 'messages', f);
    assert.ok(PROTOCOLS.includes(e.protocol as string), `${f}: protocol ${String(e.protocol)}`);
    assert.match(String(e.baseURL), /^http:\/\/localhost:\d+\/v1$/, f);
    // The README's table points at the file, and docs/serving.md covers its protocol.
    assert.ok(readme.includes(`configs/${f}`), `README names configs/${f}`);
    assert.ok(serving.includes(`templates/${e.protocol as string}.jinja`), `docs/serving.md serves ${String(e.protocol)}`);
  }
  // The 2B configs' model names are the --served-model-name of docs/serving.md's command lines.
  for (const f of ['vlm2vec-v2.0-qwen2vl-2b.json', 'gme-qwen2vl-2b.json', 'qwen3-vl-embedding-2b.json']) {
    const model = (loadBackendConfig(join(DIR, f)).embedder as unknown as { model: string }).model;
    assert.ok(serving.includes(`--served-model-name ${model} `), `${f}: docs/serving.md serves ${model}`);
  }
});
