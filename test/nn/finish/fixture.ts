// The small least-squares problem the finishing tests share: an sk-DNN 3 × 5
// on two inputs and sin² targets, with N rows chosen by each test to cover
// its code's blocks (full ones and a short one).

import { glorotUniform, makeNetworkConfig, Network, type NetworkConfigInput } from '../../../src/nn/index.js';
import type { Kernels } from '../../../src/kernels/types.js';
import { Rng } from '../../../src/util/rng.js';
import { sinSquareTarget, uniformPoints } from '../helpers.js';

const SHAPE: NetworkConfigInput = { type: 'skdnn', inputDim: 2, depth: 3, width: 5, activation: { name: 'silu', param: 0 } };

export interface FinishProblem {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** The same initial network on every call. */
  net(k: Kernels): Network;
}

export function finishProblem(rows: number): FinishProblem {
  const x = uniformPoints(new Rng(4), rows, 2);
  return {
    x,
    y: sinSquareTarget(x, 2),
    net(k: Kernels): Network {
      const n = new Network(makeNetworkConfig(SHAPE), k);
      glorotUniform(n.plan, n.params, new Rng(8));
      return n;
    },
  };
}

/** A keep-going callback that never stops the work. */
export const always = async (): Promise<boolean> => true;
