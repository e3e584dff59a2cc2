// The MSE of an angular model plus the Born-shape term (structuredNetwork.ts):
//   L = mean (f − t)² + w · mean (s + ln Q/scale − z)²,
// z the row's standardised ln Born. The ratio f01/f00 fixes the Born's
// angular shape Q only through the target's angular variation, a weak and
// badly conditioned signal; the Born itself, known at every training point,
// is exactly linear in the same harmonics and pins Q directly. Both terms
// have the same minimum (Q = the true shape), so the extra term changes where
// training goes, not where it ends. Validation (early stopping) is the MSE of
// the target alone.

import { regressionMetrics, type RegressionMetrics } from './evaluate.js';
import type { Objective } from './objective.js';
import type { StructuredNetwork } from './structuredNetwork.js';

export const BORN_SHAPE_OBJECTIVE = 'mse+born-shape';

export class BornShapeObjective implements Objective {
  readonly name = BORN_SHAPE_OBJECTIVE;
  readonly takesSampleWeights = false;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private dOut = new Float64Array(0);
  private dBorn = new Float64Array(0);
  private readonly column: number;

  constructor(readonly network: StructuredNetwork, readonly weight: number) {
    if (network.born === null) throw new RangeError('BornShapeObjective: the network has no Born-shape output');
    this.column = network.born.column;
    this.params = network.params;
    this.grads = network.grads;
  }

  lossAndGradient(x: Float64Array, y: Float64Array, m: number): number {
    const f = this.network.forward(x, m);
    const born = this.network.bornPredictions();
    if (this.dOut.length < m) {
      this.dOut = new Float64Array(m);
      this.dBorn = new Float64Array(m);
    }
    const d = this.network.inputDim;
    const scale = 2 / m;
    let sse = 0;
    let bornSse = 0;
    for (let i = 0; i < m; i++) {
      const e = f[i] - y[i];
      sse += e * e;
      this.dOut[i] = scale * e;
      const eb = born[i] - x[i * d + this.column];
      bornSse += eb * eb;
      this.dBorn[i] = this.weight * scale * eb;
    }
    this.network.backwardWithBorn(this.dOut, this.dBorn);
    return (sse + this.weight * bornSse) / m;
  }

  evaluate(x: Float64Array, y: Float64Array, chunkRows: number): RegressionMetrics {
    return regressionMetrics(this.network, x, y, chunkRows);
  }
}
