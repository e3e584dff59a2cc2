// The angle-averaged target an angular model implies at production points:
// its y0 = ratio of the angular means (src/nn/structuredNetwork.ts). For
// zz8d's Born ratio that is the quantity zz4d tabulates, so comparing the two
// checks the physics of a model trained on 8D data against data it never saw.

import { StructuredNetwork } from '../nn/structuredNetwork.js';
import { AmpfitError } from '../util/errors.js';
import { NeuralRegressor } from './neural.js';
import type { Regressor } from './regressor.js';
import { SymmetricRegressor } from './symmetric.js';

/**
 * y0 at n rows of x (full rows; the decay-angle columns are ignored). A
 * symmetric model averages y0 over the orbit of each point (the group maps
 * production points to production points and decay angles to decay angles).
 */
export function angularMeans(regressor: Regressor, x: Float64Array, n: number): Float64Array {
  if (regressor instanceof SymmetricRegressor) {
    const g = regressor.group;
    return g.averageOrbits(angularMeans(regressor.inner, g.orbits(x, n), n * g.order), n);
  }
  if (regressor instanceof NeuralRegressor && regressor.network instanceof StructuredNetwork) return regressor.network.angularMean(x, n);
  throw new AmpfitError(`this ${regressor.type} model has no angular head (config angular), so it has no angle-averaged prediction`);
}
