/**
 * Invariants checked where vectors enter a task (from a backend, from the cache): every vector is
 * non-empty and finite, and every vector of a task — queries and candidates, fresh or cached — has one
 * dimension, which is also the dimension recorded for the embedder's cache namespace. A violation stops
 * the task with a DataError naming the model, the item and both dimensions: ranking vectors of different
 * lengths (zero-padded or truncated) would produce a score that looks fine and means nothing.
 */
import { DataError } from '../errors.js';
import { firstNonFinite } from '../util/vector.js';
import type { Cache } from './cache.js';

export class VectorGuard {
  private dim: number | null = null;
  private firstItem = '';

  constructor(
    private readonly task: string,
    private readonly model: string,
    private readonly cache: Cache | null = null,
    private readonly namespace = '',
  ) {}

  /** The task's dimension once a vector was seen. */
  get dimension(): number | null {
    return this.dim;
  }

  check(v: Float32Array, item: string): Float32Array {
    if (!(v instanceof Float32Array) || v.length === 0) {
      throw new DataError(`model ${this.model}: item ${item} has an empty or missing vector`, { task: this.task });
    }
    const bad = firstNonFinite(v);
    if (bad >= 0) {
      throw new DataError(`model ${this.model}: item ${item} has a non-finite value (${v[bad]}) at index ${bad} of its vector`, {
        task: this.task,
      });
    }
    if (this.dim === null) {
      this.cache?.checkDimension(this.namespace, this.model, v.length, item);
      this.dim = v.length;
      this.firstItem = item;
    } else if (v.length !== this.dim) {
      throw new DataError(
        `model ${this.model}: item ${item} has a ${v.length}-dimensional vector, but item ${this.firstItem} has ${this.dim} dimensions (one dimension per task)`,
        { task: this.task },
      );
    }
    return v;
  }
}
