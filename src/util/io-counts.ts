/**
 * How much data-root I/O this process has done: data files read (parquet, JSON, CSV) and media paths
 * checked. Cheap counters, so tests can observe that a resumed run reads nothing, and benchmarks can print it.
 * In util because the dataset readers and the item room's data root both count here.
 */
export const ioCounts = { dataFilesRead: 0, mediaChecks: 0 };
