/**
 * Moved to src/util/pytext.ts (Python string semantics are shared by parsers, renderings and model protocols).
 * This re-export keeps parser code that imports it from here compiling; new code imports src/util/pytext.ts.
 */
export * from '../../util/pytext.js';
