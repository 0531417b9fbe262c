/**
 * Moved to src/items/vlm2vec.ts (the item room: datasets produce items, backends and reports read them).
 * This re-export keeps parser code that imports it from here compiling; new code imports src/items/vlm2vec.ts.
 */
export * from '../items/vlm2vec.js';
