/**
 * Server faults from a scripted OpenAI-compatible server on 127.0.0.1: transient faults are retried and
 * the answer is the one a healthy server gives; persistent ones end in one clear BackendError; a wrong
 * vector never reaches scoring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OpenAIEmbedder } from '../../src/backends/openai.js';
import { BackendError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { faultBackend, runCliAsync, startFaultServer, vectorFor, type FaultPlan } from './support.js';

const item = { text: 'a red bus', media: [], role: 'query' as const };
const healthy = vectorFor('a red bus', 8);

async function withServer(
  plan: FaultPlan,
  fn: (e: OpenAIEmbedder, s: Awaited<ReturnType<typeof startFaultServer>>) => Promise<void>,
  cfg: Record<string, unknown> = {},
) {
  const server = await startFaultServer(plan);
  try {
    const e = new OpenAIEmbedder({
      baseURL: `${server.url}/v1`,
      model: 'm',
      requestFormat: 'input',
      retryBaseMs: 1,
      maxRetries: 3,
      timeoutMs: 2000,
      ...cfg,
    });
    await fn(e, server);
  } finally {
    await server.close();
  }
}

const near = (got: Float32Array, want: number[]) => got.length === want.length && want.every((x, i) => Math.abs(got[i] - x) < 1e-6);

test('transient faults are retried and the answer is the healthy one', async () => {
  const plans: [string, FaultPlan][] = [
    ['429 with Retry-After', { status: { code: 429, times: 2, retryAfter: '0' } }],
    ['500', { status: { code: 500, times: 2 } }],
    ['503', { status: { code: 503, times: 3 } }],
    ['connection reset mid-body', { resetMidBody: 2 }],
    ['truncated body', { truncated: 2 }],
    ['non-JSON body', { nonJson: 1 }],
    ['timeout', { stall: 1 }],
  ];
  for (const [name, plan] of plans) {
    await withServer(
      plan,
      async (e, s) => {
        const [v] = await e.embed([item]);
        assert.ok(near(v, healthy), name);
        assert.ok(e.client.retries >= 1, `${name}: retried`);
        assert.equal(s.requests.length, e.client.retries + 1, `${name}: one request per attempt`);
      },
      name === 'timeout' ? { timeoutMs: 300 } : {},
    );
  }
});

test('persistent faults end in one BackendError naming the endpoint, the attempts and the cause', async () => {
  const cases: [FaultPlan, RegExp][] = [
    [{ status: { code: 503, times: 99, retryAfter: '0' } }, /\/v1\/embeddings failed after 4 attempt\(s\): HTTP 503 .*injected 503/],
    [{ resetMidBody: 99 }, /failed after 4 attempt\(s\): /],
    [{ nonJson: 99 }, /failed after 4 attempt\(s\): .*(JSON|Unexpected token)/],
    [{ stall: 99 }, /failed after 4 attempt\(s\): .*(aborted|timeout)/i],
  ];
  for (const [plan, want] of cases) {
    await withServer(
      plan,
      async (e, s) => {
        await assert.rejects(e.embed([item]), (err: unknown) => err instanceof BackendError && want.test((err as Error).message));
        assert.equal(s.requests.length, 4);
      },
      plan.stall ? { timeoutMs: 200 } : {},
    );
  }
  // a 4xx is the caller's fault: not retried
  await withServer({ status: { code: 400, times: 99 } }, async (e, s) => {
    await assert.rejects(e.embed([item]), /answered HTTP 400/);
    assert.equal(s.requests.length, 1);
  });
});

test('answers are matched to inputs by their index; a repeated, missing or out-of-range index is refused', async () => {
  const items = ['a red bus', 'two dogs', 'a violin'].map((text) => ({ text, media: [], role: 'query' as const }));
  const want = items.map((it) => vectorFor(it.text, 8));
  const matches = (got: Float32Array[]) => got.length === want.length && got.every((g, i) => near(g, want[i]));
  // listed last first, each with its own index: every input still gets its own vector
  await withServer({ reversed: true }, async (e) => assert.ok(matches(await e.embed(items))));
  // no index at all: list order
  await withServer({ index: () => undefined }, async (e) => assert.ok(matches(await e.embed(items))));
  for (const [index, what] of [
    [() => 0, 'index 0 on every answer'],
    [(i: number) => i + 1, 'an index past the last input'],
    [(i: number) => (i === 1 ? undefined : i), 'one answer without an index'],
    [(i: number) => String(i), 'indices written as strings'],
  ] as const) {
    await withServer({ index }, async (e) => {
      await assert.rejects(
        e.embed(items),
        (err: unknown) => err instanceof BackendError && /has index .*each input must be answered once/.test((err as Error).message),
        what,
      );
    });
  }
});

test('NaN / infinite / non-numeric vector values are refused at the client', async () => {
  for (const [poison, want] of [
    [null, /embedding 0 is not a list of numbers/],
    ['__INF__', /embedding 0 has a non-finite value \(Infinity\) at index 1/],
  ] as const) {
    await withServer({ poison: () => poison }, async (e) => {
      await assert.rejects(e.embed([item]), (err: unknown) => err instanceof BackendError && want.test((err as Error).message));
    });
  }
});

test('a run against a server that starts answering NaN stops with a clear error, and a rerun resumes from the cache', async () => {
  const server = await startFaultServer({});
  try {
    const dir = tempDir();
    let answered = 0;
    // the first 10 items are answered well, then every value is poisoned
    const answeredWell: string[] = [];
    server.plan.poison = (t) => (answered++ >= 10 ? null : (answeredWell.push(t), undefined));
    const args = [
      'run',
      '--suite',
      'mini',
      '--tasks',
      'ImageNet-1K',
      '--backend',
      faultBackend(dir, server.url, { maxRetries: 0 }),
      '--cache-dir',
      join(dir, 'c'),
      '--out',
      join(dir, 'o'),
      '--report-dir',
      join(dir, 'r'),
    ];
    const bad = await runCliAsync(args);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /^tte-bench: .*embedding 0 is not a list of numbers\n$/);
    const before = server.requests.length;
    server.plan.poison = undefined;
    const good = await runCliAsync(args);
    assert.equal(good.status, 0, good.stderr);
    const asked = server.requests.length - before;
    const rerun = server.requests.slice(before);
    assert.equal(answeredWell.length, 10);
    assert.ok(asked > 0 && answeredWell.every((t) => !rerun.includes(t)), 'the 10 good answers were cached, not asked again');
    assert.equal(new Set(rerun).size, asked, 'the rerun asks each missing item once');
  } finally {
    await server.close();
  }
});
