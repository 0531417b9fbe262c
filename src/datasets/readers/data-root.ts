/**
 * Moved to src/items/data-root.ts (the item room: datasets produce items, backends and reports read them).
 * This re-export keeps parser code that imports it from here compiling; new code imports src/items/data-root.ts.
 */
export * from '../../items/data-root.js';
