/**
 * Run `fn` over `items` with at most `parallel` calls in flight. Cancellation is cooperative: once `signal`
 * is aborted, or once any call has failed, no new item starts; the calls already running finish (a model
 * call is never cut off halfway, so its answer still reaches the cache), and then the pool rejects with the
 * first failure (or the abort reason). Stopping at the first failure matters on a shared cluster: a run that
 * is going to fail must not keep sending hundreds of requests behind the error.
 */
export async function forEachPool<T>(
  items: T[],
  parallel: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted && !failed) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, worker));
  if (failed) throw failure;
  if (signal?.aborted && next < items.length) throw signal.reason ?? new Error('aborted');
}
