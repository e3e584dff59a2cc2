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
  /** Loss of one batch of m rows (x m×inputDim, y m); overwrites grads. */
  lossAndGradient(x: Float64Array, y: Float64Array, m: number): number;
  /**
   * Validation in chunks: `mse` holds the loss early stopping minimises (the
   * MSE for paper 1's objective, the mean NLL for uncertainty objectives);
   * r2 is that of the mean prediction.
   */
  evaluate(x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics;
  /** JSON state beyond params that evolves during training (e.g. a sampling Rng), for exact resumption. */
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Paper 1: mean over the batch of (f − y)², as Keras' MSE. */
export class MseObjective implements Objective {
  readonly name = 'mse';
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private dOut = new Float64Array(0);

  constructor(readonly network: TrainableNetwork) {
    this.params = network.params;
    this.grads = network.grads;
  }

  lossAndGradient(x: Float64Array, y: Float64Array, m: number): number {
    const f = this.network.forward(x, m);
    // Grown only: backward() reads the first m values, so a short last batch reuses it.
    if (this.dOut.length < m) this.dOut = new Float64Array(m);
    const dOut = this.dOut;
    // dL/df = 2(f − y)/m.
    const scale = 2 / m;
    let sse = 0;
    for (let i = 0; i < m; i++) {
      const e = f[i] - y[i];
      sse += e * e;
      dOut[i] = scale * e;
    }
    this.network.backward(dOut);
    return sse / m;
  }

  evaluate(x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics {
    return regressionMetrics(this.network, x, y, chunkRows);
  }
}
