// The Lorentz-equivariant linear map of L-GATr between multivector channels:
// y_o = Σ_i Σ_k v_oik ⟨x_i⟩_k + w_oik (⟨x_i⟩_k · I) + b_o (scalar part only).
// The five grade projections and the pseudoscalar multiplication span all
// maps that commute with SO⁺(1,3); a bias on any other grade would break it.
//
// Tensors are component-major, [16][rows][channels]: every blade's slice is a
// dense rows × channels matrix, so the map is 2 GEMMs per blade on the
// kernels' gemm (native when built) — grade k's block of weights acts on the
// blades of grade k, the dual block on the blades of grade 4 − k. Native
// kernels built with the multivector ops run the whole map as one fused
// kernel instead (native/kernels/mv.c); the GEMMs stay as its reference.

import type { Kernels } from '../../kernels/types.js';
import type { Rng } from '../../util/rng.js';
import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import { DUAL_SIGN, GRADE, MV, PSEUDOSCALAR } from './algebra.js';
import { ALGEBRA } from './backend.js';

const GRADES = 5;

export class EquiLinear {
  readonly paramCount: number;

  constructor(readonly cin: number, readonly cout: number, private readonly kernels: Kernels) {
    this.paramCount = 2 * GRADES * cin * cout + cout;
  }

  /** Uniform init with unit output variance for unit-variance inputs (two blocks feed every component). */
  init(p: Float64Array, rng: Rng): void {
    const a = Math.sqrt(3 / (2 * this.cin));
    const w = 2 * GRADES * this.cin * this.cout;
    for (let k = 0; k < w; k++) p[k] = (2 * rng.uniform() - 1) * a;
    p.fill(0, w, this.paramCount);
  }

  /** y ([16][rows][cout]) = map of x ([16][rows][cin]); y is overwritten. */
  forward(p: Float64Array, x: Float64Array, rows: number, y: Float64Array): void {
    const { cin, cout } = this;
    const mv = this.kernels.mv;
    if (mv !== undefined) {
      mv.mvLinearForward(ALGEBRA, cin, cout, p, x, rows, y);
      return;
    }
    for (let a = 0; a < MV; a++) {
      const ya = y.subarray(a * rows * cout, (a + 1) * rows * cout);
      this.kernels.gemm(false, false, rows, cout, cin, 1, this.slice(x, a, rows, cin), cin, this.block(p, GRADE[a]), cout, 0, ya, cout);
      const dual = this.block(p, GRADES + 4 - GRADE[a]);
      this.kernels.gemm(false, false, rows, cout, cin, DUAL_SIGN[a], this.slice(x, a ^ PSEUDOSCALAR, rows, cin), cin, dual, cout, 1, ya, cout);
    }
    const bias = this.bias(p);
    for (let r = 0; r < rows; r++) for (let o = 0; o < cout; o++) y[r * cout + o] += bias[o];
  }

  /** g += dL/dp; dx (if given) = dL/dx, overwritten. */
  backward(p: Float64Array, x: Float64Array, rows: number, dy: Float64Array, g: Float64Array, dx: Float64Array | null): void {
    const { cin, cout } = this;
    const mv = this.kernels.mv;
    if (mv !== undefined) {
      mv.mvLinearBackward(ALGEBRA, cin, cout, p, x, rows, dy, g, dx);
      return;
    }
    for (let a = 0; a < MV; a++) {
      const dya = this.slice(dy, a, rows, cout);
      this.kernels.gemm(true, false, cin, cout, rows, 1, this.slice(x, a, rows, cin), cin, dya, cout, 1, this.block(g, GRADE[a]), cout);
      const dualG = this.block(g, GRADES + 4 - GRADE[a]);
      this.kernels.gemm(true, false, cin, cout, rows, DUAL_SIGN[a], this.slice(x, a ^ PSEUDOSCALAR, rows, cin), cin, dya, cout, 1, dualG, cout);
    }
    const gb = this.bias(g);
    for (let r = 0; r < rows; r++) for (let o = 0; o < cout; o++) gb[o] += dy[r * cout + o];
    if (dx === null) return;
    for (let a = 0; a < MV; a++) {
      const dxa = this.slice(dx, a, rows, cin);
      this.kernels.gemm(false, true, rows, cin, cout, 1, this.slice(dy, a, rows, cout), cout, this.block(p, GRADE[a]), cout, 0, dxa, cin);
      // dx_(a^15) receives the dual block's share of dy_a: the same blade pairing, read the other way.
      const b = a ^ PSEUDOSCALAR;
      this.kernels.gemm(false, true, rows, cin, cout, DUAL_SIGN[b], this.slice(dy, b, rows, cout), cout, this.block(p, GRADES + 4 - GRADE[b]), cout, 1, dxa, cin);
    }
  }

  /** This map as a graph op on `tokens` tokens (p: its parameters, the layout forward reads). */
  emit(g: GraphBuilder, name: string, x: Buf, p: Float64Array, tokens: number, residual: Buf | null = null): Buf {
    return g.mvLinear({ name, input: x, tokens, cin: this.cin, cout: this.cout, w: p, residual, grade: GRADE, dualSign: DUAL_SIGN });
  }

  private block(p: Float64Array, k: number): Float64Array {
    const s = this.cin * this.cout;
    return p.subarray(k * s, (k + 1) * s);
  }

  private bias(p: Float64Array): Float64Array {
    return p.subarray(2 * GRADES * this.cin * this.cout, this.paramCount);
  }

  private slice(t: Float64Array, a: number, rows: number, c: number): Float64Array {
    return t.subarray(a * rows * c, (a + 1) * rows * c);
  }
}
