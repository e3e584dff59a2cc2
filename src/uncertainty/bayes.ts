// Variational Gaussian weights of a Bayesian network (SPEC; paper 2, sec. 2.2).
//
// The Bayesian weights are the parameters [start, P) of the flat vector (all
// of them, or only the output layer's — a "Bayesian last layer", whose
// weights and bias sit at the end of the vector because the output op is
// built last). Each has a posterior q = N(μ, s²) with s = softplus(ρ), so any
// real ρ gives s > 0; a weight is sampled as μ + s·ε, ε ~ N(0, 1)
// (reparameterisation). The prior is N(0, σ_p²) and per weight
//     KL(q‖p) = log(σ_p/s) + (s² + μ²)/(2σ_p²) − 1/2.

import type { Rng } from '../util/rng.js';

/**
 * Initial posterior width s of every Bayesian weight: small, so training
 * starts close to the deterministic network (paper 2's group initialises
 * log s² ≈ −9, s ≈ 0.011).
 */
export const INITIAL_POSTERIOR_WIDTH = Math.exp(-4.5);

/** log(1 + e^ρ) without overflow for large ρ or loss of precision for very negative ρ. */
export function softplus(r: number): number {
  return r > 30 ? r : Math.log1p(Math.exp(r));
}

/** ρ with softplus(ρ) = s. */
export function inverseSoftplus(s: number): number {
  return s > 30 ? s : Math.log(Math.expm1(s));
}

/** d softplus/dρ. */
export function sigmoid(r: number): number {
  return 1 / (1 + Math.exp(-r));
}

/** Σ KL(q‖p) over the Bayesian weights: mu holds μ of those weights only. */
export function klDivergence(mu: Float64Array, rho: Float64Array, priorWidth: number): number {
  const inv2p = 1 / (2 * priorWidth * priorWidth);
  const logP = Math.log(priorWidth);
  let kl = 0;
  for (let j = 0; j < rho.length; j++) {
    const s = softplus(rho[j]);
    kl += logP - Math.log(s) + (s * s + mu[j] * mu[j]) * inv2p - 0.5;
  }
  return kl;
}

/**
 * Adds scale·∂KL/∂μ to gMu and scale·∂KL/∂ρ to gRho (both over the Bayesian
 * weights only): ∂KL/∂μ = μ/σ_p², ∂KL/∂ρ = (s/σ_p² − 1/s)·sigmoid(ρ).
 */
export function addKlGradient(
  mu: Float64Array, rho: Float64Array, priorWidth: number, scale: number, gMu: Float64Array, gRho: Float64Array,
): void {
  const invP2 = 1 / (priorWidth * priorWidth);
  for (let j = 0; j < rho.length; j++) {
    const s = softplus(rho[j]);
    gMu[j] += scale * mu[j] * invP2;
    gRho[j] += scale * (s * invP2 - 1 / s) * sigmoid(rho[j]);
  }
}

/**
 * One weight sample: out = mu, with out[start + j] = mu[start + j] + s_j·ε_j
 * for the Bayesian weights; ε_j is drawn from rng and kept in eps (length
 * mu.length − start) for the gradient ∂w/∂ρ = ε·sigmoid(ρ).
 */
export function sampleWeights(mu: Float64Array, rho: Float64Array, start: number, rng: Rng, eps: Float64Array, out: Float64Array): void {
  out.set(mu);
  for (let j = 0; j < rho.length; j++) {
    const e = rng.normal();
    eps[j] = e;
    out[start + j] = mu[start + j] + softplus(rho[j]) * e;
  }
}
