// Parameter initialisation. Paper 1 uses Glorot (Xavier) initialisation, in
// Keras' default form for Dense layers: weights ~ U(−limit, limit) with
// limit = sqrt(6 / (fan_in + fan_out)), biases zero. The bias-free skip map
// W of an sk-DNN block is a Dense layer too and gets the same treatment.

import type { Rng } from '../util/rng.js';
import type { NetworkPlan } from './plan.js';

/**
 * Overwrites every parameter of `plan` in `params` (layer by layer, in
 * parameter order, row-major), drawing from `rng` so the same seed gives the
 * same bits.
 */
export function glorotUniform(plan: NetworkPlan, params: Float64Array, rng: Rng): void {
  if (params.length !== plan.paramCount) {
    throw new RangeError(`glorotUniform: params has ${params.length} values, plan needs ${plan.paramCount}`);
  }
  for (const op of plan.ops) {
    const limit = Math.sqrt(6 / (op.nIn + op.nOut));
    const end = op.wOffset + op.nIn * op.nOut;
    for (let i = op.wOffset; i < end; i++) params[i] = -limit + 2 * limit * rng.uniform();
    if (op.bOffset >= 0) params.fill(0, op.bOffset, op.bOffset + op.nOut);
  }
}
