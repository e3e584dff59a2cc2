// Loss metrics over a whole data set, computed in chunks so a validation set
// of millions of rows never needs per-layer buffers of millions of rows.

import { PREDICT_CHUNK_ROWS } from './network.js';
import type { TrainableNetwork } from './trainable.js';

export interface RegressionMetrics {
  readonly n: number;
  /** Mean squared error. */
  readonly mse: number;
  /** Coefficient of determination 1 − SSE/(N σ²) (paper 1, eq. 5); NaN if y is constant. */
  readonly r2: number;
}

export function regressionMetrics(
  network: Pick<TrainableNetwork, 'inputDim' | 'infer'> & { readonly outputDim?: number }, x: Float64Array, y: Float64Array, chunkRows = PREDICT_CHUNK_ROWS,
  w: Float64Array | null = null,
): RegressionMetrics {
  const n = y.length;
  const d = network.inputDim;
  if (x.length !== n * d) throw new RangeError(`regressionMetrics: x has ${x.length} values, expected ${n}×${d}`);
  if (w !== null && w.length !== n) throw new RangeError(`regressionMetrics: ${w.length} weights for ${n} rows`);
  if (network.outputDim !== undefined && network.outputDim !== 1) throw new RangeError(`regressionMetrics: the network has ${network.outputDim} outputs, the MSE needs 1`);
  if (n === 0) return { n, mse: NaN, r2: NaN };
  // Without weights every row weighs 1 and the sums below are the plain ones, term for term.
  let sum = 0;
  let total = n;
  if (w === null) for (let i = 0; i < n; i++) sum += y[i];
  else {
    total = 0;
    for (let i = 0; i < n; i++) {
      sum += w[i] * y[i];
      total += w[i];
    }
  }
  const mean = sum / total;
  let sst = 0;
  let sse = 0;
  for (let r = 0; r < n; r += chunkRows) {
    const m = Math.min(chunkRows, n - r);
    const f = network.infer(x.subarray(r * d, (r + m) * d), m);
    // Per-chunk partial sums keep the rounding error of the total small.
    let chunkSse = 0;
    let chunkSst = 0;
    for (let i = 0; i < m; i++) {
      const e = f[i] - y[r + i];
      const c = y[r + i] - mean;
      if (w === null) {
        chunkSse += e * e;
        chunkSst += c * c;
      } else {
        chunkSse += w[r + i] * e * e;
        chunkSst += w[r + i] * c * c;
      }
    }
    sse += chunkSse;
    sst += chunkSst;
  }
  return { n, mse: sse / total, r2: sst > 0 ? 1 - sse / sst : NaN };
}
