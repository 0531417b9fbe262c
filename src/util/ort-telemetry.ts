/**
 * onnxruntime-node's Linux build starts Microsoft's telemetry client with the first session of a process: it
 * leaves a `mat-debug-<pid>.log` file in the temp folder and writes a device id and a SQLite event store under
 * `$XDG_CACHE_HOME` (default `~/.cache`)`/Microsoft/DeveloperTools/.onnxruntime/`, to upload when it finds a CA
 * bundle. A benchmark harness run on shared clusters should not write outside its results or report home
 * unasked (it also costs ~5 ms of every first session). onnxruntime reads `ORT_DISABLE_TELEMETRY` from the
 * process environment when its first session starts.
 *
 * Called by everything that starts onnxruntime, on the thread that creates it or, for worker pools, on the
 * thread that creates the pool before any worker runs: a worker thread's `process.env` is its own copy, so only
 * a setting made on the main thread reaches onnxruntime. A value the user set is left as it is.
 */
export function disableOrtTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
