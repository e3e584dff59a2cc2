// Gauss–Newton with a matrix-free, truncated conjugate-gradient solve: the
// finishing phase for networks too large for levenbergMarquardt.ts's P×P
// matrices (10⁴–10⁵ parameters). Each iteration takes the damped step
//   (JᵀJ + μ·D) δ = −Jᵀr,   D ≈ diag(JᵀJ),
// by preconditioned CG from δ = 0, where every CG iteration costs one product
// JᵀJv = Jᵀ(Jv) (jacobianProducts.ts: two inference passes and one
// forward-backward over the rows), so memory is O(P + rows) and the work per
// CG iteration ~5 forward passes. Measured (DNN 8-56, 22 569 parameters,
// 20 000 rows, one native thread on a shared machine): 0.25 s per JᵀJv
// product, 3.6 s per step of 10 CG iterations; 88 % of the CPU time in the
// native dense forward and backward kernels (node --cpu-prof).
//
// The design follows Martens, "Deep learning via Hessian-free optimization"
// (ICML 2010), keeping what pays here:
// - CG backtracking: iterates at a geometric sequence of CG iterations are
//   kept, and the one with the lowest squared error (one inference pass
//   each, walking back from the last while it improves) is taken — the early
//   iterates are often better on the true loss than the converged model step.
// - μ by the gain ratio ρ = actual / predicted reduction of Σr² (predicted by
//   the damped quadratic model CG minimised): ρ > 3/4 shrinks μ, ρ < 1/4 grows
//   it, a rejected step grows it by REJECT_FACTOR.
// - D and the Jacobi preconditioner: diag(JᵀJ) from the per-row gradients of
//   at most DIAG_ROWS rows (JacobianProducts.diagonal), so that part of an
//   iteration costs ~DIAG_ROWS single-row passes whatever the rows.
// - Left out: warm-starting CG from the previous δ (it would put P doubles
//   into every snapshot to stay bit-exact on resume).
//
// The state between iterations is (μ, counts) and the parameters, so a
// snapshot between iterations resumes bit for bit, as with LM.

import type { TrainableNetwork } from '../trainable.js';
import { checkLmState, type FinishIteration, type Finisher, type LmState } from './levenbergMarquardt.js';
import { JacobianProducts } from './jacobianProducts.js';
import type { KeepGoing } from './normalEquations.js';

export const GN_CG_DEFAULTS = { maxCgIterations: 50, cgTolerance: 1e-4 } as const;

export interface GnCgOptions {
  /** CG iterations per Gauss–Newton step at most. */
  readonly maxCgIterations: number;
  /** CG stops when the preconditioned residual norm falls below this fraction of its start. */
  readonly cgTolerance: number;
}

/** Rows whose per-row gradients estimate diag(JᵀJ): relative errors ~1/√DIAG_ROWS per column, at the cost of ~1/5 of a CG iteration over 20 000 rows. */
const DIAG_ROWS = 1024;
/**
 * Floor of D relative to the mean diagonal. Not LM's 1e-9: a truncated CG
 * step moves far along columns of tiny curvature (saturated units), where
 * the Gauss–Newton model fails; on zz2d (DNN 2-16-16-16, 1500 rows, 30 CG
 * iterations) ten steps from Adam's weights took the MSE 0.0217 → 0.0206
 * with 1e-9 (then every step rejected up to μ = 10³), → 0.0121 with 1e-4,
 * → 0.0095 with 1e-2.
 */
const DIAGONAL_FLOOR = 1e-2;
const MU_MIN = 1e-15;
const MU_MAX = 1e10;
/** μ factors: shrink on a good model fit (ρ > 3/4), grow on a poor one (ρ < 1/4), grow more on a rejected step. */
const MU_SHRINK = 1 / 3;
const MU_GROW = 2;
const REJECT_FACTOR = 8;
/** CG iterates kept for backtracking: at iteration ⌈1.3·previous⌉ (Martens' sequence), and the last. */
const BACKTRACK_RATIO = 1.3;

export const GN_CG_INITIAL_STATE: LmState = { mu: 1e-3, iterations: 0, rejected: 0 };

export class GaussNewtonCg implements Finisher {
  private st: LmState;
  private readonly jp: JacobianProducts;
  private readonly opts: GnCgOptions;
  private readonly r: Float64Array;
  private readonly jv: Float64Array;
  private readonly g: Float64Array;
  private readonly d: Float64Array;
  private readonly saved: Float64Array;
  // CG vectors.
  private readonly delta: Float64Array;
  private readonly res: Float64Array;
  private readonly z: Float64Array;
  private readonly dir: Float64Array;
  private readonly adir: Float64Array;

  /** x (n×inputDim) and y are the rows the squared error is taken over; they must not change. */
  constructor(
    readonly network: TrainableNetwork, x: Float64Array, private readonly y: Float64Array,
    state: LmState = GN_CG_INITIAL_STATE, options: GnCgOptions = GN_CG_DEFAULTS,
  ) {
    const p = network.paramCount;
    this.jp = new JacobianProducts(network, x, y.length);
    this.st = checkLmState(state);
    this.opts = options;
    const n = y.length;
    this.r = new Float64Array(n);
    this.jv = new Float64Array(n);
    [this.g, this.d, this.saved, this.delta, this.res, this.z, this.dir, this.adir] = Array.from({ length: 8 }, () => new Float64Array(p));
  }

  get state(): LmState {
    return this.st;
  }

  get rows(): number {
    return this.y.length;
  }

  /**
   * One Gauss–Newton step: gradient and diagonal estimate, a truncated CG
   * solve, backtracking over the kept CG iterates, μ by the gain ratio.
   * Returns null when keepGoing() stopped it (checked between CG
   * iterations): parameters and state are then as before.
   */
  async iterate(keepGoing: KeepGoing): Promise<FinishIteration | null> {
    const net = this.network;
    const params = net.params;
    const p = params.length;
    const n = this.y.length;
    const jp = this.jp;
    const { g, r } = this;
    jp.transposeTimes(r, g, this.y);
    // The trials' prediction path, so trials compare like with like.
    const sse0 = jp.squaredError(this.y, this.jv);
    this.estimateDiagonal();
    if (!(await keepGoing())) return null;
    const mu = this.st.mu;
    const kept = await this.solve(mu, keepGoing);
    if (kept === null) return null;
    this.saved.set(params);
    let bestSse = sse0;
    let best: Float64Array | null = null;
    let bestPhi = 0;
    let trials = 0;
    // Walk back from the last iterate while each earlier one does better (Martens §4.6).
    for (let i = kept.length - 1; i >= 0; i--) {
      const step = kept[i].delta;
      for (let k = 0; k < p; k++) params[k] = this.saved[k] + step[k];
      const sse = jp.squaredError(this.y, this.jv);
      trials++;
      if (!(sse < bestSse)) {
        if (best !== null) break;
        continue;
      }
      bestSse = sse;
      best = step;
      bestPhi = kept[i].phi;
    }
    const accepted = best !== null;
    if (best !== null) for (let k = 0; k < p; k++) params[k] = this.saved[k] + best[k];
    else params.set(this.saved);
    let next: number;
    if (!accepted) next = mu * REJECT_FACTOR;
    else {
      // phi is the damped model of Σr²/2; its predicted reduction of Σr² is −2φ.
      const rho = (sse0 - bestSse) / (-2 * bestPhi);
      next = rho > 0.75 ? mu * MU_SHRINK : rho < 0.25 ? mu * MU_GROW : mu;
    }
    this.st = {
      mu: Math.min(MU_MAX, Math.max(MU_MIN, next)),
      iterations: this.st.iterations + 1,
      rejected: this.st.rejected + (accepted ? 0 : 1),
    };
    return { mseBefore: sse0 / n, mseAfter: bestSse / n, accepted, trials, mu: this.st.mu, cgIterations: kept.at(-1)?.iteration ?? 0 };
  }

  /** d = max(diag(JᵀJ), floor): D and, times (1 + μ), the Jacobi preconditioner. */
  private estimateDiagonal(): void {
    const d = this.d;
    this.jp.diagonal(d, DIAG_ROWS);
    let mean = 0;
    for (let k = 0; k < d.length; k++) mean += d[k] / d.length;
    const floor = DIAGONAL_FLOOR * mean;
    for (let k = 0; k < d.length; k++) d[k] = Math.max(d[k], floor);
  }

  /**
   * Preconditioned CG on (JᵀJ + μD) δ = −g from δ = 0. Returns copies of
   * the iterates to backtrack over with their model values
   * φ = gᵀδ + ½δᵀ(JᵀJ + μD)δ, or null if keepGoing() said stop.
   */
  private async solve(mu: number, keepGoing: KeepGoing): Promise<{ delta: Float64Array; phi: number; iteration: number }[] | null> {
    const { g, d, delta, res, z, dir, adir } = this;
    const p = g.length;
    const { maxCgIterations, cgTolerance } = this.opts;
    delta.fill(0);
    for (let k = 0; k < p; k++) {
      res[k] = -g[k];
      z[k] = res[k] / ((1 + mu) * d[k]);
    }
    dir.set(z);
    let rz = dot(res, z);
    const rz0 = rz;
    const kept: { delta: Float64Array; phi: number; iteration: number }[] = [];
    let nextKeep = 1;
    for (let it = 1; it <= maxCgIterations && rz > 0; it++) {
      this.jp.gaussNewtonTimes(dir, adir, this.jv);
      for (let k = 0; k < p; k++) adir[k] += mu * d[k] * dir[k];
      const curv = dot(dir, adir);
      // Only rounding can make the damped Gauss–Newton matrix look indefinite: stop with what there is.
      if (!(curv > 0)) break;
      const alpha = rz / curv;
      for (let k = 0; k < p; k++) {
        delta[k] += alpha * dir[k];
        res[k] -= alpha * adir[k];
        z[k] = res[k] / ((1 + mu) * d[k]);
      }
      const rzNext = dot(res, z);
      const last = it === maxCgIterations || rzNext <= cgTolerance * cgTolerance * rz0;
      if (it >= nextKeep || last) {
        // With b = −g and residual res = b − Aδ: φ = ½δᵀAδ − bᵀδ = −½δᵀ(b + res).
        let phi = 0;
        for (let k = 0; k < p; k++) phi -= 0.5 * delta[k] * (res[k] - g[k]);
        kept.push({ delta: delta.slice(), phi, iteration: it });
        nextKeep = Math.max(it + 1, Math.ceil(BACKTRACK_RATIO * it));
      }
      if (last) break;
      const beta = rzNext / rz;
      rz = rzNext;
      for (let k = 0; k < p; k++) dir[k] = z[k] + beta * dir[k];
      if (!(await keepGoing())) return null;
    }
    return kept;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}
