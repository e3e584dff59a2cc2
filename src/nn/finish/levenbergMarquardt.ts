// Levenberg–Marquardt on the squared error over a fixed subset of the
// training rows: the float64 second-order finishing phase after Adam
// (issue 16). Each iteration forms the Gauss–Newton normal equations once
// and then solves the damped system
//   (JᵀJ + μ·D) δ = −Jᵀr,   D = diag(JᵀJ) (Marquardt's scaling),
// exactly, by Cholesky, for several μ, keeping the δ with the lowest squared
// error: a search along the Levenberg–Marquardt path. Forming JᵀJ costs
// N·P²/2 multiply-adds, a factorisation P³/3 and a trial's error N·P, so with
// N ≫ P a few extra trials are cheap — and they matter: a network's JᵀJ is
// so ill-conditioned that the residual left after Adam sits in directions
// whose curvature is below μ·D for any fixed-ratio μ rule. Tried first on
// small networks: Nielsen's gain-ratio rule (Madsen, Nielsen & Tingleff,
// "Methods for non-linear least squares problems", 2004, §3.2) held μ near
// 1e-5 and gained a factor 0.6 per iteration where the undamped steps
// converged quadratically; the search takes the smaller μ as soon as it pays.
//
// Adam's cooled steps stall where the loss surface is ill-conditioned; the
// Gauss–Newton step sees that conditioning and, in float64, can use it down
// to the data's own precision. The price is a P×P matrix: P² doubles and
// N·P² multiply-adds per iteration, so the phase is for networks of up to
// MAX_LM_PARAMETERS parameters.
//
// The state between iterations is (μ, counts) and the parameters, so a
// snapshot between iterations resumes bit for bit.

import { choleskyFactor, choleskySolve } from '../../kernels/cholesky.js';
import { ConfigError } from '../../util/errors.js';
import type { TrainableNetwork } from '../trainable.js';
import { accumulateNormalEquations, allocateNormalEquations, type KeepGoing, type NormalEquations } from './normalEquations.js';

/** Two P×P float64 matrices (JᵀJ and its damped factor) must fit: 12 000 parameters take 2.3 GB. */
export const MAX_LM_PARAMETERS = 12_000;

/** Factor between the μ of successive trials. */
const MU_STEP = 8;
/** Trials per iteration at most, down and up the μ ladder together. */
const MAX_TRIALS = 10;
/** μ stays within these bounds: below, the damping is rounding; above, the step is nil. */
const MU_MIN = 1e-15;
const MU_MAX = 1e10;

/** Floor of D relative to the mean diagonal, so a parameter the rows do not see (a dead unit) is still damped. */
const DIAGONAL_FLOOR = 1e-9;

export interface LmState {
  /** The μ the next iteration tries first (then smaller ones while they pay, or larger ones until one does). */
  readonly mu: number;
  readonly iterations: number;
  /** Iterations in which no trial lowered the squared error. */
  readonly rejected: number;
}

export const LM_INITIAL_STATE: LmState = { mu: 1e-3, iterations: 0, rejected: 0 };

/** What one iteration of a finishing method did (this one or gaussNewtonCg.ts). */
export interface FinishIteration {
  /** Squared error per row before and after the iteration (equal when no trial was accepted). */
  readonly mseBefore: number;
  readonly mseAfter: number;
  readonly accepted: boolean;
  /** Candidate steps whose squared error was evaluated. */
  readonly trials: number;
  /** μ after the iteration. */
  readonly mu: number;
  /** Gauss–Newton–CG: conjugate-gradient iterations of the step's solve. */
  readonly cgIterations?: number;
}

export type LmIteration = FinishIteration;

/** A finishing method as the Trainer drives it: one iteration at a time, its state (μ, counts) snapshotted between them. */
export interface Finisher {
  readonly state: LmState;
  /** Training rows the squared error is taken over. */
  readonly rows: number;
  /** null: keepGoing() stopped it, and parameters and state are as before. */
  iterate(keepGoing: KeepGoing): Promise<FinishIteration | null>;
}

export function checkLmParameterCount(p: number): void {
  if (p > MAX_LM_PARAMETERS) {
    const gb = (2 * p * p * 8) / 1e9;
    throw new ConfigError(
      `finish.method 'levenberg-marquardt' holds two ${p}×${p} matrices (${gb.toFixed(1)} GB) for this network's ${p.toLocaleString('en-US')} parameters; ` +
        `it takes networks of at most ${MAX_LM_PARAMETERS.toLocaleString('en-US')} parameters (fewer or narrower layers)`,
    );
  }
}

export class LevenbergMarquardt implements Finisher {
  private st: LmState;
  private readonly ne: NormalEquations;
  private readonly m: Float64Array;
  private readonly delta: Float64Array;
  private readonly saved: Float64Array;
  private readonly best: Float64Array;
  /** The damping diagonal D of the current iteration. */
  private readonly d: Float64Array;
  private readonly pred: Float64Array;

  /** x (n×inputDim) and y are the rows the squared error is taken over; they must not change. */
  constructor(
    readonly network: TrainableNetwork, private readonly x: Float64Array, private readonly y: Float64Array, state: LmState = LM_INITIAL_STATE,
  ) {
    const p = network.paramCount;
    checkLmParameterCount(p);
    if (x.length !== y.length * network.inputDim) throw new RangeError(`LevenbergMarquardt: x has ${x.length} values for ${y.length} rows × ${network.inputDim}`);
    this.st = checkLmState(state);
    this.ne = allocateNormalEquations(p);
    this.m = new Float64Array(p * p);
    this.delta = new Float64Array(p);
    this.saved = new Float64Array(p);
    this.best = new Float64Array(p);
    this.d = new Float64Array(p);
    this.pred = new Float64Array(y.length);
  }

  get state(): LmState {
    return this.st;
  }

  get rows(): number {
    return this.y.length;
  }

  /**
   * One iteration: the normal equations at the current parameters, then
   * trials down the μ ladder from the state's μ while each lowers the
   * squared error further, or — if the first does not lower it — up the
   * ladder until one does. The best trial is kept (accepted); if none lowers
   * the error within MAX_TRIALS the parameters stay (μ has grown). Returns
   * null when keepGoing() stopped it: parameters and state are then as before.
   */
  async iterate(keepGoing: KeepGoing): Promise<LmIteration | null> {
    const net = this.network;
    const n = this.y.length;
    const ne = this.ne;
    if (!(await accumulateNormalEquations(net, this.x, this.y, n, ne, keepGoing))) return null;
    // The trials' prediction path, so trials compare like with like (ne.sse, summed row by row, may differ in the last bits).
    const sse0 = this.squaredError();
    const p = net.paramCount;
    let meanDiag = 0;
    for (let j = 0; j < p; j++) meanDiag += ne.a[j * p + j];
    const floor = (DIAGONAL_FLOOR * meanDiag) / p;
    for (let j = 0; j < p; j++) this.d[j] = Math.max(ne.a[j * p + j], floor);
    const params = net.params;
    this.saved.set(params);
    let bestSse = sse0;
    let bestMu = NaN;
    let trials = 0;
    const tryMu = (mu: number): boolean => {
      trials++;
      const sse = this.trial(mu);
      if (!(sse < bestSse)) return false;
      bestSse = sse;
      bestMu = mu;
      this.best.set(params);
      return true;
    };
    let mu = this.st.mu;
    // Down the ladder while each smaller μ does better; or, if the first fails, up until one succeeds.
    const down = tryMu(mu);
    while (trials < MAX_TRIALS && (down ? mu > MU_MIN : mu < MU_MAX)) {
      if (!(await keepGoing())) {
        params.set(this.saved);
        return null;
      }
      mu = down ? Math.max(MU_MIN, mu / MU_STEP) : Math.min(MU_MAX, mu * MU_STEP);
      const better = tryMu(mu);
      if (down !== better) break;
    }
    const accepted = !Number.isNaN(bestMu);
    params.set(accepted ? this.best : this.saved);
    this.st = {
      mu: accepted ? bestMu : mu,
      iterations: this.st.iterations + 1,
      rejected: this.st.rejected + (accepted ? 0 : 1),
    };
    return { mseBefore: sse0 / n, mseAfter: bestSse / n, accepted, trials, mu: this.st.mu };
  }

  /** Sets params to saved + δ(μ) and returns their squared error (Infinity if the damped matrix is not positive definite). */
  private trial(mu: number): number {
    const p = this.network.paramCount;
    const a = this.ne.a;
    const m = this.m;
    m.set(a);
    for (let j = 0; j < p; j++) m[j * p + j] += mu * this.d[j];
    const params = this.network.params;
    if (!choleskyFactor(this.network.kernels, m, p)) {
      params.set(this.saved);
      return Infinity;
    }
    const delta = this.delta;
    for (let j = 0; j < p; j++) delta[j] = -this.ne.g[j];
    choleskySolve(m, p, delta);
    for (let j = 0; j < p; j++) params[j] = this.saved[j] + delta[j];
    const sse = this.squaredError();
    return Number.isFinite(sse) ? sse : Infinity;
  }

  private squaredError(): number {
    const n = this.y.length;
    const f = this.network.predict(this.x, n, this.pred);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const e = f[i] - this.y[i];
      sse += e * e;
    }
    return sse;
  }
}

/** The state a snapshot brings back, checked before a finishing method uses it. */
export function checkLmState(s: LmState): LmState {
  const ok = Number.isFinite(s.mu) && s.mu > 0
    && Number.isInteger(s.iterations) && s.iterations >= 0 && Number.isInteger(s.rejected) && s.rejected >= 0;
  if (!ok) throw new ConfigError(`finishing state: expected μ > 0 and counts ≥ 0, got ${JSON.stringify(s)}`);
  return s;
}
