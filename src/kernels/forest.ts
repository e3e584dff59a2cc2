// Reference forest prediction (Kernels.forestPredict): one row at a time,
// trees in order, XGBoost's decision rule float32(x) < threshold. Child links
// are checked as they are followed (a child lies after its parent inside its
// tree), so a corrupt forest fails instead of looping or reading out of range.

import { rangeError } from './checks.js';
import type { BinMatrix } from './types.js';

export function forestPredict(
  x: Float64Array, n: number, d: number, treeOffset: Int32Array, feature: Uint16Array,
  threshold: Float32Array, left: Int32Array, value: Float64Array, base: number, out: Float64Array,
): void {
  const nTrees = treeOffset.length - 1;
  for (let i = 0; i < n; i++) {
    let s = base;
    const row = i * d;
    for (let t = 0; t < nTrees; t++) {
      const off = treeOffset[t];
      const size = treeOffset[t + 1] - off;
      let node = 0;
      for (;;) {
        const l = left[off + node];
        if (l < 0) break;
        if (!(l > node && l + 1 < size)) throw rangeError('forestPredict', 'a child index is out of range (children follow their parent inside its tree)');
        const f = feature[off + node];
        if (f >= d) throw rangeError('forestPredict', "a node's feature is >= d");
        node = Math.fround(x[row + f]) < threshold[off + node] ? l : l + 1;
      }
      s += value[off + node];
    }
    out[i] = s;
  }
}

/** One tree on binned rows (Kernels.treePredictBinned); the tree was checked by checkTreePredictBinned. */
export function treePredictBinned(
  bins: BinMatrix, d: number, feature: Int32Array, bin: Int32Array, left: Int32Array, value: Float64Array, out: Float64Array,
): void {
  const n = bins.length / d;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let node = 0;
    for (let l = left[0]; l >= 0; l = left[node]) node = bins[row + feature[node]] <= bin[node] ? l : l + 1;
    out[i] = value[node];
  }
}
