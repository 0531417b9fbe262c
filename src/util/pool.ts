/**
 * Run `fn` over `items` with at most `parallel` calls in flight. Cancellation is cooperative: once `signal`
 * is aborted no new item starts, the calls already running finish (a model call is never cut off halfway,
 * so its answer still reaches the cache), and then the pool rejects with the abort reason.
 */
export async function forEachPool<T>(
  items: T[],
  parallel: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  if (signal?.aborted && next < items.length) throw signal.reason ?? new Error('aborted');
}
