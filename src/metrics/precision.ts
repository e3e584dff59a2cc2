// Precision metrics of paper 1, all in the target's original units.
// δ = (pred − true)/|true|: for a positive target this is paper 1's δ; the
// absolute value keeps the sign meaning "over-predicted" where the target is
// negative (zz8d's one-loop term changes sign).

import { binomialStderrPct, CRITERION, verdictOf, type Verdict } from './verdict.js';

export const DEFAULT_TAUS_PCT: readonly number[] = [1, 0.1, 0.01];

export interface Histogram {
  /** Bin edges, length = counts.length + 1. */
  readonly edges: number[];
  readonly counts: number[];
  /** Points below the first edge and at or above the last one. */
  readonly underflow: number;
  readonly overflow: number;
}

export interface PrecisionMetrics {
  readonly n: number;
  /** Points whose prediction is NaN or infinite (they fail every R_τ). */
  readonly nonFinite: number;
  /** R_τ: percent of points with |δ| < τ %, keyed by τ in percent ("1", "0.1"). */
  readonly R_pct: Record<string, number>;
  /** Binomial standard error of each R_τ in percentage points, sqrt(R(1−R)/n), keyed as R_pct. */
  readonly R_stderr_pct: Record<string, number>;
  /** Paper 1's criterion R_1 > 90 % (computed whatever the taus) and the τ at which 90 % of points fall. */
  readonly verdict: Verdict;
  /** Mean and standard deviation (population) of δ, in percent. */
  readonly mu_delta_pct: number;
  readonly sigma_delta_pct: number;
  /** Coefficient of determination of pred against true. */
  readonly r2: number;
  /** Quantiles of |δ| in percent, keyed "50", "90", "99", "99.9". */
  readonly abs_delta_quantiles_pct: Record<string, number>;
  /** |δ| (as a fraction) in log-spaced bins, 5 per decade from 1e-8 to 10. */
  readonly abs_delta_histogram: Histogram;
  /** δ (as a fraction) in 100 linear bins over [−2 %, 2 %]. */
  readonly delta_histogram: Histogram;
  /** Present when the points carry sample weights: shares, moments, quantiles and histograms are of weight, errors use n_eff. */
  readonly weighted?: WeightInfo;
}

export const QUANTILES_PCT: readonly number[] = [50, 90, 99, 99.9];

/** δ for every point; a zero truth gives ±Infinity (or NaN), never a silent 0. */
export function relativeErrors(pred: Float64Array, truth: Float64Array): Float64Array {
  if (pred.length !== truth.length) throw new RangeError(`relativeErrors: ${pred.length} predictions vs ${truth.length} truths`);
  const d = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) d[i] = (pred[i] - truth[i]) / Math.abs(truth[i]);
  return d;
}

/**
 * Sample weights (config data.weight): every share, mean, quantile and
 * histogram bin counts weight instead of points, and the binomial errors use
 * Kish's effective sample size (Σw)²/Σw², which is n for equal weights.
 */
export interface WeightInfo {
  /** The column the weights came from. */
  readonly column: string;
  readonly n_eff: number;
}

export function precisionMetrics(
  pred: Float64Array,
  truth: Float64Array,
  tausPct: readonly number[] = DEFAULT_TAUS_PCT,
  weights: { readonly column: string; readonly values: Float64Array } | null = null,
): PrecisionMetrics {
  const n = pred.length;
  if (n === 0) throw new RangeError('precisionMetrics: no points');
  const w = weights?.values ?? null;
  if (w !== null && w.length !== n) throw new RangeError(`precisionMetrics: ${w.length} weights for ${n} points`);
  const delta = relativeErrors(pred, truth);
  let nonFinite = 0;
  const absd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(delta[i])) nonFinite++;
    // NaN sorts last as +Infinity, i.e. as the worst error.
    absd[i] = Number.isNaN(delta[i]) ? Infinity : Math.abs(delta[i]);
  }
  const total = w === null ? n : sumOf(w);
  const nEff = w === null ? n : total ** 2 / sumOfSquares(w);
  const share = (tau: number): number => {
    const limit = tau / 100;
    let hits = 0;
    if (w === null) {
      for (let i = 0; i < n; i++) if (absd[i] < limit) hits++;
    } else {
      for (let i = 0; i < n; i++) if (absd[i] < limit) hits += w[i];
    }
    return (100 * hits) / total;
  };
  const R_pct: Record<string, number> = {};
  const R_stderr_pct: Record<string, number> = {};
  for (const tau of tausPct) {
    R_pct[String(tau)] = share(tau);
    R_stderr_pct[String(tau)] = binomialStderrPct(R_pct[String(tau)], nEff);
  }
  let sum = 0;
  if (w === null) for (let i = 0; i < n; i++) sum += delta[i];
  else for (let i = 0; i < n; i++) sum += w[i] * delta[i];
  const mu = sum / total;
  let ss = 0;
  if (w === null) for (let i = 0; i < n; i++) ss += (delta[i] - mu) ** 2;
  else for (let i = 0; i < n; i++) ss += w[i] * (delta[i] - mu) ** 2;
  const sigma = Math.sqrt(ss / total);

  const quantile = w === null ? sortedQuantiles(absd) : weightedQuantiles(absd, w);
  const abs_delta_quantiles_pct: Record<string, number> = {};
  for (const q of QUANTILES_PCT) abs_delta_quantiles_pct[String(q)] = 100 * quantile(q / 100);

  const r1 = R_pct[String(CRITERION.tauPct)] ?? share(CRITERION.tauPct);
  return {
    n,
    nonFinite,
    R_pct,
    R_stderr_pct,
    verdict: verdictOf(r1, nEff, 100 * quantile(CRITERION.sharePct / 100)),
    mu_delta_pct: 100 * mu,
    sigma_delta_pct: 100 * sigma,
    r2: rSquared(pred, truth, w),
    abs_delta_quantiles_pct,
    abs_delta_histogram: histogram(absd, logEdges(-8, 1, 5), w),
    delta_histogram: histogram(delta, linearEdges(-0.02, 0.02, 100), w),
    ...(weights === null ? {} : { weighted: { column: weights.column, n_eff: nEff } }),
  };
}

function sumOf(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

function sumOfSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

function sortedQuantiles(v: Float64Array): (p: number) => number {
  const sorted = v.slice().sort();
  return (p) => quantileSorted(sorted, p);
}

/**
 * The weighted p-quantile: the smallest value whose cumulative weight
 * reaches p of the total (the inverse of the weighted empirical CDF, as
 * numpy's quantile with method 'inverted_cdf' and weights).
 */
function weightedQuantiles(v: Float64Array, w: Float64Array): (p: number) => number {
  const order = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  const cumulative = new Float64Array(v.length);
  let c = 0;
  order.forEach((i, k) => {
    c += w[i];
    cumulative[k] = c;
  });
  return (p) => {
    const target = p * c;
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] >= target) hi = mid;
      else lo = mid + 1;
    }
    return v[order[lo]];
  };
}

/** 1 − SS_res/SS_tot (each term weighted when w is given). */
export function rSquared(pred: Float64Array, truth: Float64Array, w: Float64Array | null = null): number {
  const n = truth.length;
  let mean = 0;
  if (w === null) {
    for (let i = 0; i < n; i++) mean += truth[i];
    mean /= n;
  } else {
    for (let i = 0; i < n; i++) mean += w[i] * truth[i];
    mean /= sumOf(w);
  }
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i];
    res += wi * (pred[i] - truth[i]) ** 2;
    tot += wi * (truth[i] - mean) ** 2;
  }
  return 1 - res / tot;
}

/** Linear interpolation between order statistics (type 7, as numpy's default). */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const frac = h - lo;
  // Written so that infinite |δ| (NaN predictions) give Infinity, not NaN.
  if (frac === 0 || sorted[hi] === sorted[lo]) return sorted[lo];
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

export function logEdges(fromExp: number, toExp: number, perDecade: number): number[] {
  const k = Math.round((toExp - fromExp) * perDecade);
  return Array.from({ length: k + 1 }, (_, i) => 10 ** (fromExp + i / perDecade));
}

export function linearEdges(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
}

/**
 * The bin i with edges[i] ≤ v < edges[i+1] of increasing edges, for v inside
 * [edges[0], edges[last]): a binary search, since log-spaced edges have no
 * closed-form index that is exact at the edges.
 */
export function binIndex(v: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (v >= edges[mid]) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Counts (or summed weights) of v in [edges[i], edges[i+1]); NaN counts as overflow. */
export function histogram(v: Float64Array, edges: number[], w: Float64Array | null = null): Histogram {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  let underflow = 0;
  let overflow = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const wi = w === null ? 1 : w[i];
    if (x < edges[0]) {
      underflow += wi;
      continue;
    }
    if (!(x < edges[bins])) {
      overflow += wi;
      continue;
    }
    counts[binIndex(x, edges)] += wi;
  }
  return { edges, counts, underflow, overflow };
}

/**
 * The verdict of metrics that may have been written before it existed
 * (metrics.json and model files of older ampfit): rebuilt from R_1 and the
 * 90 % quantile when both were kept, else null.
 */
export function verdictOfMetrics(m: PrecisionMetrics): Verdict | null {
  // Typed as always present, but JSON read from an older file may lack it.
  const stored = m.verdict as Verdict | undefined;
  if (stored !== undefined) return stored;
  const r1 = m.R_pct[String(CRITERION.tauPct)];
  const q90 = m.abs_delta_quantiles_pct[String(CRITERION.sharePct)];
  return r1 === undefined || q90 === undefined ? null : verdictOf(r1, m.n, q90);
}
