// Calibration of learned uncertainties (SPEC "Pulls"; paper 2, sec. 2.4):
// physical-unit predictions, the systematic and statistical pulls, and the
// single global σ scale.
//
// - Systematic pull t = (f − A)/σ_syst, in physical units.
// - Statistical pull (SPEC) t = (f_k − ⟨f⟩)/σ_stat over every weight vector k
//   and point, and paper 2's eq. 36 with the learning target instead of the
//   mean, t = (f_k − A)/σ_stat; both in the transformed space, where the
//   members live (to first order the slope of the target transform cancels).
//   With the unbiased σ_stat the first one's width is √((K−1)/K) by
//   construction; the second is the informative one.
// - Scaled statistical pulls (paper 2, eqs. 37–39, its Fig. 13): the mean
//   of K of the M weight vectors against the target, over σ_stat/√K, for
//   K = 1, 2, 4, … M. If the members were independent draws this would stay
//   a unit Gaussian for every K; as K nears M the mean and σ_stat come from
//   the same samples and the pull narrows, and a biased mean widens it —
//   the K-dependence is the test. K = 1 is eq. 36 on one member.
// - Global scale s (σ_syst → s·σ_syst): minimises the heteroscedastic NLL
//   Σ (f − A)²/(2s²σ²) + log(sσ) over the training set; its minimum is in
//   closed form, s² = mean((f − A)²/σ²) (paper 2 finds it by SGD on the same
//   loss), so fitting it is one pass and exactly reproducible.

import { linearEdges, type Histogram } from '../metrics/precision.js';
import type { TargetTransform } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import type { UncertainPrediction, UncertainPredictor, UncertainRegressor } from './regressor.js';

/** Rows per prediction chunk: bounds the K member arrays of a BNN or ensemble. */
const CHUNK_ROWS = 8192;

/** Predictions in physical units (the model's regressed quantity, as Surrogate.predict). */
export interface PhysicalPrediction {
  readonly value: Float64Array;
  readonly sigmaSyst: Float64Array;
  readonly sigmaStat: Float64Array | null;
}

/** Maps a transformed-space prediction to physical units: σ through |dy/dt| at the predicted value. */
export function toPhysical(p: UncertainPrediction, transform: TargetTransform): PhysicalPrediction {
  const value = transform.inverseInPlace(p.mean.slice());
  const slope = value.map((y) => Math.abs(transform.inverseSlope(y)));
  return {
    value,
    sigmaSyst: p.sigmaSyst.map((s, i) => s * slope[i]),
    sigmaStat: p.sigmaStat === null ? null : p.sigmaStat.map((s, i) => s * slope[i]),
  };
}

/** Pull histograms: 50 bins over [−5, 5], the binning of the report's pull panel (src/report/summarize.ts). */
const PULL_RANGE = 5;
const PULL_BINS = 50;
export const PULL_EDGES: readonly number[] = linearEdges(-PULL_RANGE, PULL_RANGE, PULL_BINS);

/**
 * Running mean, width (population standard deviation) and histogram of
 * pulls, in constant memory (a BNN's statistical pulls number M per point);
 * non-finite pulls are counted apart.
 */
export class PullStats {
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  private bad = 0;
  private readonly counts = new Array<number>(PULL_BINS).fill(0);
  private under = 0;
  private over = 0;

  add(t: number): void {
    if (!Number.isFinite(t)) {
      this.bad++;
      return;
    }
    this.n++;
    this.sum += t;
    this.sumSq += t * t;
    const e = PULL_EDGES;
    if (t < e[0]) this.under++;
    else if (!(t < e[PULL_BINS])) this.over++;
    else {
      // A first guess from the bin width, corrected so the edges decide exactly as histogram()'s search does.
      let k = Math.min(PULL_BINS - 1, Math.max(0, Math.floor(((t - e[0]) / (e[PULL_BINS] - e[0])) * PULL_BINS)));
      while (k > 0 && t < e[k]) k--;
      while (k < PULL_BINS - 1 && t >= e[k + 1]) k++;
      this.counts[k]++;
    }
  }

  summary(): PullSummary {
    const mean = this.sum / this.n;
    return {
      n: this.n, non_finite: this.bad, mean, width: Math.sqrt(Math.max(0, this.sumSq / this.n - mean * mean)),
      histogram: { edges: [...PULL_EDGES], counts: this.counts.slice(), underflow: this.under, overflow: this.over },
    };
  }
}

export interface PullSummary {
  readonly n: number;
  /** Points whose pull is not finite (σ = 0 or a non-finite prediction), left out of mean and width. */
  readonly non_finite: number;
  readonly mean: number;
  /** Population standard deviation; 1 for calibrated uncertainties. */
  readonly width: number;
  /** To compare with the unit Gaussian: n·(Φ(b) − Φ(a)) expected in bin [a, b). */
  readonly histogram: Histogram;
}

export interface ScaledPull {
  readonly K: number;
  readonly mean: number;
  readonly width: number;
  readonly n: number;
  readonly non_finite: number;
}

/** K = 1, 2, 4, … and M itself. */
export function scaledPullSizes(members: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k < members; k *= 2) ks.push(k);
  ks.push(members);
  return ks;
}

/** What metrics.json reports per split for a model with learned uncertainties. */
export interface UncertaintyMetrics {
  readonly method: string;
  readonly sigma_scale: number;
  readonly pull_syst: PullSummary;
  /** (f_k − ⟨f⟩)/σ_stat; null for a single network. */
  readonly pull_stat: PullSummary | null;
  /** (f_k − A)/σ_stat (paper 2, eq. 36); null for a single network. */
  readonly pull_stat_target: PullSummary | null;
  /**
   * (⟨f⟩_K − A)/(σ_stat/√K) for K = 1, 2, 4, … up to the M weight vectors
   * (paper 2, eq. 39): ⟨f⟩_K is the mean of the first K (members are
   * exchangeable), σ_stat that of all M. Null for a single network; absent
   * in metrics written before it existed.
   */
  readonly pull_stat_scaled?: readonly ScaledPull[] | null;
  /** Median over points of σ/|A| in percent. */
  readonly median_rel_sigma_syst_pct: number;
  readonly median_rel_sigma_stat_pct: number | null;
}

/**
 * The global σ_syst scale that minimises the heteroscedastic NLL of the
 * model's mean and σ_syst on (x, y), y in the transformed space; relative to
 * the model's current scale, so apply it with withSigmaScale(current · s).
 */
export function fitSigmaScale(model: UncertainRegressor, x: Float64Array, y: Float64Array, d: number): number {
  const n = y.length;
  let sum = 0;
  let used = 0;
  forChunks(n, (r, m) => {
    const p = model.predictUncertain(x.subarray(r * d, (r + m) * d), m);
    for (let i = 0; i < m; i++) {
      const t = (p.mean[i] - y[r + i]) / p.sigmaSyst[i];
      if (Number.isFinite(t)) {
        sum += t * t;
        used++;
      }
    }
  });
  const s = Math.sqrt(sum / used);
  if (!(s > 0 && Number.isFinite(s))) throw new AmpfitError(`calibration: no finite σ scale from ${n} training points (${used} usable)`);
  return s;
}

/** Pulls and median relative σ of a model on (x, truth), truth in physical units. */
export function uncertaintyMetrics(model: UncertainPredictor, transform: TargetTransform, x: Float64Array, truth: Float64Array, d: number): UncertaintyMetrics {
  const n = truth.length;
  const syst = new PullStats();
  const stat = new PullStats();
  const statTarget = new PullStats();
  // Filled at the first chunk with members (their count fixes the K ladder).
  const scaled: { k: number; stats: PullStats }[] = [];
  const relSyst = new Float64Array(n);
  let relStat: Float64Array | null = null;
  const yT = transform.forward(truth);
  forChunks(n, (r, m) => {
    const p = model.predictUncertain(x.subarray(r * d, (r + m) * d), m, true);
    const phys = toPhysical(p, transform);
    for (let i = 0; i < m; i++) {
      syst.add((phys.value[i] - truth[r + i]) / phys.sigmaSyst[i]);
      relSyst[r + i] = (100 * phys.sigmaSyst[i]) / Math.abs(truth[r + i]);
    }
    if (p.sigmaStat === null || phys.sigmaStat === null || p.members === null) return;
    relStat ??= new Float64Array(n);
    const members = p.members;
    if (scaled.length === 0) for (const k of scaledPullSizes(members.length)) scaled.push({ k, stats: new PullStats() });
    for (let i = 0; i < m; i++) {
      relStat[r + i] = (100 * phys.sigmaStat[i]) / Math.abs(truth[r + i]);
      for (const f of members) {
        stat.add((f[i] - p.mean[i]) / p.sigmaStat[i]);
        statTarget.add((f[i] - yT[r + i]) / p.sigmaStat[i]);
      }
      // Running sums of the first K members, read off at each K of the ladder.
      let sum = 0;
      let k = 0;
      for (const s of scaled) {
        while (k < s.k) sum += members[k++][i];
        s.stats.add((sum / s.k - yT[r + i]) / (p.sigmaStat[i] / Math.sqrt(s.k)));
      }
    }
  });
  const hasStat = relStat !== null;
  return {
    method: model.method,
    sigma_scale: model.sigmaScale,
    pull_syst: syst.summary(),
    pull_stat: hasStat ? stat.summary() : null,
    pull_stat_target: hasStat ? statTarget.summary() : null,
    pull_stat_scaled: scaled.length === 0 ? null : scaled.map(({ k, stats }) => {
      const q = stats.summary();
      return { K: k, mean: q.mean, width: q.width, n: q.n, non_finite: q.non_finite };
    }),
    median_rel_sigma_syst_pct: median(relSyst),
    median_rel_sigma_stat_pct: relStat === null ? null : median(relStat),
  };
}

function forChunks(n: number, body: (start: number, rows: number) => void): void {
  for (let r = 0; r < n; r += CHUNK_ROWS) body(r, Math.min(CHUNK_ROWS, n - r));
}

/** Median of the values (NaN for none). */
export function median(a: ArrayLike<number>): number {
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** One line per pull: calibrated uncertainties give mean 0 and width 1. */
export function formatUncertainty(u: UncertaintyMetrics): string {
  const pull = (name: string, p: { mean: number; width: number; non_finite: number } | null): string =>
    p === null ? '' : `\n  ${name}: mean ${p.mean.toFixed(3)}, width ${p.width.toFixed(3)}${p.non_finite > 0 ? ` (${p.non_finite} non-finite left out)` : ''}`;
  return `${u.method} uncertainties (σ scale ${u.sigma_scale.toPrecision(4)}): median σ_syst ${u.median_rel_sigma_syst_pct.toPrecision(3)} %` +
    (u.median_rel_sigma_stat_pct === null ? '' : `, median σ_stat ${u.median_rel_sigma_stat_pct.toPrecision(3)} %`) +
    pull('systematic pull (f − A)/σ_syst', u.pull_syst) +
    pull('statistical pull (f_k − ⟨f⟩)/σ_stat', u.pull_stat) +
    pull('statistical pull (f_k − A)/σ_stat', u.pull_stat_target) +
    scaledLine(u.pull_stat_scaled ?? null);
}

/** The K-ladder of scaled pulls in one line: "K 1: 0.98, 2: 0.95, …" (widths). */
function scaledLine(scaled: readonly ScaledPull[] | null): string {
  if (scaled === null || scaled.length === 0) return '';
  return `\n  scaled pull (⟨f⟩_K − A)/(σ_stat/√K) widths: ${scaled.map((s) => `K=${s.K} ${s.width.toFixed(2)}`).join(', ')}`;
}
