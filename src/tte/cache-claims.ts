/**
 * In-flight claims on cache entries, so that processes sharing one cache folder (shards on several machines
 * over a network file system, or several runs on one machine) ask the model once per item between them.
 *
 * Before computing a missing item a process creates `claims/<key>.claim` with O_EXCL (atomic on local file
 * systems and on NFSv3+). Whoever creates it computes the item, stores the entry (temporary file + rename, so
 * readers never see a partial one) and then removes the claim. The others skip the item, finish their own
 * work, and then wait for the entry to appear.
 *
 * A holder that dies must not block the rest: it touches its claim files every ttl/4 (a heartbeat), and a
 * waiter takes a claim over once it has watched the file's modification time stand still for `ttlMs` of its
 * own clock (no comparison between machines' clocks), or at once when the file is already far older than
 * the ttl. A takeover renames the stale file away before claiming (only one renamer wins); in the rare race
 * where a waiter renames a claim just renewed by another, an item is computed twice — never wrongly, since
 * entries are content-addressed and written atomically.
 */
import { mkdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ClaimOptions {
  /** Heartbeat silence after which a claim is taken over (default 60 s). */
  ttlMs?: number;
  /** How often a waiter looks for the entries it waits on (default 250 ms, growing to 2 s). */
  pollMs?: number;
}

type ClaimResult = 'mine' | 'theirs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CacheClaims {
  readonly ttlMs: number;
  private readonly pollMs: number;
  private readonly held = new Set<string>();
  private readonly seen = new Map<string, { mtimeMs: number; since: number }>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** Items this process computed after claiming them, and items it took from another process's work. */
  claimed = 0;
  waited = 0;
  takenOver = 0;

  constructor(
    readonly cacheDir: string,
    opts: ClaimOptions = {},
  ) {
    this.ttlMs = Math.max(100, opts.ttlMs ?? 60_000);
    this.pollMs = Math.max(10, opts.pollMs ?? 250);
  }

  private path(key: string): string {
    return join(this.cacheDir, 'claims', key.slice(0, 2), `${key}.claim`);
  }

  /** Try to claim `key`: 'mine' when this process now holds it, 'theirs' when a live claim of another exists. */
  tryClaim(key: string): ClaimResult {
    const p = this.path(key);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, JSON.stringify({ host: hostname(), pid: process.pid }), { flag: 'wx' });
        this.held.add(p);
        this.seen.delete(p);
        this.startHeartbeat();
        return 'mine';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create cache claim ${p}: ${(err as Error).message}`);
      }
      if (!this.isStale(p)) return 'theirs';
      // take the stale claim over: only one process's rename succeeds
      const aside = `${p}.stale-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        renameSync(p, aside);
        unlinkSync(aside);
        this.takenOver++;
      } catch {
        return 'theirs'; // another waiter took it first
      }
    }
    return 'theirs';
  }

  private isStale(p: string): boolean {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(p).mtimeMs;
    } catch {
      return true; // released between our create and stat: claim again
    }
    if (Date.now() - mtimeMs > 10 * this.ttlMs) return true;
    const now = performance.now();
    const prev = this.seen.get(p);
    if (!prev || prev.mtimeMs !== mtimeMs) {
      this.seen.set(p, { mtimeMs, since: now });
      return false;
    }
    return now - prev.since > this.ttlMs;
  }

  release(key: string): void {
    const p = this.path(key);
    if (!this.held.delete(p)) return;
    try {
      unlinkSync(p);
    } catch {
      // taken over by a waiter who thought us dead: nothing of ours to remove
    }
    if (!this.held.size) this.stopHeartbeat();
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(
      () => {
        const now = new Date();
        for (const p of this.held) {
          try {
            utimesSync(p, now, now);
          } catch {
            // lost to a takeover; the item may be computed twice, which is harmless
          }
        }
      },
      Math.max(25, this.ttlMs / 4),
    );
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * Compute the missing `keys` in batches of `size`, `parallel` batches at once, claiming each key first.
   * Keys another process holds are left to it and waited for at the end: `ready(key)` returns true (and takes
   * the value) once the entry is in the cache; a claim that goes stale is taken over and computed here.
   * `compute(batch)` must store the batch's entries before it resolves.
   */
  async share(
    keys: string[],
    { size, parallel, signal }: { size: number; parallel: number; signal?: AbortSignal },
    compute: (batch: string[]) => Promise<void>,
    ready: (key: string) => boolean,
  ): Promise<void> {
    let waiting: string[] = [];
    const claimBatch = (queue: string[], into: string[]): string[] => {
      const batch: string[] = [];
      while (batch.length < size && queue.length) {
        const k = queue.shift() as string;
        if (ready(k)) continue;
        if (this.tryClaim(k) === 'theirs') {
          into.push(k);
          continue;
        }
        // finished by another process between our cache lookup and our claim
        if (ready(k)) this.release(k);
        else batch.push(k);
      }
      return batch;
    };
    const run = async (batch: string[]) => {
      try {
        await compute(batch);
        this.claimed += batch.length;
      } finally {
        for (const k of batch) this.release(k);
      }
    };
    // after a failure no new batch starts; the ones running finish (their answers are cached), then it rethrows
    let failed = false;
    const drain = async (queue: string[], into: string[]) => {
      const results = await Promise.allSettled(
        Array.from({ length: parallel }, async () => {
          while (!signal?.aborted && !failed) {
            const batch = claimBatch(queue, into);
            if (!batch.length) break;
            try {
              await run(batch);
            } catch (err) {
              failed = true;
              throw err;
            }
          }
        }),
      );
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      signal?.throwIfAborted();
    };
    await drain([...keys], waiting);
    let poll = this.pollMs;
    while (waiting.length) {
      signal?.throwIfAborted();
      const before = waiting.length;
      const still: string[] = [];
      const queue = waiting.filter((k) => {
        if (!ready(k)) return true;
        this.waited++;
        return false;
      });
      await drain(queue, still);
      waiting = still;
      if (waiting.length && waiting.length === before) {
        await sleep(poll);
        poll = Math.min(2000, poll * 1.5);
      } else poll = this.pollMs;
    }
  }

  /** Drop every claim still held (a failed run) so that others need not wait for them to go stale. */
  close(): void {
    for (const p of this.held) {
      try {
        unlinkSync(p);
      } catch {
        // already taken over
      }
    }
    this.held.clear();
    this.stopHeartbeat();
  }
}
