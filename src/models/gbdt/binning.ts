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
  const v = new Float32Array(n);
  const keys = new Uint32Array(v.buffer);
  const tmp = new Uint32Array(n);
  const count = new Int32Array(65537);
  for (let f = 0; f < d; f++) {
    for (let i = 0; i < n; i++) v[i] = x[i * d + f];
    sortFloat32(v, keys, tmp, count);
    thresholds.push(featureCuts(v, maxBin));
  }
  const binOffset = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) binOffset[f + 1] = binOffset[f] + thresholds[f].length + 1;
  return { thresholds, binOffset };
}

/**
 * The ordered key of each float32 bit pattern: unsigned comparison of keys is
 * the numeric order of the values (−0 just below +0, NaN above +∞, as
 * Float64Array.prototype.sort places them).
 */
function toKeys(u: Uint32Array): void {
  for (let i = 0; i < u.length; i++) {
    const b = u[i];
    u[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
}

/** Sorts the float32 values of v (keys: a Uint32Array view of v) ascending: LSD radix sort on their ordered keys, two 16-bit passes. */
function sortFloat32(v: Float32Array, keys: Uint32Array, tmp: Uint32Array, count: Int32Array): void {
  const n = v.length;
  toKeys(keys);
  count.fill(0);
  for (let i = 0; i < n; i++) count[(keys[i] & 0xffff) + 1]++;
  for (let k = 1; k <= 65536; k++) count[k] += count[k - 1];
  for (let i = 0; i < n; i++) tmp[count[keys[i] & 0xffff]++] = keys[i];
  count.fill(0);
  for (let i = 0; i < n; i++) count[(tmp[i] >>> 16) + 1]++;
  for (let k = 1; k <= 65536; k++) count[k] += count[k - 1];
  for (let i = 0; i < n; i++) keys[count[tmp[i] >>> 16]++] = tmp[i];
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    keys[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

/** Thresholds for one feature's sorted float32 values. */
function featureCuts(sorted: Float32Array, maxBin: number): Float32Array {
  const n = sorted.length;
  const out: number[] = [];
  // A run of equal values starts at i = 0 and wherever sorted[i] !== sorted[i − 1].
  let distinct = 1;
  for (let i = 1; i < n && distinct <= maxBin; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBin) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) out.push(threshold(sorted[i - 1], sorted[i]));
  } else {
    // Bin q of maxBin should end near rank (q+1)·n/maxBin: cut before the
    // first run that starts at or after that rank (and after the previous
    // cut's run), skipping repeats.
    let pos = 0;
    for (let q = 1; q < maxBin; q++) {
      pos = Math.max(pos + 1, Math.ceil((q * n) / maxBin));
      while (pos < n && sorted[pos] === sorted[pos - 1]) pos++;
      if (pos >= n) break;
      const t = threshold(sorted[pos - 1], sorted[pos]);
      if (out.length === 0 || t > out[out.length - 1]) out.push(t);
    }
  }
  return Float32Array.from(out);
}

/** A float32 t with lo < t ≤ hi, near the middle (lo < hi are float32 values). */
export function threshold(lo: number, hi: number): number {
  const mid = Math.fround(lo + (hi - lo) / 2);
  return mid > lo && mid <= hi ? mid : hi;
}

/**
 * bin(x) for every value of the n×d matrix x: row-major, Uint8Array when
 * every feature has ≤ 256 bins. bin(x) = the number of thresholds ≤ float32(x)
 * (NaN, never in ampfit's data, lands in bin 0), found from a table over the
 * top 16 bits of float32(x)'s ordered key: start at the number of thresholds
 * whose key lies below the value's 2^16-wide key range (all of them are ≤ the
 * value) and step over the few thresholds inside that range.
 */
export function binRows(x: Float64Array, n: number, d: number, cuts: BinCuts): BinMatrix {
  const wide = cuts.thresholds.some((t) => t.length + 1 > 256);
  const out: BinMatrix = wide ? new Uint16Array(n * d) : new Uint8Array(n * d);
  const v = new Float32Array(n);
  const keys = new Uint32Array(v.buffer);
  const below = new Int32Array(65536);
  for (let f = 0; f < d; f++) {
    const t = cuts.thresholds[f];
    const m = t.length;
    const tk = new Uint32Array(Float32Array.from(t).buffer);
    toKeys(tk);
    for (let b = 0, j = 0; b < 65536; b++) {
      const start = b * 65536;
      while (j < m && tk[j] < start) j++;
      below[b] = j;
    }
    for (let i = 0; i < n; i++) v[i] = x[i * d + f];
    for (let i = 0; i < n; i++) {
      const b = keys[i];
      const value = v[i];
      let bin = below[(b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0) >>> 16];
      while (bin < m && t[bin] <= value) bin++;
      out[i * d + f] = value === value ? bin : 0;
    }
  }
  return out;
}

/** The n×d row-major bin matrix column-major (feature f of row r at f·n + r), for row partitioning. */
export function binColumns(bins: BinMatrix, n: number, d: number): BinMatrix {
  const out: BinMatrix = bins instanceof Uint16Array ? new Uint16Array(n * d) : new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const col = f * n;
    for (let i = 0, at = f; i < n; i++, at += d) out[col + i] = bins[at];
  }
  return out;
}
