/**
 * Moved to src/items/types.ts (the item room: datasets produce items, backends and reports read them).
 * This re-export keeps parser code that imports it from here compiling; new code imports src/items/types.ts.
 */
export * from '../items/types.js';
