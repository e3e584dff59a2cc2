// Parameter initialisation, as each op's init says (src/nn/plan.ts).
// Paper 1 uses Glorot (Xavier) initialisation, in Keras' default form for
// Dense layers: weights ~ U(−limit, limit) with limit = sqrt(6 / (fan_in +
// fan_out)), biases zero; the bias-free skip map W of an sk-DNN block is a
// Dense layer too. A KAN layer's SiLU weights are Glorot-uniform and its
// spline coefficients U(±KAN_SPLINE_INIT/√nIn), so it starts near its SiLU
// part; rational activations start as a least-squares fit of a fixed one.

import type { Rng } from '../util/rng.js';
import type { InitStream, NetworkPlan } from './plan.js';

const KAN_SPLINE_INIT = 0.1;

/**
 * Overwrites every parameter of `plan` in `params` (op by op, in parameter
 * order, row-major), drawing from `rng` and the forks the ops name, so the
 * same seed gives the same bits.
 */
export function initParameters(plan: NetworkPlan, params: Float64Array, rng: Rng): void {
  if (params.length !== plan.paramCount) {
    throw new RangeError(`initParameters: params has ${params.length} values, plan needs ${plan.paramCount}`);
  }
  const forks = new Map<string, Rng>();
  const streamOf = (init: InitStream): Rng => {
    let r = rng;
    init.stream.forEach((label, i) => {
      const key = init.stream.slice(0, i + 1).join('\u0000');
      let f = forks.get(key);
      if (f === undefined) {
        f = r.fork(label);
        forks.set(key, f);
      }
      r = f;
    });
    return r;
  };
  for (const op of plan.ops) {
    if (op.kind === 'dense') {
      const r = streamOf(op.init);
      const w = params.subarray(op.wOffset, op.wOffset + op.nIn * op.nOut);
      if (op.init.kind === 'kan') kanWeights(w, op.nIn / op.init.per, op.init.per, op.nOut, r);
      else uniform(w, Math.sqrt(6 / (op.nIn + op.nOut)), r);
      if (op.bOffset >= 0) params.fill(0, op.bOffset, op.bOffset + op.nOut);
    } else if (op.kind === 'rational') {
      streamOf(op.init);
      const block = op.init.block;
      for (let g = 0; g < op.groups; g++) params.set(block, op.offset + g * block.length);
    }
  }
}

/** Paper 1's name for initParameters: its plans hold Glorot-initialised dense ops only. */
export const glorotUniform = initParameters;

function uniform(w: Float64Array, limit: number, rng: Rng): void {
  for (let i = 0; i < w.length; i++) w[i] = -limit + 2 * limit * rng.uniform();
}

/** W is (nIn·per) × nOut: row i·per + 0 holds input i's SiLU weights, rows i·per + m its spline coefficients. */
function kanWeights(w: Float64Array, nIn: number, per: number, nOut: number, rng: Rng): void {
  const base = Math.sqrt(6 / (nIn + nOut));
  const spline = KAN_SPLINE_INIT / Math.sqrt(nIn);
  for (let i = 0; i < nIn; i++) {
    for (let m = 0; m < per; m++) {
      const limit = m === 0 ? base : spline;
      const row = (i * per + m) * nOut;
      for (let j = 0; j < nOut; j++) w[row + j] = -limit + 2 * limit * rng.uniform();
    }
  }
}
