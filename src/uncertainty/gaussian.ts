// The heteroscedastic Gaussian likelihood every uncertainty model trains with
// (SPEC "Learned uncertainties"; paper 2, eq. 3), in the transformed target
// space: a network row is (f, u) with f the mean and u = log σ², and the loss
// per point is
//     ℓ = (f − A)² / (2σ²) + log σ = (f − A)² / (2 e^u) + u / 2,
// the Gaussian negative log-likelihood without its constant ½ log 2π.
//
// u is clamped to [LOG_VAR_MIN, LOG_VAR_MAX] before use, as heteroscedastic
// implementations commonly do (SPEC): e^u neither underflows to 0 (a division
// by zero) nor overflows. Outside the clamp the loss is flat in u, so its
// gradient there is 0; networks start near u = 0, far inside.

/** Clamp range of u = log σ² (SPEC: e.g. [−30, 11]). */
export const LOG_VAR_MIN = -30;
export const LOG_VAR_MAX = 11;

/** Values per network row: the mean and log σ². */
export const HEAD_OUTPUTS = 2;

export function clampLogVar(u: number): number {
  return u < LOG_VAR_MIN ? LOG_VAR_MIN : u > LOG_VAR_MAX ? LOG_VAR_MAX : u;
}

/** σ² of a raw log-variance output. */
export function variance(u: number): number {
  return Math.exp(clampLogVar(u));
}

/**
 * Per-point losses of m rows: out is m×2 (f, u), y the m targets. Writes
 * ℓ_b into nll[b] and ∂ℓ_b/∂f, ∂ℓ_b/∂u into dl[2b], dl[2b+1]; returns Σ ℓ_b.
 */
export function gaussianNll(out: Float64Array, y: Float64Array, m: number, nll: Float64Array, dl: Float64Array): number {
  let sum = 0;
  for (let b = 0; b < m; b++) {
    const u = out[2 * b + 1];
    const uc = clampLogVar(u);
    const inv = Math.exp(-uc);
    const e = out[2 * b] - y[b];
    const half = 0.5 * e * e * inv;
    const l = half + 0.5 * uc;
    nll[b] = l;
    sum += l;
    dl[2 * b] = e * inv;
    dl[2 * b + 1] = u === uc ? 0.5 - half : 0;
  }
  return sum;
}
