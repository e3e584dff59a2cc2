// Does f(g·x) = f(x) hold on data? Two ways to get the pairs it needs.
//
// With pairs of data points (pairs of files, or points matched inside one
// file): compare the target values directly — the data card's own test.
//
// With a trained model and held-out points (x, y): random data have no point
// at g·x, so compare the model there with the truth here. Let e(x) be the
// model's error. If the symmetry holds, y(x) = y(g·x), so
//   a = |f̂(x) − y(x)| / |y(x)|   and   b = |f̂(g·x) − y(x)| / |y(x)|
// are the model's errors at x and at g·x. For points uniform in the hypercube
// (which g maps onto itself) and independent of the training set, and g an
// involution (every reflection, swap and product of commuting ones), the pair
// (a, b) is exchangeable, so b > a and b < a are equally likely: a sign test.
// A violated symmetry adds |f(g·x) − f(x)| to b and makes b > a dominate.
// The test needs no threshold on the size of the violation, so a model far
// from the target's precision still tells symmetries from near-misses: its
// power grows with the number of points.

import { quantileSorted } from '../metrics/precision.js';
import { AmpfitError } from '../util/errors.js';
import { applyMap, compose, isIdentity, type SignedPermutation } from './coordinateMap.js';

export interface MapCheck {
  readonly name: string;
  readonly map: SignedPermutation;
}

export interface ViolationStats {
  /** Pairs compared. */
  readonly pairs: number;
  /** Quantiles of the relative difference |f(g·x) − f(x)| / |f(x)|, in percent. */
  readonly medianPct: number;
  readonly p90Pct: number;
  readonly maxPct: number;
}

/**
 * 'unresolved': no violation was found, but the model barely changes under the
 * map (its median |f̂(g·x) − f̂(x)| is below UNRESOLVED_RATIO of its own
 * median error), so it may simply not resolve what the map changes — an
 * under-trained model is nearly invariant under everything.
 */
export type Verdict = 'holds' | 'violated' | 'unresolved' | 'no pairs';

export const UNRESOLVED_RATIO = 0.1;

export interface ModelCheckResult extends ViolationStats {
  readonly name: string;
  readonly method: 'model';
  /** The model's own median |δ| at the points, in percent: the check's resolution. */
  readonly resolutionPct: number;
  /** Median of b (the model at g·x against the truth at x), in percent. */
  readonly mirroredMedianPct: number;
  /** Sign-test z = (#(b > a) − #(b < a)) / √(#(b > a) + #(b < a)); ≈ N(0, 1) when the symmetry holds. */
  readonly z: number;
  readonly verdict: Verdict;
  /** The map is not its own inverse, so the sign test's exchangeability argument is approximate. */
  readonly approximate: boolean;
}

export interface PairCheckResult extends ViolationStats {
  readonly name: string;
  readonly method: 'pairs';
  /** Points for which no partner at g·x was found. */
  readonly unmatched: number;
  readonly tolerancePct: number;
  readonly verdict: Verdict;
}

/** Default sign-test threshold: a true symmetry is called violated with probability ~3e-5. */
export const DEFAULT_Z_MAX = 4;
/** Default relative tolerance of the pair check: rounding-level agreement, as the data card finds (≤ 2.5e-10). */
export const DEFAULT_PAIR_TOLERANCE_PCT = 1e-6;

export function checkWithModel(
  predict: (x: Float64Array, n: number) => Float64Array,
  x: Float64Array,
  y: Float64Array,
  d: number,
  maps: readonly MapCheck[],
  zMax = DEFAULT_Z_MAX,
): ModelCheckResult[] {
  const n = y.length;
  if (n === 0) throw new AmpfitError('symmetry check: no points to check on');
  const at = predict(x, n);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(at[i] - y[i]) / Math.abs(y[i]);
  const resolutionPct = 100 * quantile(a, 0.5);
  return maps.map(({ name, map }) => {
    if (map.src.length !== d) throw new AmpfitError(`symmetry '${name}' acts on ${map.src.length} coordinates, the data have ${d}`);
    const mirrored = predict(applyMap(map, x, n), n);
    const b = new Float64Array(n);
    const apparent = new Float64Array(n);
    let above = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      b[i] = Math.abs(mirrored[i] - y[i]) / Math.abs(y[i]);
      apparent[i] = Math.abs(mirrored[i] - at[i]) / Math.abs(at[i]);
      if (b[i] > a[i]) above++;
      else if (b[i] < a[i]) below++;
    }
    const z = above + below === 0 ? 0 : (above - below) / Math.sqrt(above + below);
    const s = stats(apparent);
    return {
      name,
      method: 'model',
      ...s,
      resolutionPct,
      mirroredMedianPct: 100 * quantile(b, 0.5),
      z,
      verdict: z >= zMax ? 'violated' : s.medianPct < UNRESOLVED_RATIO * resolutionPct ? 'unresolved' : 'holds',
      approximate: !isIdentity(compose(map, map)),
    };
  });
}

/**
 * Pairs every point of A with the point of B at g·x (coordinates within
 * `coordTol`) and compares the targets. A and B may be the same data (points
 * matched inside one file).
 */
export function checkWithPairs(
  a: { x: Float64Array; y: Float64Array },
  b: { x: Float64Array; y: Float64Array },
  d: number,
  maps: readonly MapCheck[],
  opts: { coordTol?: number; tolerancePct?: number } = {},
): PairCheckResult[] {
  const coordTol = opts.coordTol ?? 1e-9;
  const tolerancePct = opts.tolerancePct ?? DEFAULT_PAIR_TOLERANCE_PCT;
  const index = new PointIndex(b.x, b.y.length, d, coordTol);
  const nA = a.y.length;
  return maps.map(({ name, map }) => {
    const images = applyMap(map, a.x, nA);
    const diffs: number[] = [];
    let unmatched = 0;
    for (let i = 0; i < nA; i++) {
      const k = index.find(images, i);
      if (k < 0) {
        unmatched++;
        continue;
      }
      diffs.push(Math.abs(b.y[k] - a.y[i]) / Math.abs(a.y[i]));
    }
    if (diffs.length === 0) {
      return { name, method: 'pairs', pairs: 0, unmatched, medianPct: NaN, p90Pct: NaN, maxPct: NaN, tolerancePct, verdict: 'no pairs' };
    }
    const s = stats(Float64Array.from(diffs));
    return { name, method: 'pairs', ...s, unmatched, tolerancePct, verdict: s.maxPct <= tolerancePct ? 'holds' : 'violated' };
  });
}

/** Points sorted by their first coordinate; a lookup scans the rows within the tolerance of it. */
class PointIndex {
  private readonly order: Uint32Array;
  private readonly first: Float64Array;

  constructor(private readonly x: Float64Array, n: number, private readonly d: number, private readonly tol: number) {
    this.order = Uint32Array.from({ length: n }, (_, i) => i).sort((p, q) => x[p * d] - x[q * d]);
    this.first = Float64Array.from(this.order, (i) => x[i * d]);
  }

  /** Index of a point within tol of row `row` of q in every coordinate, or −1. */
  find(q: Float64Array, row: number): number {
    const d = this.d;
    const v = q[row * d];
    let lo = 0;
    let hi = this.first.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.first[mid] < v - this.tol) lo = mid + 1;
      else hi = mid;
    }
    for (let r = lo; r < this.first.length && this.first[r] <= v + this.tol; r++) {
      const k = this.order[r];
      let ok = true;
      for (let j = 1; j < d && ok; j++) ok = Math.abs(this.x[k * d + j] - q[row * d + j]) <= this.tol;
      if (ok) return k;
    }
    return -1;
  }
}

function stats(rel: Float64Array): ViolationStats {
  const s = Float64Array.from(rel).sort();
  return { pairs: s.length, medianPct: 100 * quantileSorted(s, 0.5), p90Pct: 100 * quantileSorted(s, 0.9), maxPct: 100 * s[s.length - 1] };
}

function quantile(v: Float64Array, q: number): number {
  return quantileSorted(Float64Array.from(v).sort(), q);
}
