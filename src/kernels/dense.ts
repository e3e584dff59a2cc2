// Reference dense layer, forward and backward, as plain loops. The summation
// order (over p for z, over the batch for gw and gb, over outputs for dx) is
// the native kernels' on one thread; they differ by fused multiply-adds and,
// on several threads, by adding per-thread partial sums of gw and gb.

import { activateArray, backpropArray } from './activations.js';

export function denseForward(
  x: Float64Array, n: number, nIn: number, w: Float64Array, b: Float64Array | null,
  nOut: number, code: number, param: number, residual: Float64Array | null,
  z: Float64Array, y: Float64Array,
): void {
  const acc = new Float64Array(nOut);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let p = 0; p < nIn; p++) {
      const xip = x[i * nIn + p];
      const row = p * nOut;
      for (let j = 0; j < nOut; j++) acc[j] += xip * w[row + j];
    }
    const out = i * nOut;
    for (let j = 0; j < nOut; j++) {
      let v = acc[j];
      if (b !== null) v += b[j];
      // residual is read before z is written, so residual may be z (or y).
      if (residual !== null) v += residual[out + j];
      z[out + j] = v;
    }
  }
  activateArray(code, param, z, y);
}

export function denseBackward(
  x: Float64Array, n: number, nIn: number, w: Float64Array, nOut: number,
  code: number, param: number, z: Float64Array, dy: Float64Array, dz: Float64Array,
  dx: Float64Array | null, gw: Float64Array, gb: Float64Array | null, accumulate: boolean,
): void {
  backpropArray(code, param, z, dy, dz);

  if (gb !== null) {
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += dz[i * nOut + j];
      gb[j] = accumulate ? gb[j] + s : s;
    }
  }

  // gw = x^T dz, each element summed over the batch in order.
  const sums = new Float64Array(nIn * nOut);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < nIn; p++) {
      const xip = x[i * nIn + p];
      const row = p * nOut;
      for (let j = 0; j < nOut; j++) sums[row + j] += xip * dz[i * nOut + j];
    }
  }
  for (let t = 0; t < sums.length; t++) gw[t] = accumulate ? gw[t] + sums[t] : sums[t];

  if (dx !== null) {
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < nIn; p++) {
        let s = 0;
        for (let j = 0; j < nOut; j++) s += dz[i * nOut + j] * w[p * nOut + j];
        dx[i * nIn + p] = s;
      }
    }
  }
}
