// Reference row partitioning and leaf updates (Kernels.partition, leafAdd).
// A stable partition has exactly one result, so the native side may split
// the work any way it likes and still give the same rows. Partitioning reads
// the bins column-major (one feature per split, rows ascending in a node).

import { rangeError } from './checks.js';
import type { BinMatrix } from './types.js';

export function partition(
  columns: BinMatrix, n: number, rows: Uint32Array, begin: Int32Array, end: Int32Array,
  feature: Int32Array, bin: Int32Array, mid: Int32Array,
): void {
  const right: number[] = [];
  for (let j = 0; j < begin.length; j++) {
    const col = feature[j] * n;
    const sb = bin[j];
    right.length = 0;
    let w = begin[j];
    for (let i = begin[j]; i < end[j]; i++) {
      const r = rows[i];
      if (r >= n) throw rangeError('partition', `rows holds a row index >= n = ${n}`);
      if (columns[col + r] <= sb) rows[w++] = r;
      else right.push(r);
    }
    mid[j] = w;
    for (const r of right) rows[w++] = r;
  }
}

export function leafAdd(rows: Uint32Array, begin: Int32Array, end: Int32Array, value: Float64Array, pred: Float64Array): void {
  for (let j = 0; j < begin.length; j++) {
    const v = value[j];
    for (let i = begin[j]; i < end[j]; i++) {
      const r = rows[i];
      if (r >= pred.length) throw rangeError('leafAdd', `rows holds a row index >= pred.length = ${pred.length}`);
      pred[r] += v;
    }
  }
}
