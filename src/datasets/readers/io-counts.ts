/**
 * Moved to src/util/io-counts.ts (counted by the dataset readers and the item room's data root alike).
 * This re-export keeps parser code that imports it from here compiling; new code imports src/util/io-counts.ts.
 */
export * from '../../util/io-counts.js';
