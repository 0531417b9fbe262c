/**
 * Runs that outgrow one machine: `--shard auto` from the scheduler's environment, a cache shared by several
 * processes (claims), replicas that fail and come back, recipe manifests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend } from '../src/backends/registry.js';
import { BUILTIN_BACKEND } from '../src/backends/config.js';
import { startServer } from '../src/serve/server.js';
import { CacheClaims } from '../src/tte/cache-claims.js';
import { decodeVector } from '../src/tte/cache.js';
import { shardFromEnv } from '../src/engine/shard.js';
import { BackendError, ConfigError } from '../src/errors.js';
import { expandEnv, HttpClient } from '../src/backends/http.js';
import { parseBackendConfig } from '../src/backends/config.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { BIN, runCli, tempDir, writeServedFloorConfig } from './helpers.js';

test('--shard auto: Slurm job arrays and Kubernetes Indexed Jobs map to shard i/n', () => {
  const cases: [NodeJS.ProcessEnv, number | undefined, { index: number; count: number; source: string }][] = [
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' }, undefined, { index: 0, count: 3, source: 'slurm' }],
    [
      { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2' },
      undefined,
      { index: 2, count: 3, source: 'slurm' },
    ],
    // --array=1-8: 1-based ids
    [
      { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '8' },
      undefined,
      { index: 0, count: 8, source: 'slurm' },
    ],
    [
      { SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '8' },
      undefined,
      { index: 7, count: 8, source: 'slurm' },
    ],
    // --array=0-14:2
    [
      { SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '14', SLURM_ARRAY_TASK_STEP: '2' },
      undefined,
      { index: 3, count: 8, source: 'slurm' },
    ],
    [{ SLURM_ARRAY_TASK_ID: '3' }, 4, { index: 3, count: 4, source: 'slurm' }],
    [{ JOB_COMPLETION_INDEX: '5' }, 8, { index: 5, count: 8, source: 'kubernetes' }],
    [{ JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '4' }, undefined, { index: 0, count: 4, source: 'kubernetes' }],
  ];
  for (const [env, shards, want] of cases) assert.deepEqual(shardFromEnv(env, shards), want, JSON.stringify(env));
  const bad: [NodeJS.ProcessEnv, number | undefined, RegExp][] = [
    [{}, undefined, /no scheduler shard.*SLURM_ARRAY_TASK_ID.*JOB_COMPLETION_INDEX/],
    [{ PATH: '/bin' }, 4, /no scheduler shard/],
    [{ JOB_COMPLETION_INDEX: '1' }, undefined, /--shards N/],
    [{ JOB_COMPLETION_INDEX: '4' }, 4, /outside 0\.\.3/],
    [{ SLURM_ARRAY_TASK_ID: '3' }, undefined, /neither SLURM_ARRAY_TASK_COUNT/],
    [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }, 4, /disagrees/],
    [{ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '3' }, undefined, /not a non-negative integer/],
    [
      { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '5', SLURM_ARRAY_TASK_COUNT: '3' },
      undefined,
      /outside|not on the range/,
    ],
    [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', JOB_COMPLETION_INDEX: '1' }, 3, /both/],
    [{ JOB_COMPLETION_INDEX: '1' }, 0, /--shards must be/],
  ];
  for (const [env, shards, re] of bad)
    assert.throws(
      () => shardFromEnv(env, shards),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
      JSON.stringify(env),
    );
});

test('run --shard auto reads the array task from the environment and records it; without a scheduler it fails clearly', () => {
  const dir = tempDir();
  const env = { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', JOB_COMPLETION_INDEX: '' };
  const r = runCli(['run', '--suite', 'mini', '--shard', 'auto', '--out', join(dir, 's1'), '--report-dir', join(dir, 'r1'), '--no-cache'], {
    env,
  });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(dir, 's1', 'manifest.json'), 'utf8'));
  assert.equal(m.shard.index, 1);
  assert.equal(m.shard.count, 3);
  assert.equal(m.shard.source, 'slurm');
  assert.equal(m.shard.allTasks.length, 13);
  const none = runCli(['run', '--suite', 'mini', '--shard', 'auto', '--out', join(dir, 'x'), '--no-cache'], {
    env: { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '' },
  });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^tte-bench: --shard auto found no scheduler shard/);
  const k8s = runCli(['run', '--suite', 'mini', '--shard', 'auto', '--out', join(dir, 'k'), '--no-cache'], {
    env: { SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '2' },
  });
  assert.equal(k8s.status, 2);
  assert.match(k8s.stderr, /--shards N/);
});

test('cache claims: one holder at a time, a live holder keeps its claim, a silent or long-dead one is taken over', async () => {
  const dir = tempDir();
  const a = new CacheClaims(dir, { ttlMs: 400 });
  const b = new CacheClaims(dir, { ttlMs: 400 });
  const key = 'ab'.repeat(32);
  assert.equal(a.tryClaim(key), 'mine');
  assert.equal(b.tryClaim(key), 'theirs');
  // a's heartbeat renews the claim: b still sees it held after more than the ttl
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(b.tryClaim(key), 'theirs');
  a.release(key);
  assert.equal(b.tryClaim(key), 'mine');
  b.close();
  // a claim left by a killed process (no heartbeat): taken over once its mtime stood still for the ttl
  const dead = 'cd'.repeat(32);
  const file = join(dir, 'claims', 'cd', `${dead}.claim`);
  mkdirSync(join(dir, 'claims', 'cd'), { recursive: true });
  writeFileSync(file, '{"pid":1}');
  const c = new CacheClaims(dir, { ttlMs: 300 });
  assert.equal(c.tryClaim(dead), 'theirs');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(c.tryClaim(dead), 'mine');
  assert.equal(c.takenOver, 1);
  c.close();
  assert.equal(existsSync(file), false);
  // one far older than the ttl is taken over at once
  writeFileSync(file, '{"pid":1}');
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(file, old, old);
  const d = new CacheClaims(dir, { ttlMs: 1000 });
  assert.equal(d.tryClaim(dead), 'mine');
  d.close();
});

interface Proc {
  code: Promise<number | null>;
  stderr: () => string;
  kill: () => void;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
  proc.stdout.resume();
  return { code: new Promise((res) => proc.once('exit', (c) => res(c))), stderr: () => err, kill: () => proc.kill('SIGKILL') };
}

/** Every cache entry is whole; `strict`: no temporary file left either. */
function checkCacheEntries(dir: string, strict = true): number {
  let n = 0;
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      if (!f.endsWith('.f32')) {
        assert.ok(!strict, `stray file in the cache: ${p}`);
        continue;
      }
      // whole: the cache's own reader accepts it (header, dimension, checksum, finite values)
      assert.ok(decodeVector(readFileSync(p)) !== null, `partial or corrupt entry ${p}`);
      n++;
    }
  };
  walk(join(dir, 'embeddings'));
  return n;
}

test('several processes on one cache folder against one server: no corrupt entry, requests <= unique items + processes', async (t) => {
  const dir = tempDir();
  const backend = await createBackend(BUILTIN_BACKEND);
  const server = await startServer(backend, { port: 0, latencyMs: 15, maxConcurrency: 8 });
  try {
    const cfg = writeServedFloorConfig(join(dir, 'served.json'), `${server.url}/v1`);
    // the unique items: one process alone on a fresh cache asks each once
    const ref = spawnCli([
      'run',
      '--suite',
      'mini',
      '--backend',
      cfg,
      '--out',
      join(dir, 'ref'),
      '--report-dir',
      join(dir, 'rep'),
      '--cache-dir',
      join(dir, 'c-ref'),
    ]);
    assert.equal(await ref.code, 0, ref.stderr());
    const unique = server.stats.byRoute['POST /v1/embeddings'] ?? 0;
    assert.ok(unique > 20);
    const procs = 3;
    const runs = Array.from({ length: procs }, (_, i) =>
      spawnCli([
        'run',
        '--suite',
        'mini',
        '--backend',
        cfg,
        '--out',
        join(dir, `p${i}`),
        '--report-dir',
        join(dir, `rp${i}`),
        '--cache-dir',
        join(dir, 'shared'),
      ]),
    );
    const codes = await Promise.all(runs.map((r) => r.code));
    codes.forEach((c, i) => assert.equal(c, 0, runs[i].stderr()));
    const shared = (server.stats.byRoute['POST /v1/embeddings'] ?? 0) - unique;
    t.diagnostic(`${shared} embedding requests from ${procs} processes for ${unique} unique items`);
    assert.ok(shared <= unique + procs, `${shared} requests for ${unique} unique items from ${procs} processes`);
    assert.equal(checkCacheEntries(join(dir, 'shared')), checkCacheEntries(join(dir, 'c-ref')));
    for (let i = 0; i < procs; i++) {
      for (const f of readdirSync(join(dir, 'ref')).filter((x) => x.endsWith('_pred.jsonl') || x === 'summary.json')) {
        assert.equal(readFileSync(join(dir, `p${i}`, f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
      }
    }
    // no claim is left behind
    const claims = join(dir, 'shared', 'claims');
    const left = existsSync(claims) ? readdirSync(claims).flatMap((d) => readdirSync(join(claims, d))) : [];
    assert.deepEqual(left, []);
  } finally {
    await server.close();
    await backend.close();
  }
});

test('a process killed while holding claims does not block the others: they take over after the claim ttl', async () => {
  const dir = tempDir();
  const backend = await createBackend(BUILTIN_BACKEND);
  const server = await startServer(backend, { port: 0, latencyMs: 400, maxConcurrency: 2 });
  try {
    const cfg = writeServedFloorConfig(join(dir, 'served.json'), `${server.url}/v1`, { maxConcurrency: 2 });
    const args = (o: string) => [
      'run',
      '--tasks',
      'MSR-VTT',
      '--data-root',
      join(PACKAGE_ROOT, 'tasks', 'mini', 'data'),
      '--backend',
      cfg,
      '--out',
      join(dir, o),
      '--report-dir',
      join(dir, `r-${o}`),
      '--cache-dir',
      join(dir, 'shared'),
      '--claim-ttl',
      '1',
    ];
    const victim = spawnCli(args('victim'));
    // wait until it holds claims (its requests are in flight), then kill it
    const claims = join(dir, 'shared', 'claims');
    const held = () => (existsSync(claims) ? readdirSync(claims).flatMap((d) => readdirSync(join(claims, d))).length : 0);
    while (held() === 0) await new Promise((r) => setTimeout(r, 20));
    victim.kill();
    await victim.code;
    assert.ok(held() > 0, 'the killed process left claims behind');
    const rescuer = spawnCli(args('rescuer'));
    assert.equal(await rescuer.code, 0, rescuer.stderr());
    assert.ok(existsSync(join(dir, 'rescuer', 'MSR-VTT_pred.jsonl')));
    assert.ok(checkCacheEntries(join(dir, 'shared'), false) > 0);
  } finally {
    await server.close();
    await backend.close();
  }
});

const embedBody = (text: string) => ({ model: 'builtin-floor', input: [text] });
type EmbedAnswer = { data: { embedding: number[] }[] };

test('replicas: one stopped mid-run is left out, the run goes on, and it rejoins once it answers again', async () => {
  const backend = await createBackend(BUILTIN_BACKEND);
  const a = await startServer(backend, { port: 0 });
  const b = await startServer(backend, { port: 0 });
  let a2: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const client = new HttpClient({
      baseURL: [`${a.url}/v1`, `${b.url}/v1`],
      maxConcurrency: 2,
      retryBaseMs: 50,
      maxRetries: 0,
      allDownTimeoutMs: 5000,
    });
    const batch = (n: number, tag: string) =>
      Promise.all(Array.from({ length: n }, (_, i) => client.post<EmbedAnswer>('/embeddings', embedBody(`${tag}-${i}`))));
    await batch(8, 'before');
    assert.ok(a.stats.requests > 0 && b.stats.requests > 0, 'both replicas served');
    await a.close(); // stopped mid-run: connections are refused from now on
    const during = await batch(12, 'during');
    assert.equal(during.length, 12);
    assert.ok(during.every((r) => r.data[0].embedding.length > 0));
    assert.ok(client.failovers >= 1);
    assert.equal(client.endpoints[0].down, true);
    assert.equal(client.retries, 0, 'no request used a retry: each moved to the live replica');
    // the replica comes back on the same port; after its back-off a probe finds it and it takes requests again
    a2 = await startServer(backend, { port: a.port });
    while (a2.stats.requests === 0) await batch(2, 'after');
    await batch(8, 'rejoined');
    assert.equal(client.endpoints[0].down, false);
    assert.ok(a2.stats.requests > 1, 'the rejoined replica serves more than the probe');
  } finally {
    await a2?.close();
    await b.close();
    await backend.close();
  }
});

test('replicas: one answering 503 is routed around; all down longer than allDownTimeoutMs fails the run clearly', async () => {
  const backend = await createBackend(BUILTIN_BACKEND);
  const sick = await startServer(backend, { port: 0, failFirst: { count: 1_000_000, status: 503 } });
  const good = await startServer(backend, { port: 0 });
  try {
    const client = new HttpClient({
      baseURL: [`${sick.url}/v1`, `${good.url}/v1`],
      maxConcurrency: 4,
      retryBaseMs: 200,
      maxRetries: 0,
      allDownTimeoutMs: 1000,
    });
    const out = await Promise.all(Array.from({ length: 40 }, (_, i) => client.post<EmbedAnswer>('/embeddings', embedBody(`q${i}`))));
    assert.equal(out.length, 40);
    assert.equal(good.stats.requests, 40);
    assert.ok(sick.stats.requests < 10, `the 503 replica got ${sick.stats.requests} requests (probes only after the first failures)`);
    await good.close();
    await assert.rejects(
      client.post('/embeddings', embedBody('late')),
      (err: unknown) => err instanceof BackendError && /all 2 endpoint\(s\) down for more than 1\.0 s/.test((err as Error).message),
    );
  } finally {
    await sick.close();
    await backend.close();
  }
});

test('replicas: all down for less than allDownTimeoutMs: requests wait and go on when one comes back', async () => {
  const backend = await createBackend(BUILTIN_BACKEND);
  const a = await startServer(backend, { port: 0 });
  const port = a.port;
  await a.close();
  let back: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const client = new HttpClient({ baseURL: `${a.url}/v1`, retryBaseMs: 20, maxRetries: 0, allDownTimeoutMs: 60_000 });
    const pending = client.post<EmbedAnswer>('/embeddings', embedBody('waits'));
    await new Promise((r) => setTimeout(r, 300));
    back = await startServer(backend, { port });
    const r = await pending;
    assert.ok(r.data[0].embedding.length > 0);
  } finally {
    await back?.close();
    await backend.close();
  }
});

test('allDownTimeoutMs is a bounded backend config field', () => {
  const cfg = (v: unknown) => ({
    name: 'x',
    pipeline: 'no-think',
    embedder: { type: 'openai', baseURL: ['http://127.0.0.1:1/v1', 'http://127.0.0.1:2/v1'], model: 'm', allDownTimeoutMs: v },
  });
  assert.equal(parseBackendConfig(cfg(600_000)).embedder.allDownTimeoutMs, 600_000);
  for (const bad of [0, 999, 86_400_001, 1.5, '60']) assert.throws(() => parseBackendConfig(cfg(bad)), ConfigError, String(bad));
});

test('${NAME} in a baseURL comes from the environment (one config for per-job server ports)', () => {
  assert.equal(expandEnv('http://127.0.0.1:${TTE_TEST_PORT}/v1', { TTE_TEST_PORT: '20123' }), 'http://127.0.0.1:20123/v1');
  assert.equal(expandEnv('http://h:${A}/${B_2}', { A: '1', B_2: 'v1' }), 'http://h:1/v1');
  assert.equal(expandEnv('http://plain:8000/v1', {}), 'http://plain:8000/v1');
  assert.throws(
    () => expandEnv('http://127.0.0.1:${TTE_TEST_UNSET_PORT}/v1', {}),
    (e: unknown) => e instanceof ConfigError && /TTE_TEST_UNSET_PORT.*not set/.test(e.message),
  );
  process.env.TTE_TEST_PORT_X = '9';
  assert.equal(new HttpClient({ baseURL: ['http://127.0.0.1:${TTE_TEST_PORT_X}/v1'] }).endpoints[0].base, 'http://127.0.0.1:9/v1');
  delete process.env.TTE_TEST_PORT_X;
});

async function startServeProcess(): Promise<{ url: string; proc: ReturnType<typeof spawn> }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--latency-ms', '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(b.toString());
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, proc };
}

test('a run over two `serve` replicas, one killed mid-run, finishes with the results of an undisturbed run', async () => {
  const dir = tempDir();
  const r1 = await startServeProcess();
  const r2 = await startServeProcess();
  try {
    const config = (file: string, urls: string[]) => writeServedFloorConfig(file, urls, { maxConcurrency: 2, allDownTimeoutMs: 30_000 });
    const cfg = config(join(dir, 'replicas.json'), [`${r1.url}/v1`, `${r2.url}/v1`]);
    // the undisturbed reference: the same served model through one replica
    const ref = spawnCli([
      'run',
      '--suite',
      'mini',
      '--backend',
      config(join(dir, 'one.json'), [`${r2.url}/v1`]),
      '--out',
      join(dir, 'ref'),
      '--report-dir',
      join(dir, 'rr'),
      '--no-cache',
    ]);
    assert.equal(await ref.code, 0, ref.stderr());
    const run = spawnCli([
      'run',
      '--suite',
      'mini',
      '--backend',
      cfg,
      '--out',
      join(dir, 'run'),
      '--report-dir',
      join(dir, 'rep'),
      '--no-cache',
    ]);
    // kill one replica once the run has finished its first task
    while (!existsSync(join(dir, 'run', '.status')) || readdirSync(join(dir, 'run', '.status')).length === 0)
      await new Promise((r) => setTimeout(r, 20));
    r1.proc.kill('SIGKILL');
    assert.equal(await run.code, 0, run.stderr());
    for (const f of readdirSync(join(dir, 'ref')).filter((x) => x.endsWith('_pred.jsonl') || x.endsWith('_score.json'))) {
      assert.equal(readFileSync(join(dir, 'run', f), 'utf8'), readFileSync(join(dir, 'ref', f), 'utf8'), f);
    }
  } finally {
    r1.proc.kill('SIGKILL');
    r2.proc.kill('SIGTERM');
  }
});

test('Kubernetes recipe: every manifest validates against the Kubernetes schemas and the pieces fit together', async () => {
  const { parseAllDocuments } = await import('yaml');
  const { Job } = await import('kubernetes-models/batch/v1');
  const { Deployment } = await import('kubernetes-models/apps/v1');
  const { ConfigMap, PersistentVolumeClaim, Service } = await import('kubernetes-models/v1');
  const models: Record<string, new (d: never) => { validate(): void }> = {
    'batch/v1/Job': Job as never,
    'apps/v1/Deployment': Deployment as never,
    'v1/ConfigMap': ConfigMap as never,
    'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
    'v1/Service': Service as never,
  };
  const dir = join(PACKAGE_ROOT, 'recipes', 'k8s');
  // biome-ignore lint/suspicious/noExplicitAny: manifests of several kinds, validated by their models
  type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };
  const objs: Obj[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      assert.deepEqual(doc.errors, [], f);
      const o = doc.toJS() as Obj;
      const Model = models[`${o.apiVersion}/${o.kind}`];
      assert.ok(Model, `${f}: no schema for ${o.apiVersion} ${o.kind}`);
      assert.doesNotThrow(() => new Model(o as never).validate(), `${f}: ${o.kind} ${o.metadata?.name}`);
      objs.push(o);
    }
  }
  // a broken manifest is caught: the schemas are really applied
  const job = objs.find((o) => o.kind === 'Job' && o.metadata.name === 'tte-bench') as Obj;
  assert.throws(() => new Job({ ...job, spec: { ...job.spec, completions: '8' } } as never).validate());
  assert.throws(() => new Job({ ...job, spec: { ...job.spec, completionMode: 'Sharded' } } as never).validate());
  // the Indexed Job's shard count agrees everywhere; its command runs --shard auto
  assert.equal(job.spec.completionMode, 'Indexed');
  const container = job.spec.template.spec.containers[0];
  const command = container.args.join(' ');
  assert.match(command, /--shard auto --shards (\d+)/);
  assert.equal(Number(/--shards (\d+)/.exec(command)![1]), job.spec.completions);
  assert.equal(Number(container.env.find((e: { name: string }) => e.name === 'JOB_COMPLETIONS').value), job.spec.completions);
  assert.deepEqual(
    shardFromEnv({ JOB_COMPLETION_INDEX: String(job.spec.completions - 1), JOB_COMPLETIONS: String(job.spec.completions) }),
    { index: job.spec.completions - 1, count: job.spec.completions, source: 'kubernetes' },
  );
  // the cache and results live on the claim; the Service selects the vLLM pods; the backend config is valid
  const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim') as Obj;
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  for (const j of objs.filter((o) => o.kind === 'Job')) {
    assert.ok(
      j.spec.template.spec.volumes.some(
        (v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim?.claimName === pvc.metadata.name,
      ),
      j.metadata.name,
    );
  }
  assert.match(command, /--cache-dir \/shared\//);
  const dep = objs.find((o) => o.kind === 'Deployment') as Obj;
  const svc = objs.find((o) => o.kind === 'Service') as Obj;
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
  assert.deepEqual(dep.spec.template.metadata.labels, dep.spec.selector.matchLabels);
  const cm = objs.find((o) => o.kind === 'ConfigMap') as Obj;
  const backend = parseBackendConfig(JSON.parse(cm.data!['backend.json']));
  assert.equal(backend.embedder.baseURL, `http://${svc.metadata.name}:${svc.spec.ports[0].port}/v1`);
  assert.ok(job.spec.template.spec.volumes.some((v: { configMap?: { name: string } }) => v.configMap?.name === cm.metadata.name));
  // the Slurm recipe's backend config parses too
  parseBackendConfig(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'recipes', 'slurm', 'backend.json'), 'utf8')));
});
