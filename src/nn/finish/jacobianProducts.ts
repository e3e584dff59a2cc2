// Products with the Jacobian J (J_ik = ∂f(x_i)/∂θ_k) of a one-output
// network over a fixed set of rows, without ever forming J: the matrix-free
// core of the Gauss–Newton–CG finishing phase (gaussNewtonCg.ts).
//
//   Jᵀu: one training forward and one backward pass with dL/doutput = u —
//        the machinery that gives the MSE gradient (Jᵀr) takes any u.
//   Jv:  a central difference of two inference passes along v,
//        (f(θ + εv) − f(θ − εv)) / 2ε.
//
// Why a difference and not a forward-mode (R-operator) pass: it works for
// every TrainableNetwork (dense, rational, KAN, Deep Sets, wrappers) through
// the same native kernels, costs two inference passes where an R-op costs
// about as much, and in float64 it is exact to ~1e-11 relative (see
// jacobianTimes), far below what truncated CG needs.
//
// Rows go through the network in chunks of CHUNK_ROWS, in order, so every
// product is a fixed sequence of kernel calls (bit-reproducible for a given
// backend and thread count); the kernels split each chunk over their threads.

import type { TrainableNetwork } from '../trainable.js';

/** Rows per forward/backward chunk: a training workspace of a DNN 8-56 is then ~2048·56·8·3·8 B ≈ 22 MB. */
export const CHUNK_ROWS = 2048;

/** Cube root of the float64 epsilon: the central difference's step balances truncation (∝ ε²) against rounding (∝ 1/ε). */
const CBRT_EPS = Math.cbrt(Number.EPSILON);

export class JacobianProducts {
  readonly rows: number;
  private readonly saved: Float64Array;
  private readonly up: Float64Array;

  /** x (n×inputDim) are the rows; they must not change. */
  constructor(readonly network: TrainableNetwork, private readonly x: Float64Array, n: number) {
    if (network.outputDim !== 1) throw new RangeError(`JacobianProducts: the network has ${network.outputDim} outputs; the squared error takes one`);
    if (x.length !== n * network.inputDim) throw new RangeError(`JacobianProducts: x has ${x.length} values for ${n} rows × ${network.inputDim}`);
    this.rows = n;
    this.saved = new Float64Array(network.paramCount);
    this.up = new Float64Array(n);
  }

  /**
   * out = Jᵀu (P values) at the current parameters. With y given, u is
   * overwritten by the residuals f − y first (so out = Jᵀr, the gradient of
   * Σr²/2) and the return value is Σr²; without y it returns 0.
   */
  transposeTimes(u: Float64Array, out: Float64Array, y: Float64Array | null = null): number {
    const net = this.network;
    const d = net.inputDim;
    const n = this.rows;
    out.fill(0);
    let sse = 0;
    for (let r0 = 0; r0 < n; r0 += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - r0);
      const f = net.forward(this.x.subarray(r0 * d, (r0 + m) * d), m);
      if (y !== null) {
        for (let i = 0; i < m; i++) {
          const e = f[i] - y[r0 + i];
          u[r0 + i] = e;
          sse += e * e;
        }
      }
      net.backward(u.subarray(r0, r0 + m));
      const g = net.grads;
      for (let k = 0; k < out.length; k++) out[k] += g[k];
    }
    return sse;
  }

  /**
   * out = Jv (n values) at the current parameters, by a central difference.
   * The step s = ε‖v‖ in parameter space is cbrt(eps)·max(1, ‖θ‖): the
   * difference's truncation error is ~s²·f‴/6 relative and its rounding
   * error ~eps·‖θ‖/s (each θ_k ± εv_k is rounded to eps·|θ_k|), and this s
   * makes both ~1e-11 for weights of order 1. Parameters are put back
   * exactly (saved and restored, not subtracted).
   */
  jacobianTimes(v: Float64Array, out: Float64Array): void {
    const net = this.network;
    const params = net.params;
    const p = params.length;
    let vv = 0;
    let tt = 0;
    for (let k = 0; k < p; k++) {
      vv += v[k] * v[k];
      tt += params[k] * params[k];
    }
    const n = this.rows;
    if (vv === 0) {
      out.fill(0, 0, n);
      return;
    }
    const eps = (CBRT_EPS * Math.max(1, Math.sqrt(tt))) / Math.sqrt(vv);
    const saved = this.saved;
    saved.set(params);
    for (let k = 0; k < p; k++) params[k] = saved[k] + eps * v[k];
    net.predict(this.x, n, this.up);
    for (let k = 0; k < p; k++) params[k] = saved[k] - eps * v[k];
    net.predict(this.x, n, out);
    params.set(saved);
    const up = this.up;
    const inv = 1 / (2 * eps);
    for (let i = 0; i < n; i++) out[i] = (up[i] - out[i]) * inv;
  }

  /** out = JᵀJv (P values); jv (n values) is scratch and holds Jv afterwards. */
  gaussNewtonTimes(v: Float64Array, out: Float64Array, jv: Float64Array): void {
    this.jacobianTimes(v, jv);
    this.transposeTimes(jv, out);
  }

  /**
   * out = diag(JᵀJ) = Σ_i J_ik², from per-row gradients (one single-row
   * forward and backward each) of at most maxRows rows evenly spaced
   * through the set, scaled by rows/used: an average of positive terms, so
   * even a few hundred rows estimate every column to within tens of percent
   * (Rademacher probes, mean((Jᵀu)²), were 25–100× low for 0.1 % of the
   * columns of a DNN 8-72 with four probes: those columns took steps that
   * large). All rows when maxRows ≥ rows: exact.
   */
  diagonal(out: Float64Array, maxRows: number): void {
    const net = this.network;
    const d = net.inputDim;
    const n = this.rows;
    const used = Math.min(n, maxRows);
    const one = new Float64Array([1]);
    out.fill(0);
    for (let j = 0; j < used; j++) {
      const row = Math.floor((j * n) / used);
      net.forward(this.x.subarray(row * d, (row + 1) * d), 1);
      net.backward(one);
      const g = net.grads;
      for (let k = 0; k < out.length; k++) out[k] += g[k] * g[k];
    }
    const scale = n / used;
    if (scale !== 1) for (let k = 0; k < out.length; k++) out[k] *= scale;
  }

  /** Σ(f − y)² at the current parameters (inference passes); pred (n values) is scratch. */
  squaredError(y: Float64Array, pred: Float64Array): number {
    const n = this.rows;
    const f = this.network.predict(this.x, n, pred);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const e = f[i] - y[i];
      sse += e * e;
    }
    return Number.isFinite(sse) ? sse : Infinity;
  }
}
