// A Kolmogorov–Arnold layer (Liu et al.; the efficient-KAN formulation):
// output_j = Σ_i φ_ji(x_i), each edge function
//   φ_ji(x) = w_ji · silu(x) + Σ_k c_jik B_k(x)
// with B_k the cubic B-splines on a uniform grid of G intervals over [lo, hi],
// extended by 3 knots on each side (G + 3 basis functions; outside the
// extended grid only the SiLU term remains).
//
// Computed as a feature expansion (the kanExpand kernel) followed by one
// bias-free dense map: F(x) = [silu(x_i), B_0(x_i) .. B_{G+2}(x_i)]_i
// (n × nIn(G+4)), y = F·W with W = nIn(G+4) × nOut. The dense product does
// ~3× the multiplications a sparse one would (4 of G + 3 splines are nonzero),
// but runs in the tuned GEMM.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import { LINEAR } from '../config.js';
import { kanFeatures } from '../../kernels/kan.js';
import type { Kernels } from '../../kernels/types.js';
import type { Rng } from '../../util/rng.js';
import { Scratch, type Layer } from './layer.js';

/** Spline coefficients start as U(±SPLINE_INIT/√nIn): the layer starts near its SiLU part. */
const SPLINE_INIT = 0.1;

export class KanLayer implements Layer {
  readonly paramCount: number;
  private readonly per: number;
  private readonly features: Scratch;
  private readonly dFeatures: Scratch;

  constructor(
    private readonly kernels: Kernels, readonly name: string, readonly nIn: number, readonly nOut: number,
    private readonly grid: number, private readonly lo: number, private readonly hi: number,
  ) {
    this.per = kanFeatures(grid);
    this.paramCount = nIn * this.per * nOut;
    this.features = new Scratch(nIn * this.per);
    this.dFeatures = new Scratch(nIn * this.per);
  }

  /** Base weights Glorot-uniform (as dense layers), spline coefficients small. */
  init(p: Float64Array, rng: Rng): void {
    const base = Math.sqrt(6 / (this.nIn + this.nOut));
    const spline = SPLINE_INIT / Math.sqrt(this.nIn);
    for (let i = 0; i < this.nIn; i++) {
      for (let m = 0; m < this.per; m++) {
        const limit = m === 0 ? base : spline;
        const row = (i * this.per + m) * this.nOut;
        for (let j = 0; j < this.nOut; j++) p[row + j] = -limit + 2 * limit * rng.uniform();
      }
    }
  }

  forward(p: Float64Array, x: Float64Array, n: number, y: Float64Array): void {
    const f = this.features.get(n);
    this.kernels.kanExpand(x, n, this.nIn, this.grid, this.lo, this.hi, f);
    this.kernels.denseForward(f, n, this.nIn * this.per, p, null, this.nOut, LINEAR, null, y, y);
  }

  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf {
    return g.dense(this.name, g.kanExpand(x, this.grid, this.lo, this.hi), p, null, this.nOut);
  }

  backward(p: Float64Array, x: Float64Array, n: number, y: Float64Array, dy: Float64Array, g: Float64Array, dx: Float64Array | null): void {
    const f = this.features.get(n);
    const df = dx === null ? null : this.dFeatures.get(n);
    this.kernels.denseBackward(f, n, this.nIn * this.per, p, this.nOut, LINEAR, y, y, dy, dy, df, g, null, false);
    if (dx !== null && df !== null) this.kernels.kanExpandBackward(x, n, this.nIn, this.grid, this.lo, this.hi, df, dx);
  }
}
