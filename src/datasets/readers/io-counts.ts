/**
 * How much data-root I/O this process has done: data files read (parquet, JSON, CSV) and media paths
 * checked. Cheap counters, so tests can observe that a resumed run reads nothing, and benchmarks can print it.
 */
export const ioCounts = { dataFilesRead: 0, mediaChecks: 0 };
