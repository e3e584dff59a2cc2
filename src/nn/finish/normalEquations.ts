// The Gauss–Newton normal equations of the squared error Σ(f(x_i; θ) − y_i)²
// over a fixed set of rows: A = JᵀJ and g = Jᵀr with J_ik = ∂f(x_i)/∂θ_k and
// r = f − y, for any TrainableNetwork with one output.
//
// J's rows come from one forward and one backward pass per row (dOut = 1), so
// this works for every network the Trainer trains, whatever its layers; the
// per-row cost is that of a gradient of one row, and the P² work of each row
// goes to gemm, in blocks of ROWS_PER_BLOCK rows, on the network's kernels.

import type { TrainableNetwork } from '../trainable.js';

/** Rows of J held at once: enough for gemm to run at full speed, few enough to keep the block in cache (P = 4000: 4 MB). */
export const ROWS_PER_BLOCK = 128;

/** Columns of JᵀJ per gemm call: only the lower triangle is formed, as a staircase of column panels this wide. */
const PANEL_COLUMNS = 256;

export interface NormalEquations {
  /** P×P, row-major, JᵀJ: the lower triangle with the diagonal (a[i·P + j], j ≤ i) and, above it, parts of panels that straddle the diagonal; the rest stays 0. */
  readonly a: Float64Array;
  /** P, Jᵀr. */
  readonly g: Float64Array;
  /** Σ r_i² at the current parameters. */
  sse: number;
}

/** Cooperative interruption: checked between blocks; returning false abandons the accumulation. */
export type KeepGoing = () => Promise<boolean>;

export function allocateNormalEquations(p: number): NormalEquations {
  return { a: new Float64Array(p * p), g: new Float64Array(p), sse: 0 };
}

/**
 * Fills `out` for the network's current parameters over the n rows of x
 * (n×inputDim) and y. Returns false if keepGoing() said stop (out is then
 * incomplete). Rows are summed in order and blocks added in order, so the
 * result is a fixed sequence of operations for a given kernel backend and
 * thread count.
 */
export async function accumulateNormalEquations(
  net: TrainableNetwork, x: Float64Array, y: Float64Array, n: number, out: NormalEquations, keepGoing: KeepGoing,
): Promise<boolean> {
  const p = net.paramCount;
  const d = net.inputDim;
  const k = net.kernels;
  const block = new Float64Array(ROWS_PER_BLOCK * p);
  const res = new Float64Array(ROWS_PER_BLOCK);
  const one = new Float64Array([1]);
  out.a.fill(0);
  out.g.fill(0);
  let sse = 0;
  for (let r0 = 0; r0 < n; r0 += ROWS_PER_BLOCK) {
    const m = Math.min(ROWS_PER_BLOCK, n - r0);
    let blockSse = 0;
    for (let i = 0; i < m; i++) {
      const row = r0 + i;
      const f = net.forward(x.subarray(row * d, (row + 1) * d), 1);
      const e = f[0] - y[row];
      res[i] = e;
      blockSse += e * e;
      net.backward(one);
      block.set(net.grads, i * p);
    }
    sse += blockSse;
    // JᵀJ is symmetric: panel j0.. of columns gets rows j0..P only, half the multiply-adds of the full square.
    for (let j0 = 0; j0 < p; j0 += PANEL_COLUMNS) {
      const w = Math.min(PANEL_COLUMNS, p - j0);
      k.gemm(true, false, p - j0, w, m, 1, block.subarray(j0), p, block.subarray(j0), p, 1, out.a.subarray(j0 * p + j0), p);
    }
    k.gemm(true, false, p, 1, m, 1, block, p, res, 1, 1, out.g, 1);
    if (!(await keepGoing())) return false;
  }
  out.sse = sse;
  return true;
}
