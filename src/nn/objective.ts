// What the Trainer minimises. The Trainer owns batching, Adam, schedules,
// early stopping, checkpoints and time budgets; an Objective owns the
// trainable vector, the loss and its gradient, and the validation loss early
// stopping watches. Paper 1's MSE is the default; the learned-uncertainty
// objectives (src/uncertainty/: heteroscedastic, Bayesian, ensembles) plug in
// here without a second training loop.

import type { RegressionMetrics } from './evaluate.js';
import { regressionMetrics } from './evaluate.js';
import type { TrainableNetwork } from './trainable.js';

export interface Objective {
  /** Short name for logs and snapshots: "mse", "heteroscedastic", ... */
  readonly name: string;
  /** Everything Adam updates, as one flat vector. Write in place only. */
  readonly params: Float64Array;
  /** dLoss/dparams of the last lossAndGradient(), same layout. */
  readonly grads: Float64Array;
  /** Whether lossAndGradient and evaluate honour sample weights (the Trainer refuses weights otherwise). */
  readonly takesSampleWeights: boolean;
  /** Loss of one batch of m rows (x m×inputDim, y m, w m sample weights or null); overwrites grads. */
  lossAndGradient(x: Float64Array, y: Float64Array, m: number, w?: Float64Array | null): number;
  /**
   * Validation in chunks: `mse` holds the loss early stopping minimises (the
   * MSE for paper 1's objective, the mean NLL for uncertainty objectives);
   * r2 is that of the mean prediction.
   */
  evaluate(x: Float64Array, y: Float64Array, chunkRows: number, w?: Float64Array | null): RegressionMetrics;
  /** JSON state beyond params that evolves during training (e.g. a sampling Rng), for exact resumption. */
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Paper 1: mean over the batch of (f − y)², as Keras' MSE; with sample weights, of w·(f − y)² (Keras' sample_weight). */
export class MseObjective implements Objective {
  readonly name = 'mse';
  readonly takesSampleWeights = true;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private dOut = new Float64Array(0);

  constructor(readonly network: TrainableNetwork) {
    this.params = network.params;
    this.grads = network.grads;
  }

  lossAndGradient(x: Float64Array, y: Float64Array, m: number, w: Float64Array | null = null): number {
    const f = this.network.forward(x, m);
    // Grown only: backward() reads the first m values, so a short last batch reuses it.
    if (this.dOut.length < m) this.dOut = new Float64Array(m);
    const dOut = this.dOut;
    // dL/df = 2(f − y)/m (times w).
    const scale = 2 / m;
    let sse = 0;
    if (w === null) {
      for (let i = 0; i < m; i++) {
        const e = f[i] - y[i];
        sse += e * e;
        dOut[i] = scale * e;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const e = f[i] - y[i];
        sse += w[i] * e * e;
        dOut[i] = scale * w[i] * e;
      }
    }
    this.network.backward(dOut);
    return sse / m;
  }

  evaluate(x: Float64Array, y: Float64Array, chunkRows: number, w: Float64Array | null = null): RegressionMetrics {
    return regressionMetrics(this.network, x, y, chunkRows, w);
  }
}
