// The learned-uncertainty Objectives (src/nn/objective.ts), sorted in order
// of increasing complexity. All train networks with two outputs (f, log σ²)
// on the heteroscedastic Gaussian loss of gaussian.ts, in the transformed
// target space:
// - heteroscedastic: one network, loss = mean over the batch of ℓ.
// - ensemble: N networks trained together on the same batches; member i adds
//   the function-space repulsion β Σ_j k(ℓ_i, sg ℓ_j) / sg(Σ_j k(ℓ_i, ℓ_j)).
//   The heteroscedastic objective is the ensemble of one (no repulsion).
// - bnn: variational weights (bayes.ts); loss = mean NLL with sampled weights
//   + KL(q‖p)/N_train.
//
// Repulsion (paper 2, sec. 2.3): the kernel acts on each member's "function"
// on the batch, and paper 2 applies it in log-likelihood space, so the
// member's function is the vector ℓ_i = (ℓ_i(x_b))_b of its per-point losses.
// k(a, b) = exp(−‖a − b‖²/h) with the median heuristic
// h = median_{i<j} ‖ℓ_i − ℓ_j‖² / log N, recomputed every batch and treated
// as a constant. Through the stop-gradients the repulsive term's value is
// always β and only its gradient acts:
//     ∂/∂ℓ_i(x_b) = −(2β/h) Σ_j k_ij (ℓ_i(x_b) − ℓ_j(x_b)) / Σ_j k_ij.
// Paper 2 notes that β should strictly be 1/N_train when the likelihood is
// the mean over a batch, which is the default (config ensemble_beta: null).

import type { RegressionMetrics } from '../nn/evaluate.js';
import type { TrainableNetwork } from '../nn/trainable.js';
import type { Objective } from '../nn/objective.js';
import { Rng, type RngState } from '../util/rng.js';
import { median } from './calibration.js';
import { addKlGradient, INITIAL_POSTERIOR_WIDTH, inverseSoftplus, klDivergence, sampleWeights, sigmoid } from './bayes.js';
import { gaussianNll, HEAD_OUTPUTS } from './gaussian.js';

/** Per-batch scratch of one member, grown to the largest batch seen. */
class MemberScratch {
  nll = new Float64Array(0);
  dl = new Float64Array(0);
  dOut = new Float64Array(0);

  ensure(m: number): void {
    if (this.nll.length >= m) return;
    this.nll = new Float64Array(m);
    this.dl = new Float64Array(HEAD_OUTPUTS * m);
    this.dOut = new Float64Array(HEAD_OUTPUTS * m);
  }
}

/**
 * Validation of networks with (f, log σ²) heads: `mse` is the mean over
 * networks and rows of ℓ (what early stopping minimises), r2 that of the
 * mean over networks of f.
 */
export function nllMetrics(nets: readonly TrainableNetwork[], x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics {
  const n = y.length;
  if (n === 0) return { n, mse: NaN, r2: NaN };
  const d = nets[0].inputDim;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  const scratch = new MemberScratch();
  let nllSum = 0;
  let sse = 0;
  let sst = 0;
  for (let r = 0; r < n; r += chunkRows) {
    const m = Math.min(chunkRows, n - r);
    scratch.ensure(m);
    const yc = y.subarray(r, r + m);
    const fMean = new Float64Array(m);
    for (const net of nets) {
      const out = net.infer(x.subarray(r * d, (r + m) * d), m);
      nllSum += gaussianNll(out, yc, m, scratch.nll, scratch.dl);
      for (let b = 0; b < m; b++) fMean[b] += out[HEAD_OUTPUTS * b] / nets.length;
    }
    for (let b = 0; b < m; b++) {
      sse += (fMean[b] - yc[b]) ** 2;
      sst += (yc[b] - mean) ** 2;
    }
  }
  return { n, mse: nllSum / (n * nets.length), r2: sst > 0 ? 1 - sse / sst : NaN };
}

/**
 * Heteroscedastic network (one member) or (repulsive) ensemble. params holds
 * the members' parameter vectors one after the other; each member network
 * gets its slice copied in before it runs (copying P values costs far less
 * than a forward pass) and its gradient copied out.
 */
export class MemberObjective implements Objective {
  readonly takesSampleWeights = false;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private readonly scratch: MemberScratch[];
  private readonly outs: Float64Array[] = [];
  private readonly repulsion: Float64Array;

  /**
   * members[0] is the trainer's network; all share one config. beta = 0 (or
   * one member) trains them independently. params starts as the members'
   * current parameters.
   */
  constructor(readonly name: 'heteroscedastic' | 'ensemble', readonly members: readonly TrainableNetwork[], readonly beta: number) {
    const p = members[0].paramCount;
    this.params = new Float64Array(p * members.length);
    members.forEach((net, i) => this.params.set(net.params, i * p));
    this.grads = new Float64Array(this.params.length);
    this.scratch = members.map(() => new MemberScratch());
    this.repulsion = new Float64Array(members.length * members.length);
  }

  /** Member i's slice of params. */
  memberParams(i: number): Float64Array {
    const p = this.members[0].paramCount;
    return this.params.subarray(i * p, (i + 1) * p);
  }

  lossAndGradient(x: Float64Array, y: Float64Array, m: number): number {
    const nets = this.members;
    const p = nets[0].paramCount;
    let nllSum = 0;
    nets.forEach((net, i) => {
      net.params.set(this.memberParams(i));
      this.outs[i] = net.forward(x, m);
      const s = this.scratch[i];
      s.ensure(m);
      nllSum += gaussianNll(this.outs[i], y, m, s.nll, s.dl);
    });
    const repulse = nets.length > 1 && this.beta > 0 ? this.repulsionWeights(m) : null;
    nets.forEach((net, i) => {
      const s = this.scratch[i];
      for (let b = 0; b < m; b++) {
        // ∂(mean ℓ_i + repulsion)/∂ℓ_i(x_b), chained into (f, u).
        let w = 1 / m;
        if (repulse !== null) {
          let acc = 0;
          for (let j = 0; j < nets.length; j++) acc += this.repulsion[i * nets.length + j] * (s.nll[b] - this.scratch[j].nll[b]);
          w += repulse[i] * acc;
        }
        s.dOut[2 * b] = w * s.dl[2 * b];
        s.dOut[2 * b + 1] = w * s.dl[2 * b + 1];
      }
      net.backward(s.dOut);
      this.grads.set(net.grads, i * p);
    });
    return nllSum / (m * nets.length);
  }

  /**
   * Fills this.repulsion with k_ij and returns per member −2β/(h Σ_j k_ij),
   * the factor of Σ_j k_ij (ℓ_i − ℓ_j) in the repulsive gradient; null when
   * every member has the same ℓ on the batch (h = 0: nothing to repel).
   */
  private repulsionWeights(m: number): Float64Array | null {
    const nMem = this.members.length;
    const k = this.repulsion;
    const pairs: number[] = [];
    for (let i = 0; i < nMem; i++) {
      for (let j = i + 1; j < nMem; j++) {
        const a = this.scratch[i].nll;
        const b = this.scratch[j].nll;
        let d2 = 0;
        for (let r = 0; r < m; r++) d2 += (a[r] - b[r]) ** 2;
        k[i * nMem + j] = d2;
        k[j * nMem + i] = d2;
        pairs.push(d2);
      }
    }
    const h = median(pairs) / Math.log(nMem);
    if (!(h > 0)) return null;
    const factor = new Float64Array(nMem);
    for (let i = 0; i < nMem; i++) {
      let sum = 0;
      for (let j = 0; j < nMem; j++) {
        const v = i === j ? 1 : Math.exp(-k[i * nMem + j] / h);
        k[i * nMem + j] = v;
        sum += v;
      }
      factor[i] = (-2 * this.beta) / (h * sum);
    }
    return factor;
  }

  evaluate(x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics {
    this.members.forEach((net, i) => net.params.set(this.memberParams(i)));
    return nllMetrics(this.members, x, y, chunkRows);
  }
}

export interface BayesSettings {
  /** σ_p of the Gaussian prior N(0, σ_p²) on every Bayesian weight. */
  readonly priorWidth: number;
  /** Only the output layer is variational; the rest are point estimates. */
  readonly lastLayerOnly: boolean;
  /** Training-set size: the KL term is divided by it. */
  readonly nTrain: number;
}

/** First parameter index of the Bayesian weights of a network. */
export function bayesStart(net: TrainableNetwork, lastLayerOnly: boolean): number {
  return lastLayerOnly ? net.outputLayerStart : 0;
}

/**
 * Variational Bayesian network. params = [μ (P values), ρ (one per Bayesian
 * weight)]. Each step draws one weight sample for the whole batch from the
 * objective's own Rng (its state is in snapshots, so resuming is exact).
 * Validation uses the mean weights μ: deterministic, and what early stopping
 * needs to compare epochs.
 */
export class BayesObjective implements Objective {
  readonly name = 'bnn';
  readonly takesSampleWeights = false;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly start: number;
  private readonly eps: Float64Array;
  private readonly scratch = new MemberScratch();

  /** μ starts as net's parameters, every s as INITIAL_POSTERIOR_WIDTH. */
  constructor(readonly net: TrainableNetwork, readonly settings: BayesSettings, private rng: Rng) {
    const p = net.paramCount;
    this.start = bayesStart(net, settings.lastLayerOnly);
    const nBayes = p - this.start;
    this.params = new Float64Array(p + nBayes);
    this.params.set(net.params);
    this.params.fill(inverseSoftplus(INITIAL_POSTERIOR_WIDTH), p);
    this.grads = new Float64Array(this.params.length);
    this.eps = new Float64Array(nBayes);
  }

  get mu(): Float64Array {
    return this.params.subarray(0, this.net.paramCount);
  }

  get rho(): Float64Array {
    return this.params.subarray(this.net.paramCount);
  }

  lossAndGradient(x: Float64Array, y: Float64Array, m: number): number {
    const { net, start, eps } = this;
    const p = net.paramCount;
    const mu = this.mu;
    const rho = this.rho;
    sampleWeights(mu, rho, start, this.rng, eps, net.params);
    const out = net.forward(x, m);
    const s = this.scratch;
    s.ensure(m);
    const nll = gaussianNll(out, y, m, s.nll, s.dl) / m;
    for (let i = 0; i < HEAD_OUTPUTS * m; i++) s.dOut[i] = s.dl[i] / m;
    net.backward(s.dOut);
    // w = μ + softplus(ρ)·ε: ∂w/∂μ = 1, ∂w/∂ρ = ε·sigmoid(ρ).
    const g = this.grads;
    g.set(net.grads);
    const gRho = g.subarray(p);
    for (let j = 0; j < rho.length; j++) gRho[j] = net.grads[start + j] * eps[j] * sigmoid(rho[j]);
    const { priorWidth, nTrain } = this.settings;
    const muB = mu.subarray(start);
    addKlGradient(muB, rho, priorWidth, 1 / nTrain, g.subarray(start, p), gRho);
    return nll + klDivergence(muB, rho, priorWidth) / nTrain;
  }

  evaluate(x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics {
    this.net.params.set(this.mu);
    return nllMetrics([this.net], x, y, chunkRows);
  }

  getState(): RngState {
    return this.rng.getState();
  }

  setState(state: unknown): void {
    this.rng = Rng.fromState(state as RngState);
  }
}
