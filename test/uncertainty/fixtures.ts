// Synthetic data with known heteroscedastic noise, and a small training run
// of each uncertainty method on it, shared by the uncertainty tests.

import { glorotUniform, makeNetworkConfig, Network, Trainer } from '../../src/nn/index.js';
import type { TrainData } from '../../src/models/regressor.js';
import type { UncertainRegressor } from '../../src/uncertainty/regressor.js';
import { uncertainRegressorOf, uncertaintyObjective } from '../../src/uncertainty/setup.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels } from '../nn/helpers.js';

/** The true noise width at x (d = 2): 0.02 at x1 = 0 rising to 0.10 at x1 = 1. */
export function trueSigma(x: Float64Array, i: number): number {
  return 0.02 + 0.08 * x[2 * i];
}

/** n points y = sin(3 x1) + x2² + σ(x)·ε, ε ~ N(0, 1). */
export function noisyData(seed: string, n: number): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: 2 * n }, () => rng.uniform());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(3 * x[2 * i]) + x[2 * i + 1] ** 2 + trueSigma(x, i) * rng.normal();
  return { x, y };
}

export type Method = 'heteroscedastic' | 'bnn' | 'ensemble';

export interface TrainedModel {
  readonly model: UncertainRegressor;
  readonly epochs: number;
}

/** A DNN 2-24 (silu) trained on 3000 noisy points for `epochs` one-pass epochs, batch 100, on the TypeScript kernels. */
export async function trainSmall(method: Method, epochs: number, extra: { beta?: number | null; members?: number; lastLayerOnly?: boolean; calibrate?: boolean } = {}): Promise<TrainedModel> {
  const train = noisyData('train', 3000);
  const val = noisyData('val', 500);
  const data: TrainData = { d: 2, xTrain: train.x, yTrain: train.y, xVal: val.x, yVal: val.y };
  const config = {
    uncertainty: method, bnn_prior_width: 1, bnn_last_layer_only: extra.lastLayerOnly ?? false, bnn_samples: 20,
    ensemble_members: extra.members ?? 3, ensemble_beta: extra.beta ?? null, calibrate_sigma: extra.calibrate ?? true, seed: 5,
  } as const;
  const rng = new Rng(5);
  const net = new Network(makeNetworkConfig({ type: 'dnn', inputDim: 2, depth: 2, width: 24, activation: 'silu', outputs: 2 }), referenceKernels);
  glorotUniform(net.plan, net.params, rng.fork('init'));
  const objective = uncertaintyObjective(config, train.y.length, rng.fork('uncertainty'));
  if (objective === undefined) throw new Error('no objective');
  const trainer = new Trainer(net, data, {
    maxEpochs: epochs, batchSize: 100, stepsPerEpoch: null, patience: null,
    schedule: { kind: 'exponential', initialLr: 3e-3, finalLr: 3e-4, decayEpochs: epochs },
    rng: rng.fork('batches'), objective: objective(net),
  });
  const result = await trainer.run();
  return { model: uncertainRegressorOf(trainer.objective, config, data, memoryLogger()), epochs: result.epochs };
}
