import type { BinMatrix } from '../../kernels/types.js';
import { AmpfitError } from '../../util/errors.js';

// Quantile binning of the inputs. Every decision of a tree is
// float32(x) < threshold (XGBoost's rule, params.ts), so binning works on the
// float32-rounded values from the start: bin(x) = number of thresholds ≤
// float32(x), and "left iff bin ≤ b" is then exactly "left iff float32(x) <
// threshold[b]" for training, validation and any later input alike.
//
// Cut points are exact quantiles from sorting the training values (at our
// sizes — up to millions of rows per feature — a sort costs well under a
// second, and exact quantiles are never worse than XGBoost's sketch). Each
// threshold lies between two adjacent distinct float32 values lo < hi of the
// training data: the float32 nearest their midpoint when that is above lo,
// else hi. It is a float32 value, so it survives an export to XGBoost's
// float32 split conditions unchanged.

export interface BinCuts {
  /** Per feature, the ascending float32 thresholds; feature f has thresholds[f].length + 1 bins. */
  readonly thresholds: readonly Float32Array[];
  /** Feature f's bins at binOffset[f] .. binOffset[f+1]) of a node histogram. */
  readonly binOffset: Int32Array;
}

/** At most maxBin bins per feature, from quantiles of the n×d training matrix x. */
export function computeCuts(x: Float64Array, n: number, d: number, maxBin: number): BinCuts {
  if (n === 0) throw new AmpfitError('bdt: no training rows to bin');
  const thresholds: Float32Array[] = [];
  const v = new Float64Array(n);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) v[i] = Math.fround(x[i * d + f]);
    v.sort();
    thresholds.push(featureCuts(v, maxBin));
  }
  const binOffset = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) binOffset[f + 1] = binOffset[f] + thresholds[f].length + 1;
  return { thresholds, binOffset };
}

/** Thresholds for one feature's sorted float32 values. */
function featureCuts(sorted: Float64Array, maxBin: number): Float32Array {
  const n = sorted.length;
  // Start index of each run of equal values.
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) starts.push(i);
  const out: number[] = [];
  if (starts.length <= maxBin) {
    for (let k = 1; k < starts.length; k++) out.push(threshold(sorted[starts[k] - 1], sorted[starts[k]]));
  } else {
    // Bin q of maxBin should end near rank (q+1)·n/maxBin: cut before the
    // first run that starts at or after that rank, skipping repeats.
    let k = 1;
    for (let q = 1; q < maxBin; q++) {
      const rank = (q * n) / maxBin;
      while (k < starts.length && starts[k] < rank) k++;
      if (k >= starts.length) break;
      const t = threshold(sorted[starts[k] - 1], sorted[starts[k]]);
      if (out.length === 0 || t > out[out.length - 1]) out.push(t);
      k++;
    }
  }
  return Float32Array.from(out);
}

/** A float32 t with lo < t ≤ hi, near the middle (lo < hi are float32 values). */
export function threshold(lo: number, hi: number): number {
  const mid = Math.fround(lo + (hi - lo) / 2);
  return mid > lo && mid <= hi ? mid : hi;
}

/** bin(x) for every value of the n×d matrix x: row-major, Uint8Array when every feature has ≤ 256 bins. */
export function binRows(x: Float64Array, n: number, d: number, cuts: BinCuts): BinMatrix {
  const wide = cuts.thresholds.some((t) => t.length + 1 > 256);
  const out: BinMatrix = wide ? new Uint16Array(n * d) : new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const t = cuts.thresholds[f];
    for (let i = 0; i < n; i++) {
      const v = Math.fround(x[i * d + f]);
      // Upper bound: the number of thresholds ≤ v (NaN, never in ampfit's data, would land in bin 0).
      let lo = 0;
      let hi = t.length;
      while (lo < hi) {
        const m = (lo + hi) >>> 1;
        if (t[m] <= v) lo = m + 1;
        else hi = m;
      }
      out[i * d + f] = lo;
    }
  }
  return out;
}
