// Shared helpers for the bdt tests (not a test file itself).

import { getKernels, nativeAvailable } from '../../../src/kernels/index.js';
import type { Kernels } from '../../../src/kernels/types.js';
import { Booster } from '../../../src/models/gbdt/boost.js';
import type { Forest } from '../../../src/models/gbdt/forest.js';
import type { GbdtParams } from '../../../src/models/gbdt/params.js';
import type { TrainData } from '../../../src/models/regressor.js';
import { Rng } from '../../../src/util/rng.js';

export const PARAMS: GbdtParams = {
  maxBin: 256, maxDepth: 6, learningRate: 1, minChildWeight: 1, lambda: 1, gamma: 0,
  subsample: 1, colsampleBytree: 1, nEstimators: 1000, earlyStoppingRounds: 25,
};

/** The native kernels when built, else the reference (the bdt tests hold on either). */
export function kernels(): Kernels {
  return nativeAvailable() ? getKernels('native') : getKernels('typescript');
}

/** A one-feature data set: x values and targets (validation = training). */
export function data1d(x: number[], y: number[]): TrainData {
  return { d: 1, xTrain: Float64Array.from(x), yTrain: Float64Array.from(y), xVal: Float64Array.from(x), yVal: Float64Array.from(y) };
}

/** Trains `rounds` rounds and returns the forest of all of them. */
export function train(data: TrainData, params: Partial<GbdtParams>, rounds = 1, k: Kernels = kernels(), seed = 1): Forest {
  const b = Booster.start(k, data, { ...PARAMS, ...params }, new Rng(seed));
  for (let r = 0; r < rounds; r++) b.step();
  return b.forest.build();
}
