// A trained network with learned uncertainties, as a pipeline Regressor.
//
// All three methods predict the same way: a list of K weight vectors for one
// (f, log σ²) network — the heteroscedastic network (K = 1), the ensemble
// members (K = N), or K = M weight samples of the Bayesian posterior, drawn
// once from a stored seed so predictions are reproducible and every point
// sees the same M networks. Per point, with f_k, σ_k² the outputs of vector k:
//     mean = ⟨f_k⟩,  σ_syst² = s² ⟨σ_k²⟩,  σ_stat² = Σ_k (f_k − mean)²/(K − 1)
// (σ_stat only for K ≥ 2, the unbiased sample variance as paper 2's eq. 34),
// s the global calibration scale (calibration.ts; 1 until fitted). Everything
// here is in the transformed target space; Surrogate.predictUncertain maps it
// to physical units.
//
// Model file: the spec is the network's ({type, network}) plus
// `uncertainty` (UncertaintySpec); arrays: `params` (the K = 1 or N vectors
// one after the other; for a BNN the means μ) and, for a BNN, `rho` (the
// posterior widths s = softplus(ρ) of the Bayesian weights).

import { column, type GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import { getKernels } from '../kernels/index.js';
import { familyConfig } from '../nn/structuredNetwork.js';
import type { NetworkFactory, TrainableNetwork } from '../nn/trainable.js';
import { float64Array } from '../io/storedArray.js';
import type { EmittedOutput, Regressor, SerializedRegressor } from '../models/regressor.js';
import { AmpfitError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { sampleWeights } from './bayes.js';
import { HEAD_OUTPUTS, LOG_VAR_MAX, LOG_VAR_MIN, variance } from './gaussian.js';

export const UNCERTAINTY_METHODS = ['heteroscedastic', 'bnn', 'ensemble'] as const;
export type UncertaintyMethod = (typeof UNCERTAINTY_METHODS)[number];

/** The `uncertainty` object of a model file's regressor spec. */
export interface UncertaintySpec {
  readonly method: UncertaintyMethod;
  /** Global σ_syst scale from calibration (1: uncalibrated). */
  readonly sigma_scale: number;
  /** ensemble: number of members. */
  readonly members?: number;
  /** bnn: prior width, whether only the last layer is Bayesian, first Bayesian parameter, samples M and their seed. */
  readonly prior_width?: number;
  readonly last_layer_only?: boolean;
  readonly bayes_start?: number;
  readonly samples?: number;
  readonly sample_seed?: number;
}

/** Predictions in the transformed space; sigmaStat is null for a single network. */
export interface UncertainPrediction {
  readonly mean: Float64Array;
  readonly sigmaSyst: Float64Array;
  readonly sigmaStat: Float64Array | null;
  /** f_k of each weight vector (K arrays of n), when asked for (statistical pulls need them). */
  readonly members: Float64Array[] | null;
}

/** What pulls, calibration reports and predictUncertain need of a model that learned σ (an UncertainRegressor, or a wrapper around one). */
export interface UncertainPredictor {
  readonly method: UncertaintyMethod;
  readonly sigmaScale: number;
  predictUncertain(x: Float64Array, n: number, withMembers?: boolean): UncertainPrediction;
}

/** Per row: the members' mean, their mean variance ⟨σ_k²⟩ (σ_syst² before the calibration scale), and each member's f_k. */
export interface UncertainParts {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly members: Float64Array[];
}

export class UncertainRegressor implements Regressor, UncertainPredictor {
  /**
   * net: the (f, log σ²) network, any family, whose parameters each
   * prediction overwrites with one weight vector; weightSets: the K vectors
   * predictions average over; arrays: what the model file stores (see the
   * file comment).
   */
  constructor(
    private readonly net: TrainableNetwork,
    private readonly spec: UncertaintySpec,
    private readonly weightSets: readonly Float64Array[],
    private readonly arrays: Record<string, Float64Array>,
  ) {
    if (net.outputDim !== HEAD_OUTPUTS) throw new AmpfitError(`uncertainty model: the network has ${net.outputDim} outputs, expected ${HEAD_OUTPUTS} (mean, log σ²)`);
    for (const w of weightSets) if (w.length !== net.paramCount) throw new AmpfitError(`uncertainty model: a weight vector of ${w.length} for ${net.paramCount} parameters`);
  }

  /** The network's stored config (its family's JSON). */
  get config(): unknown {
    return this.net.config;
  }

  /** The model type: the network family's name ('dnn', 'skdnn', 'mlp', 'kan', 'ds'). */
  get type(): string {
    return String((familyConfig(this.net.config) as { type?: unknown }).type);
  }

  get method(): UncertaintyMethod {
    return this.spec.method;
  }

  /** The K weight vectors a prediction averages over (one; the ensemble's members; the BNN's M samples). */
  get weightVectors(): readonly Float64Array[] {
    return this.weightSets;
  }

  get sigmaScale(): number {
    return this.spec.sigma_scale;
  }

  /** The same model with σ_syst scaled by `scale` (calibration). */
  withSigmaScale(scale: number): UncertainRegressor {
    if (!(scale > 0 && Number.isFinite(scale))) throw new AmpfitError(`uncertainty: σ scale must be a positive number, got ${scale}`);
    return new UncertainRegressor(this.net, { ...this.spec, sigma_scale: scale }, this.weightSets, this.arrays);
  }

  /** Every trained number: all members' parameters; for a BNN the means μ and widths ρ. */
  parameterCount(): number {
    return Object.values(this.arrays).reduce((s, a) => s + a.length, 0);
  }

  predict(x: Float64Array, n: number): Float64Array {
    return this.predictUncertain(x, n).mean;
  }

  predictUncertain(x: Float64Array, n: number, withMembers = false): UncertainPrediction {
    return uncertainPrediction(this.predictParts(x, n), this.spec.sigma_scale, withMembers);
  }

  /** The K weight vectors' outputs on n rows, before σ_syst's square root and scale. */
  predictParts(x: Float64Array, n: number): UncertainParts {
    const k = this.weightSets.length;
    const mean = new Float64Array(n);
    const varSyst = new Float64Array(n);
    const fs: Float64Array[] = [];
    const out = new Float64Array(n * HEAD_OUTPUTS);
    for (const w of this.weightSets) {
      this.net.params.set(w);
      this.net.predict(x, n, out);
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        f[i] = out[HEAD_OUTPUTS * i];
        mean[i] += f[i] / k;
        varSyst[i] += variance(out[HEAD_OUTPUTS * i + 1]) / k;
      }
      fs.push(f);
    }
    return { mean, variance: varSyst, members: fs };
  }

  /** As predictUncertain: Σ_k f_k/K and Σ_k exp(clamp(u_k))/K over the K weight vectors, in order. */
  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    const f: Buf[] = [];
    const v: Buf[] = [];
    for (const w of this.weightSets) {
      const out = this.net.emit(g, x, w);
      f.push(column(g, out, 0));
      v.push(g.variance(column(g, out, 1), LOG_VAR_MIN, LOG_VAR_MAX));
    }
    const mean = (b: Buf[]): Buf => (b.length === 1 ? b[0] : g.mean(b, 'divide-then-sum'));
    return { value: mean(f), sigma: { variance: mean(v), scale: this.spec.sigma_scale } };
  }

  serialize(): SerializedRegressor {
    return {
      spec: { type: this.type, network: this.config, uncertainty: this.spec },
      arrays: Object.fromEntries(Object.entries(this.arrays).map(([name, a]) => [name, a.slice()])),
    };
  }
}

/** σ_syst = s·√⟨σ_k²⟩ and, for K ≥ 2, σ_stat = the members' sample standard deviation around the mean. */
export function uncertainPrediction(p: UncertainParts, sigmaScale: number, withMembers: boolean): UncertainPrediction {
  const n = p.mean.length;
  const k = p.members.length;
  const sigmaSyst = p.variance.map((v) => sigmaScale * Math.sqrt(v));
  let sigmaStat: Float64Array | null = null;
  if (k >= 2) {
    sigmaStat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let ss = 0;
      for (const f of p.members) ss += (f[i] - p.mean[i]) ** 2;
      sigmaStat[i] = Math.sqrt(ss / (k - 1));
    }
  }
  return { mean: p.mean, sigmaSyst, sigmaStat, members: withMembers ? p.members : null };
}

/** Heteroscedastic network (one vector) or ensemble (several, concatenated in `params`) on `net`'s architecture. */
export function memberRegressor(net: TrainableNetwork, spec: UncertaintySpec, members: readonly Float64Array[]): UncertainRegressor {
  const p = members[0].length;
  const params = new Float64Array(p * members.length);
  members.forEach((m, i) => params.set(m, i * p));
  return new UncertainRegressor(net, spec, members.map((m) => m.slice()), { params });
}

/** Bayesian network on `net`'s architecture: M weight vectors sampled from the posterior with the spec's seed. */
export function bayesRegressor(net: TrainableNetwork, spec: UncertaintySpec, mu: Float64Array, rho: Float64Array): UncertainRegressor {
  const start = spec.bayes_start ?? 0;
  const m = spec.samples ?? 0;
  if (start + rho.length !== mu.length) throw new AmpfitError(`bnn: ${rho.length} posterior widths do not cover parameters ${start}..${mu.length}`);
  const rng = new Rng(spec.sample_seed ?? 0);
  const eps = new Float64Array(rho.length);
  const sets: Float64Array[] = [];
  for (let k = 0; k < m; k++) {
    const w = new Float64Array(mu.length);
    sampleWeights(mu, rho, start, rng, eps, w);
    sets.push(w);
  }
  return new UncertainRegressor(net, spec, sets, { params: mu.slice(), rho: rho.slice() });
}

/** Rebuilds an uncertainty model from its model-file form, checking every size; `restore` rebuilds its family's network. */
export function loadUncertain(s: SerializedRegressor, restore: NetworkFactory): UncertainRegressor {
  const net = restore(s.spec.network, getKernels('auto'));
  const spec = parseSpec(s.spec.uncertainty);
  const p = net.paramCount;
  const type = String(s.spec.type);
  const params = float64Array(s, 'params', type);
  if (net.outputDim !== HEAD_OUTPUTS) throw new AmpfitError(`uncertainty model: the network has ${net.outputDim} outputs, expected ${HEAD_OUTPUTS} (mean, log σ²)`);
  if (spec.method === 'bnn') {
    if (params.length !== p) throw new AmpfitError(`bnn: model holds ${params.length} means, the ${type} network needs ${p}`);
    return bayesRegressor(net, spec, params, float64Array(s, 'rho', 'bnn'));
  }
  const k = spec.method === 'ensemble' ? spec.members ?? 0 : 1;
  if (params.length !== k * p) throw new AmpfitError(`${spec.method}: model holds ${params.length} parameters, ${k} × the ${type} network's ${p} needs ${k * p}`);
  const members = Array.from({ length: k }, (_, i) => params.subarray(i * p, (i + 1) * p));
  return memberRegressor(net, spec, members);
}

function parseSpec(value: unknown): UncertaintySpec {
  if (typeof value !== 'object' || value === null) throw new AmpfitError('model.regressor.uncertainty: expected an object');
  const o = value as UncertaintySpec;
  if (!(UNCERTAINTY_METHODS as readonly string[]).includes(o.method)) {
    throw new AmpfitError(`model.regressor.uncertainty.method: expected one of ${UNCERTAINTY_METHODS.join(', ')}, got ${String(o.method)}`);
  }
  if (!(o.sigma_scale > 0)) throw new AmpfitError(`model.regressor.uncertainty.sigma_scale: expected a positive number, got ${String(o.sigma_scale)}`);
  if (o.method === 'ensemble' && !(Number.isInteger(o.members) && (o.members ?? 0) >= 1)) {
    throw new AmpfitError(`model.regressor.uncertainty.members: expected a positive integer, got ${String(o.members)}`);
  }
  if (o.method === 'bnn' && !(Number.isInteger(o.samples) && (o.samples ?? 0) >= 2 && Number.isInteger(o.bayes_start))) {
    throw new AmpfitError('model.regressor.uncertainty: a bnn needs integer samples ≥ 2 and bayes_start');
  }
  return o;
}
