/** Option bounds, in a module of their own so that a command as lean as `rank` can use them without loading
 * what io.ts imports (the task catalog and eval profiles). */
import { ConfigError } from '../errors.js';

/**
 * A yargs `coerce` for a bounded integer option: anything else (0 where 1 is the least, a word, 2.5, a
 * number past the bound) is refused with the option's name and its range, before any work starts.
 */
/** A yargs `coerce` for a bounded number option (above `min`, at most `max`), refused like intIn's. */
export function numberAbove(option: string, min: number, max: number, why = ''): (v: unknown) => number {
  return (v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || n <= min || n > max) {
      const got = Number.isNaN(n) ? 'a value that is not a number' : String(v);
      throw new ConfigError(`--${option} must be a number above ${min} and at most ${max}${why} (got ${got})`);
    }
    return n;
  };
}

export function intIn(option: string, min: number, max: number, why = ''): (v: unknown) => number {
  return (v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      // a `type: 'number'` option reaches here as NaN when the value was not a number: yargs keeps no text of it
      const got = Number.isNaN(n) ? 'a value that is not a number' : String(v);
      throw new ConfigError(`--${option} must be an integer from ${min} to ${max}${why} (got ${got})`);
    }
    return n;
  };
}
