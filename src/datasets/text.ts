/**
 * Moved to src/items/tokens.ts and src/items/plain.ts (the item room: datasets produce items, backends and
 * reports read them). This re-export keeps parser code that imports it from here compiling.
 */
export * from '../items/tokens.js';
export * from '../items/plain.js';
