/**
 * Exact top-k by inner product on onnxruntime-node: a two-node ONNX graph (Gemm with transB, then TopK)
 * built in memory, run over blocks of queries. Measured on 2 cores it beats numpy's matmul + argsort
 * (bench/scoring.ts). Scores are float32, as in VLM2Vec's numpy scoring.
 *
 * The harness's tie policy (gold last among equal scores, then list order) is applied on top: TopK returns
 * k + margin candidates; a query whose tie group reaches the end of that window is re-ranked from its full
 * score row, so the policy holds exactly even for degenerate (constant) embeddings.
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { disableOrtTelemetry } from '../util/ort-telemetry.js';

const require = createRequire(import.meta.url);

/**
 * The two graphs as encoded bytes (shapes are symbolic, so they never change): loading protobufjs to
 * encode them took longer than building the sessions, on every `rank`. `buildModel` is kept as their
 * source; test/fast-paths.test.ts checks that these bytes are exactly what it encodes.
 */
export const TOPK_MODEL_BASE64 =
  'CAgSCXR0ZS1iZW5jaDrTAQoeCgFRCgFDEgFTIgRHZW1tKg0KBnRyYW5zQhgBoAECCj4KAVMKAUsSAVYSAUkiBFRvcEsqCwoEYXhpcxgBoAECKg4KB2xhcmdlc3QYAaABAioNCgZzb3J0ZWQYAaABAhIEdG9wa1oVCgFREhAKDggBEgoKAxIBbgoDEgFkWhUKAUMSEAoOCAESCgoDEgFtCgMSAWRaDwoBSxIKCggIBxIECgIIAWIVCgFWEhAKDggBEgoKAxIBbgoDEgFrYhUKAUkSEAoOCAcSCgoDEgFuCgMSAWtCBAoAEA0=';
export const SCORES_MODEL_BASE64 =
  'CAgSCXR0ZS1iZW5jaDptCh4KAVEKAUMSAVMiBEdlbW0qDQoGdHJhbnNCGAGgAQISBnNjb3Jlc1oVCgFREhAKDggBEgoKAxIBbgoDEgFkWhUKAUMSEAoOCAESCgoDEgFtCgMSAWRiFQoBUxIQCg4IARIKCgMSAW4KAxIBbUIECgAQDQ==';

/** The ONNX graph: Gemm(Q, Cᵀ) → S, then (withTopK) TopK(S, K) → V, I. */
export function buildModel(withTopK: boolean): Uint8Array {
  const { onnx } = require('onnx-proto') as typeof import('onnx-proto');
  const F = onnx.TensorProto.DataType.FLOAT;
  const I64 = onnx.TensorProto.DataType.INT64;
  const vi = (name: string, type: number, dims: (string | number)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: { elemType: type, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
      },
    });
  const nodes = [
    onnx.NodeProto.create({
      opType: 'Gemm',
      input: ['Q', 'C'],
      output: ['S'],
      attribute: [onnx.AttributeProto.create({ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 })],
    }),
  ];
  const outputs = [vi('S', F, ['n', 'm'])];
  const inputs = [vi('Q', F, ['n', 'd']), vi('C', F, ['m', 'd'])];
  if (withTopK) {
    inputs.push(vi('K', I64, [1]));
    nodes.push(
      onnx.NodeProto.create({
        opType: 'TopK',
        input: ['S', 'K'],
        output: ['V', 'I'],
        attribute: [
          onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
          onnx.AttributeProto.create({ name: 'largest', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
          onnx.AttributeProto.create({ name: 'sorted', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
        ],
      }),
    );
    outputs.splice(0, 1, vi('V', F, ['n', 'k']), vi('I', I64, ['n', 'k']));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'tte-bench',
    graph: onnx.GraphProto.create({ name: withTopK ? 'topk' : 'scores', node: nodes, input: inputs, output: outputs }),
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface TopKKernel {
  /**
   * For `nq` queries (row-major, dim d) against `nc` candidates, the top min(k, nc) candidate indices per
   * query, ordered by score desc, then gold last, then index: row q at [q·min(k, nc), (q+1)·min(k, nc)).
   */
  topk(
    queries: Float32Array,
    nq: number,
    candidates: Float32Array,
    nc: number,
    d: number,
    k: number,
    isGold: (q: number, c: number) => boolean,
  ): Promise<Int32Array>;
  /**
   * False proves that every value of the `rows` × `d` matrix is finite: each row's sum, taken by the Gemm
   * against a row of ones, is NaN or ±Infinity whenever the row holds a NaN or an infinity (they propagate
   * through every product and sum). True means look closer: a value is not finite, or a sum of finite values
   * overflowed. One native pass over the matrix, several times cheaper than a JavaScript loop over it.
   */
  maybeNonFinite(matrix: Float32Array, rows: number, d: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function createOrtKernel({
  threads,
  blockRows = 256,
  blockScores = 0,
  margin = 16,
}: {
  threads?: number;
  /** Queries per Gemm call (at least). */
  blockRows?: number;
  /**
   * When set, as many queries per call as give about this many scores (never fewer than `blockRows`). Each
   * call streams and packs the whole candidate matrix once, so for a large one fewer, larger calls cost less
   * (`rank` on 10k candidates: 512 queries per call measured faster than 256 or 768; far larger blocks are
   * slower: the block's score memory is fresh pages and leaves the caches). The scores do not depend on it.
   */
  blockScores?: number;
  margin?: number;
} = {}): Promise<TopKKernel> {
  disableOrtTelemetry();
  const ort = (await import('onnxruntime-node')) as typeof Ort;
  // No spin-waiting: between two runs (and while TopK's output is turned into rankings) onnxruntime's idle
  // pool threads would otherwise spin on the cores, CPU time that shows up in a whole `rank` command.
  const options: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads ?? 0,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const topkSession = await ort.InferenceSession.create(Buffer.from(TOPK_MODEL_BASE64, 'base64'), options);
  // The full-row session is needed only when a tie group crosses the TopK window (degenerate embeddings).
  let scoreSession: Promise<Ort.InferenceSession> | null = null;
  const scoresOf = () => (scoreSession ??= ort.InferenceSession.create(Buffer.from(SCORES_MODEL_BASE64, 'base64'), options));

  const policySort = (scores: Float32Array | number[], indices: number[], gold: (c: number) => boolean) =>
    indices.sort((a, b) => {
      const sa = scores[a];
      const sb = scores[b];
      if (sa !== sb) return sb - sa;
      const ga = gold(a) ? 1 : 0;
      const gb = gold(b) ? 1 : 0;
      return ga !== gb ? ga - gb : a - b;
    });

  return {
    async topk(queries, nq, candidates, nc, d, k, isGold) {
      if (queries.length !== nq * d || candidates.length !== nc * d) {
        throw new RangeError(
          `scoring kernel: ${nq} queries and ${nc} candidates of dimension ${d} need ${nq * d} and ${nc * d} values, got ${queries.length} and ${candidates.length}`,
        );
      }
      const kk = Math.min(nc, k);
      const window = Math.min(nc, kk + margin);
      // Views, never copies: onnxruntime-node reads a typed array at its byte offset.
      const C = new ort.Tensor('float32', candidates.subarray(0, nc * d), [nc, d]);
      const K = new ort.Tensor('int64', BigInt64Array.from([BigInt(window)]), [1]);
      const out = new Int32Array(nq * kk);
      const order: number[] = [];
      const block = Math.max(blockRows, Math.floor(blockScores / nc));
      for (let start = 0; start < nq; start += block) {
        const rows = Math.min(block, nq - start);
        const Q = new ort.Tensor('float32', queries.subarray(start * d, (start + rows) * d), [rows, d]);
        const res = await topkSession.run({ Q, C, K });
        const V = res.V.data as Float32Array;
        const I = res.I.data as BigInt64Array;
        for (let r = 0; r < rows; r++) {
          const q = start + r;
          const at = r * window;
          // A tie group that reaches the end of the window may continue beyond it: re-rank from the full row.
          const boundary = V[at + kk - 1];
          if (window < nc && V[at + window - 1] === boundary) {
            const full = await (await scoresOf()).run({ Q: new ort.Tensor('float32', queries.subarray(q * d, (q + 1) * d), [1, d]), C });
            const scores = full.S.data as Float32Array;
            out.set(
              policySort(
                scores,
                Array.from({ length: nc }, (_, i) => i),
                (c) => isGold(q, c),
              ).slice(0, kk),
              q * kk,
            );
            continue;
          }
          // The window holds every candidate that can rank in the top kk; order it by the tie policy. TopK
          // sorts by score, so only runs of equal scores (rare with real embeddings) need the sort.
          let tied = false;
          for (let j = 1; j <= Math.min(kk, window - 1) && !tied; j++) tied = V[at + j] === V[at + j - 1];
          if (!tied) {
            for (let j = 0; j < kk; j++) out[q * kk + j] = Number(I[at + j]);
            continue;
          }
          order.length = 0;
          for (let j = 0; j < window; j++) order.push(j);
          order.sort((a, b) => {
            const sa = V[at + a];
            const sb = V[at + b];
            if (sa !== sb) return sb - sa;
            const ca = Number(I[at + a]);
            const cb = Number(I[at + b]);
            const ga = isGold(q, ca) ? 1 : 0;
            const gb = isGold(q, cb) ? 1 : 0;
            return ga !== gb ? ga - gb : ca - cb;
          });
          for (let j = 0; j < kk; j++) out[q * kk + j] = Number(I[at + order[j]]);
        }
      }
      return out;
    },
    async maybeNonFinite(matrix, rows, d) {
      if (rows === 0 || d === 0) return false;
      const ones = new ort.Tensor('float32', new Float32Array(d).fill(1), [1, d]);
      const sums = (await (await scoresOf()).run({ Q: ones, C: new ort.Tensor('float32', matrix.subarray(0, rows * d), [rows, d]) })).S
        .data as Float32Array;
      for (let i = 0; i < sums.length; i++) if (!Number.isFinite(sums[i])) return true;
      return false;
    },
    async close() {
      await topkSession.release();
      if (scoreSession) await (await scoreSession).release();
    },
  };
}
