// Reference gradient histograms (Kernels.histBuild, histSubtract). The
// summation order is the contract: per bin, the node's rows in rows order;
// nodes longer than HIST_BLOCK_ROWS per block, block sums added in block
// order. native/kernels/hist.c adds in exactly this order, so both backends
// give the same bits whatever the thread count.

import { rangeError } from './checks.js';
import { HIST_BLOCK_ROWS, type BinMatrix } from './types.js';

/** Adds the gradient pairs of rows[from..to) into the histogram at out[base..]. */
export function accumulateRows(
  fn: string, bins: BinMatrix, d: number, binOffset: Int32Array, gpair: Float64Array, rows: Uint32Array,
  from: number, to: number, out: Float64Array, base: number,
): void {
  const n = bins.length / d;
  for (let i = from; i < to; i++) {
    const r = rows[i];
    if (r >= n) throw rangeError(fn, `rows holds a row index >= n = ${n}`);
    const g = gpair[2 * r];
    const h = gpair[2 * r + 1];
    for (let f = 0; f < d; f++) {
      const b = bins[r * d + f];
      if (b >= binOffset[f + 1] - binOffset[f]) throw rangeError(fn, "bins holds a bin index beyond its feature's bins");
      const at = base + 2 * (binOffset[f] + b);
      out[at] += g;
      out[at + 1] += h;
    }
  }
}

export function histBuild(
  bins: BinMatrix, d: number, binOffset: Int32Array, gpair: Float64Array, rows: Uint32Array,
  begin: Int32Array, end: Int32Array, slot: Int32Array, hist: Float64Array,
): void {
  const width = 2 * binOffset[d];
  let partial: Float64Array | null = null;
  for (let j = 0; j < begin.length; j++) {
    const base = width * slot[j];
    hist.fill(0, base, base + width);
    if (end[j] - begin[j] <= HIST_BLOCK_ROWS) {
      accumulateRows('histBuild', bins, d, binOffset, gpair, rows, begin[j], end[j], hist, base);
      continue;
    }
    partial ??= new Float64Array(width);
    for (let from = begin[j], block = 0; from < end[j]; from += HIST_BLOCK_ROWS, block++) {
      partial.fill(0);
      accumulateRows('histBuild', bins, d, binOffset, gpair, rows, from, Math.min(end[j], from + HIST_BLOCK_ROWS), partial, 0);
      if (block === 0) hist.set(partial, base);
      else for (let t = 0; t < width; t++) hist[base + t] += partial[t];
    }
  }
}

export function histSubtract(hist: Float64Array, nBins: number, dst: Int32Array, a: Int32Array, b: Int32Array): void {
  const width = 2 * nBins;
  for (let j = 0; j < dst.length; j++) {
    const o = width * dst[j];
    const p = width * a[j];
    const q = width * b[j];
    for (let t = 0; t < width; t++) hist[o + t] = hist[p + t] - hist[q + t];
  }
}
