// Finite-difference check of Network.backward for both families and every
// activation, w.r.t. every parameter and every input.

import { test } from 'node:test';
import { ACTIVATIONS } from '../../src/kernels/types.js';
import { glorotUniform, makeNetworkConfig, Network, type NetworkConfigInput } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { checkNetworkGradient, referenceKernels } from './helpers.js';

// Step and tolerances of the finite differences, and why: test/nn/helpers.ts.

const SHAPES: Omit<NetworkConfigInput, 'activation'>[] = [
  { type: 'dnn', inputDim: 3, depth: 3, width: 4 },
  { type: 'skdnn', inputDim: 3, depth: 2, width: 4 }, // skip map W in block 1, identity in block 2
  { type: 'skdnn', inputDim: 4, depth: 2, width: 4 }, // identity skip straight from the input
];

for (const shape of SHAPES) {
  for (const name of ACTIVATIONS) {
    test(`gradient of ${shape.type} ${shape.depth}-${shape.width} (${shape.inputDim}D) with ${name}`, () => {
      const config = makeNetworkConfig({ ...shape, activation: name });
      const net = new Network(config, referenceKernels);
      const rng = new Rng(`grad-${shape.type}-${shape.inputDim}-${name}`);
      glorotUniform(net.plan, net.params, rng);
      // Non-zero biases so that every bias path is exercised away from zero.
      for (const l of net.layers()) if (l.b !== null) for (let j = 0; j < l.b.length; j++) l.b[j] = 0.2 * rng.normal();
      const n = 5;
      const d = config.inputDim;
      const x = new Float64Array(n * d);
      for (let i = 0; i < x.length; i++) x[i] = 2 * rng.uniform() - 1;
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = rng.normal();
      checkNetworkGradient(net, x, c);
    });
  }
}
