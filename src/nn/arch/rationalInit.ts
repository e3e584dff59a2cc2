// Initial coefficients of a rational activation: the least-squares fit of
// P/Q to a fixed activation f on [−r, r], as the Padé-activation and GroupKAN
// work initialise theirs (to GELU, SiLU, ...), so training starts from a
// network that behaves like the familiar one.
//
// P/Q ≈ f is made linear by multiplying out: P(x) − f(x)·Σ c_k|x|^k ≈ f(x),
// with c_k = |b_k| ≥ 0, solved by Householder QR on x scaled to u = x/r
// (monomials up to u^9 on [−1, 1] are well enough conditioned for QR, not for
// normal equations) and an active set: a negative c_k is pinned and the rest
// refitted. A pinned b_k gets a tiny positive value instead of 0, because
// |b_k| has no gradient at 0 and training could never move it.

import { activate } from '../../kernels/activations.js';
import { activationCode, type ActivationName } from '../../kernels/types.js';
import { AmpfitError } from '../../util/errors.js';

const SAMPLES = 2001;
/** b_k of a pinned denominator term, in units of r^−k. */
const PINNED_B = 1e-4;

export interface RationalFit {
  /** a_0..a_degP, b_1..b_degQ. */
  readonly coef: Float64Array;
  /** max |P/Q − f| over the fit's sample points. */
  readonly maxError: number;
}

const cache = new Map<string, RationalFit>();

export function fitRational(target: ActivationName, param: number, degP: number, degQ: number, range: number): RationalFit {
  const key = `${target}/${param}/${degP}/${degQ}/${range}`;
  let fit = cache.get(key);
  if (fit === undefined) {
    fit = solveFit(target, param, degP, degQ, range);
    cache.set(key, fit);
  }
  return { coef: fit.coef.slice(), maxError: fit.maxError };
}

function solveFit(target: ActivationName, param: number, degP: number, degQ: number, range: number): RationalFit {
  const code = activationCode(target);
  const u = new Float64Array(SAMPLES);
  const f = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    u[i] = -1 + (2 * i) / (SAMPLES - 1);
    f[i] = activate(code, param, u[i] * range);
  }
  let active = Array.from({ length: degQ }, (_, k) => k + 1);
  let sol: Float64Array = new Float64Array(0);
  for (;;) {
    const cols = degP + 1 + active.length;
    const a = new Float64Array(SAMPLES * cols);
    for (let i = 0; i < SAMPLES; i++) {
      let pw = 1;
      for (let j = 0; j <= degP; j++, pw *= u[i]) a[i * cols + j] = pw;
      active.forEach((k, m) => {
        a[i * cols + degP + 1 + m] = -f[i] * Math.abs(u[i]) ** k;
      });
    }
    sol = leastSquares(a, f.slice(), SAMPLES, cols);
    let worst = -1;
    for (let m = 0; m < active.length; m++) if (sol[degP + 1 + m] < 0 && (worst < 0 || sol[degP + 1 + m] < sol[degP + 1 + worst])) worst = m;
    if (worst < 0) break;
    active = active.filter((_, m) => m !== worst);
  }
  // Back from u = x/r: a_j = a'_j / r^j, b_k = c'_k / r^k.
  const coef = new Float64Array(degP + 1 + degQ);
  for (let j = 0; j <= degP; j++) coef[j] = sol[j] / range ** j;
  for (let k = 1; k <= degQ; k++) {
    const m = active.indexOf(k);
    const c = m < 0 ? 0 : sol[degP + 1 + m];
    coef[degP + k] = (c === 0 ? PINNED_B : c) / range ** k;
  }
  let maxError = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const x = u[i] * range;
    let p = coef[degP];
    for (let j = degP - 1; j >= 0; j--) p = p * x + coef[j];
    let q = 1;
    for (let k = 1; k <= degQ; k++) q += Math.abs(coef[degP + k]) * Math.abs(x) ** k;
    maxError = Math.max(maxError, Math.abs(p / q - f[i]));
  }
  if (!Number.isFinite(maxError)) throw new AmpfitError(`rational_init: the fit to ${target} on [−${range}, ${range}] failed`);
  return { coef, maxError };
}

/** Minimises |A c − b| for A m×n (row-major, m ≥ n, full rank) by Householder QR; overwrites a and b. */
export function leastSquares(a: Float64Array, b: Float64Array, m: number, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new AmpfitError('least squares: rank-deficient system');
    const alpha = a[j * n + j] > 0 ? -norm : norm;
    // v = column j below the diagonal − alpha e_j; H = I − 2 v vᵀ / vᵀv.
    a[j * n + j] -= alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += a[i * n + j] ** 2;
    for (let c = j + 1; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += a[i * n + j] * a[i * n + c];
      const t = (2 * dot) / vv;
      for (let i = j; i < m; i++) a[i * n + c] -= t * a[i * n + j];
    }
    let dot = 0;
    for (let i = j; i < m; i++) dot += a[i * n + j] * b[i];
    const t = (2 * dot) / vv;
    for (let i = j; i < m; i++) b[i] -= t * a[i * n + j];
    a[j * n + j] = alpha; // R's diagonal
  }
  const c = new Float64Array(n);
  for (let j = n - 1; j >= 0; j--) {
    let s = b[j];
    for (let k = j + 1; k < n; k++) s -= a[j * n + k] * c[k];
    c[j] = s / a[j * n + j];
  }
  return c;
}
