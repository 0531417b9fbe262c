/**
 * Imported (for its effect) by every module that starts onnxruntime, before it does.
 *
 * onnxruntime-node's Linux build starts Microsoft's telemetry client with its first session: each process leaves
 * a `mat-debug-<pid>.log` file in the temp folder and writes a device id and a SQLite event store under
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`, to upload when it finds a CA bundle. A benchmark harness
 * run on shared clusters should not write outside its results or phone home unasked (it also costs ~5 ms of
 * every session start). onnxruntime reads `ORT_DISABLE_TELEMETRY` from the process environment; set here on
 * the main thread, worker threads' sessions see it too. A value the user set is left as it is.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';

export {};
