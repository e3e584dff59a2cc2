// The native addon and the TypeScript reference must give the same training
// trajectory. Set AMPFIT_NO_NATIVE=1 (or AMPFIT_NATIVE=0) to skip this on a
// machine without the addon; otherwise a missing addon fails the test.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { glorotUniform, makeNetworkConfig, Network, Trainer, type NetworkConfigInput } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, sinSquareTarget, uniformPoints } from './helpers.js';

const skip = process.env.AMPFIT_NO_NATIVE === '1' || process.env.AMPFIT_NATIVE === '0'
  ? 'native kernels disabled by the environment' : false;

// Summation order may differ (SIMD, threads), so trajectories agree to rounding,
// amplified a little by a few Adam steps: 1e-10 absolute on O(0.1–1) weights.
const TOL = 1e-10;

const SHAPES: NetworkConfigInput[] = [
  { type: 'dnn', inputDim: 4, depth: 3, width: 24 },
  { type: 'skdnn', inputDim: 4, depth: 3, width: 20, activation: 'gelu' },
];

async function trajectory(kernels: Kernels, shape: NetworkConfigInput): Promise<Float64Array[]> {
  const rng = new Rng('native-vs-reference');
  const xTrain = uniformPoints(rng, 700, 4);
  const xVal = uniformPoints(rng, 100, 4);
  const data = { xTrain, yTrain: sinSquareTarget(xTrain, 4), xVal, yVal: sinSquareTarget(xVal, 4) };
  const net = new Network(makeNetworkConfig(shape), kernels);
  glorotUniform(net.plan, net.params, new Rng(1));
  const seen: Float64Array[] = [];
  const t = new Trainer(net, data, {
    maxEpochs: 2, batchSize: 256, rng: new Rng(2), restoreBest: false, // 3 steps per epoch, the last one short
    schedule: { kind: 'constant', lr: 1e-3 },
    onStep: () => { seen.push(net.params.slice()); },
  });
  await t.run();
  return seen;
}

for (const shape of SHAPES) {
  test(`native and reference kernels train ${shape.type} ${shape.depth}-${shape.width} alike`, { skip }, async () => {
    const native = getKernels('native');
    assert.equal(native.backend, 'native');
    const a = await trajectory(referenceKernels, shape);
    const b = await trajectory(native, shape);
    assert.equal(a.length, 6);
    assert.equal(b.length, a.length);
    for (let s = 0; s < a.length; s++) {
      let maxDiff = 0;
      for (let i = 0; i < a[s].length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[s][i] - b[s][i]));
      assert.ok(maxDiff <= TOL, `step ${s + 1}: max |Δparam| = ${maxDiff}`);
    }
  });
}

test('predict gives the same bits whatever its chunk size and thread count (native kernels)', { skip }, () => {
  const native = getKernels('native');
  const before = native.threads();
  try {
    const net = new Network(makeNetworkConfig({ type: 'skdnn', inputDim: 8, depth: 3, width: 50, activation: 'silu' }), native);
    glorotUniform(net.plan, net.params, new Rng(3));
    assert.equal(net.predictChunkRows, 1280);
    const n = 5000;
    const x = uniformPoints(new Rng(4), n, 8);
    native.setThreads(1);
    const whole = net.predict(x, n, undefined, 8192);
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      for (const chunk of [net.predictChunkRows, 37, 1000]) {
        assert.deepEqual(net.predict(x, n, undefined, chunk), whole, `chunk ${chunk}, ${threads} threads`);
      }
    }
  } finally {
    native.setThreads(before);
  }
});
