// Pure aggregations behind the report's plots, from per-point arrays: δ in
// bins of two coordinates (paper 1, Fig. 7), the shared signed-δ range, and
// the calibration summaries of a learned σ (paper 2). No I/O, so tests feed
// them synthetic points with known answers.

import { binIndex, histogram, linearEdges, logEdges, quantileSorted, type PrecisionMetrics } from '../metrics/precision.js';
import { binomialStderrPct } from '../metrics/verdict.js';
import type { HeatCell, HeatMap, Profile, ProfileBin, UncertaintySummary } from './types.js';

/**
 * bins + 1 equal-width edges covering [lo, hi], on a round grid when one fits:
 * the step is the smallest m × 10^k (m from ROUND_STEPS) with which bins steps
 * from a multiple of it at or below lo reach hi, so [0.0002, 0.9999] in 20
 * bins gives 0, 0.05, …, 1 and a cell reads "x1 from 0.35 to 0.4". A round
 * grid that would leave its last bin empty is refused for the exact range.
 * A degenerate range is widened so every point lands in a bin.
 */
export function niceEdges(lo: number, hi: number, bins: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`niceEdges: no finite range (${lo}, ${hi})`);
  if (!(hi > lo)) {
    const pad = lo === 0 ? 0.5 : Math.abs(lo) * 0.5;
    return linearEdges(lo - pad, lo + pad, bins);
  }
  const raw = (hi - lo) / bins;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [...ROUND_STEPS, ...ROUND_STEPS.map((r) => 10 * r)]) {
    const step = m * p;
    if (step < raw * (1 - 1e-12)) continue;
    const start = Math.floor(lo / step) * step;
    const end = start + bins * step;
    if (end < hi) continue;
    // Larger steps only waste more of the grid: give up on round numbers.
    if (hi <= end - step) break;
    return linearEdges(start, end, bins);
  }
  return linearEdges(lo, hi, bins);
}

const ROUND_STEPS = [1, 1.2, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

/** Smallest and largest finite value over several arrays. */
export function finiteExtent(arrays: readonly Float64Array[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Bin index of v among equal-width edges; the last edge belongs to the last bin, outside gives −1. */
function equalBin(v: number, edges: readonly number[]): number {
  const bins = edges.length - 1;
  const lo = edges[0];
  const hi = edges[bins];
  if (!(v >= lo && v <= hi)) return -1;
  const k = Math.floor(((v - lo) / (hi - lo)) * bins);
  // Rounding can put a value just below an edge into the next bin; the edges themselves decide.
  if (k >= bins) return bins - 1;
  if (k > 0 && v < edges[k]) return k - 1;
  if (k < bins - 1 && v >= edges[k + 1]) return k + 1;
  return k;
}

/**
 * Mean δ and mean |δ| (both in percent) of the points in each cell of the
 * grid xEdges × yEdges. Points with a non-finite δ (NaN or infinite
 * predictions) are left out: they would make their cell's mean meaningless,
 * and the precision table already counts them.
 */
export function heatMap(
  names: { readonly x: string; readonly y: string },
  xs: Float64Array,
  ys: Float64Array,
  delta: Float64Array,
  xEdges: readonly number[],
  yEdges: readonly number[],
): HeatMap {
  const nx = xEdges.length - 1;
  const ny = yEdges.length - 1;
  const n = new Float64Array(nx * ny);
  const sum = new Float64Array(nx * ny);
  const sumAbs = new Float64Array(nx * ny);
  for (let i = 0; i < delta.length; i++) {
    const d = delta[i];
    if (!Number.isFinite(d)) continue;
    const ix = equalBin(xs[i], xEdges);
    const iy = equalBin(ys[i], yEdges);
    if (ix < 0 || iy < 0) continue;
    const c = iy * nx + ix;
    n[c]++;
    sum[c] += d;
    sumAbs[c] += Math.abs(d);
  }
  const cells: HeatCell[] = [];
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const c = iy * nx + ix;
      if (n[c] === 0) continue;
      cells.push({ ix, iy, n: n[c], meanDeltaPct: (100 * sum[c]) / n[c], meanAbsDeltaPct: (100 * sumAbs[c]) / n[c] });
    }
  }
  return { xName: names.x, yName: names.y, xEdges: [...xEdges], yEdges: [...yEdges], cells };
}

/**
 * Quantiles of δ (in percent) in bins of one coordinate: the median and the
 * central 68 % and 95 % intervals (percentiles 16–84 and 2.5–97.5, the
 * ±1σ and ±2σ of a Gaussian). Points with a non-finite coordinate or δ are
 * counted in `skipped`: a NaN prediction has no signed δ to rank.
 */
export function profile(names: { readonly name: string; readonly label: string }, xs: Float64Array, delta: Float64Array, edges: readonly number[]): Profile {
  const nb = edges.length - 1;
  const groups: number[][] = Array.from({ length: nb }, () => []);
  let skipped = 0;
  for (let i = 0; i < delta.length; i++) {
    const k = Number.isFinite(delta[i]) && Number.isFinite(xs[i]) ? equalBin(xs[i], edges) : -1;
    if (k < 0) skipped++;
    else groups[k].push(delta[i]);
  }
  const bins: ProfileBin[] = [];
  groups.forEach((g, i) => {
    if (g.length === 0) return;
    const s = Float64Array.from(g).sort();
    const q = (p: number): number => 100 * quantileSorted(s, p);
    bins.push({ i, n: g.length, medianPct: q(0.5), lo68Pct: q(0.16), hi68Pct: q(0.84), lo95Pct: q(0.025), hi95Pct: q(0.975) });
  });
  return { name: names.name, label: names.label, edges: [...edges], bins, skipped };
}

/**
 * The binomial standard error of R_τ (percentage points): metrics.json's own
 * (which counts weights, Kish's n_eff), else from R and n for metrics
 * written before it was stored. The table and the R_τ chart both read it here.
 */
export function rStderrPct(p: PrecisionMetrics, tau: string): number | undefined {
  const r = p.R_pct[tau];
  if (r === undefined) return undefined;
  return (p.R_stderr_pct as Record<string, number> | undefined)?.[tau] ?? binomialStderrPct(r, p.n);
}

/**
 * The config keys whose values differ between runs, as dotted paths to
 * leaves (objects are walked, arrays and scalars compared as JSON), sorted;
 * with each run's value as JSON text, null where the key is absent or its
 * run does not read it (`applies`: a DNN's config.json holds the trees'
 * max_depth default, which says nothing about the DNN).
 */
export function configDifferences(
  configs: readonly (Readonly<Record<string, unknown>> | null)[],
  applies: (key: string, config: Readonly<Record<string, unknown>>) => boolean = () => true,
): { keys: string[]; values: (string | null)[][] } {
  const flat = configs.map((c) => {
    const f = c === null ? new Map<string, string>() : flatten(c);
    for (const k of [...f.keys()]) if (!applies(k, c!)) f.delete(k);
    return f;
  });
  if (configs.length < 2) return { keys: [], values: configs.map(() => []) };
  const all = new Set<string>();
  for (const f of flat) for (const k of f.keys()) all.add(k);
  const keys = [...all].filter((k) => new Set(flat.map((f) => f.get(k) ?? null)).size > 1).sort();
  return { keys, values: flat.map((f) => keys.map((k) => f.get(k) ?? null)) };
}

function flatten(obj: Readonly<Record<string, unknown>>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, JSON.stringify(v));
  }
  return out;
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ v. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/**
 * Half-width (percent) of the signed-δ histogram: the largest 99th percentile
 * of |δ| over the models, rounded up to 1-2-5, so every model has at least
 * 99 % of its points on the plot. A fixed range (metrics.json's ±2 %) would
 * squeeze a 0.03 %-wide BDT into two bins and push a poor network off the plot.
 */
export function sharedDeltaRangePct(deltas: readonly Float64Array[]): number {
  let widest = 0;
  for (const d of deltas) {
    const abs = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) abs[i] = Number.isNaN(d[i]) ? Infinity : Math.abs(d[i]);
    abs.sort();
    const q = quantileSorted(abs, 0.99);
    if (Number.isFinite(q) && q > widest) widest = q;
  }
  return niceCeil(100 * widest);
}

export const PULL_RANGE = 5;
export const PULL_BINS = 50;
/** Log bins of σ/|true| and |δ| in percent: 5 per decade from 10⁻⁶ % to 10³ %, metrics.json's |δ| bins. */
export const SIGMA_DELTA_EDGES_PCT: readonly number[] = logEdges(-6, 3, 5);

/**
 * Pulls t = (pred − true)/σ and relative σ against |δ|, for a model whose
 * predictions carry a per-point σ in the target's units. Points with σ ≤ 0 or
 * non-finite pulls are left out of the pull statistics (and counted in n only
 * if usable).
 */
export function uncertaintySummary(pred: Float64Array, truth: Float64Array, sigma: Float64Array): UncertaintySummary {
  if (pred.length !== truth.length || sigma.length !== truth.length) {
    throw new RangeError(`uncertaintySummary: ${pred.length} predictions, ${truth.length} truths, ${sigma.length} σ`);
  }
  const pulls: number[] = [];
  const nb = SIGMA_DELTA_EDGES_PCT.length - 1;
  const grid = new Float64Array(nb * nb);
  let outside = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = (pred[i] - truth[i]) / sigma[i];
    if (!(sigma[i] > 0) || !Number.isFinite(t)) continue;
    pulls.push(t);
    const s = (100 * sigma[i]) / Math.abs(truth[i]);
    const d = (100 * Math.abs(pred[i] - truth[i])) / Math.abs(truth[i]);
    const ix = logBin(s, SIGMA_DELTA_EDGES_PCT);
    const iy = logBin(d, SIGMA_DELTA_EDGES_PCT);
    if (ix < 0 || iy < 0) outside++;
    else grid[iy * nb + ix]++;
  }
  const n = pulls.length;
  let mean = 0;
  for (const t of pulls) mean += t;
  mean /= n;
  let ss = 0;
  let within = 0;
  for (const t of pulls) {
    ss += (t - mean) ** 2;
    if (Math.abs(t) < 1) within++;
  }
  const cells: { ix: number; iy: number; n: number }[] = [];
  for (let iy = 0; iy < nb; iy++) for (let ix = 0; ix < nb; ix++) if (grid[iy * nb + ix] > 0) cells.push({ ix, iy, n: grid[iy * nb + ix] });
  return {
    n,
    pullHistogram: histogram(Float64Array.from(pulls), linearEdges(-PULL_RANGE, PULL_RANGE, PULL_BINS)),
    pullMean: mean,
    pullStd: Math.sqrt(ss / n),
    within1Sigma: within / n,
    sigmaVsDelta: { sigmaEdgesPct: SIGMA_DELTA_EDGES_PCT, deltaEdgesPct: SIGMA_DELTA_EDGES_PCT, cells, outside },
  };
}

/** Bin of v among increasing edges, −1 outside [first, last). */
function logBin(v: number, edges: readonly number[]): number {
  return v >= edges[0] && v < edges[edges.length - 1] ? binIndex(v, edges) : -1;
}
