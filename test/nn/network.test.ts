import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildPlan, countParameters, type DenseOp, describeNetwork, glorotUniform, makeNetworkConfig, Network, parseNetworkConfig,
} from '../../src/nn/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, uniformPoints } from './helpers.js';

test('parameter counts of paper 1 (with biases)', () => {
  const cases: [type: 'dnn' | 'skdnn', inputDim: number, depth: number, width: number, count: number][] = [
    ['dnn', 2, 8, 56, 22_569],
    ['dnn', 4, 8, 72, 37_225],
    ['dnn', 8, 8, 100, 71_701],
    ['skdnn', 2, 9, 28, 21_281],
    ['skdnn', 4, 9, 36, 34_993],
    ['skdnn', 8, 9, 50, 67_201],
  ];
  for (const [type, inputDim, depth, width, count] of cases) {
    const config = makeNetworkConfig({ type, inputDim, depth, width });
    assert.equal(countParameters(config), count, describeNetwork(config));
    assert.equal(new Network(config, referenceKernels).params.length, count);
  }
});

test('config round-trips as JSON with Keras-style defaults', () => {
  const c = makeNetworkConfig({ type: 'skdnn', inputDim: 4, depth: 9, width: 36 });
  assert.deepEqual(c.activation, { name: 'leaky_relu', param: 0.3 });
  assert.deepEqual(parseNetworkConfig(JSON.parse(JSON.stringify(c))), c);
  assert.deepEqual(makeNetworkConfig({ type: 'dnn', inputDim: 2, depth: 1, width: 3, activation: 'elu' }).activation,
    { name: 'elu', param: 1 });
  assert.equal(describeNetwork(c), 'sk-DNN 9-36 (4D, leaky_relu 0.3)');
  assert.throws(() => parseNetworkConfig({ type: 'cnn', inputDim: 2, depth: 1, width: 2 }), ConfigError);
  assert.throws(() => parseNetworkConfig({ type: 'dnn', inputDim: 2, depth: 0, width: 2 }), /model\.depth/);
  assert.throws(() => parseNetworkConfig({ type: 'dnn', inputDim: 2, depth: 1, width: 2, activation: 'swish' }),
    /model\.activation\.name/);
});

test('sk-DNN plan: skip map only where the width changes', () => {
  const plan = buildPlan(makeNetworkConfig({ type: 'skdnn', inputDim: 3, depth: 2, width: 5 }));
  assert.deepEqual(plan.ops.map((o) => o.name), [
    'block1.dense1', 'block1.dense2', 'block1.skip', 'block1.dense3',
    'block2.dense1', 'block2.dense2', 'block2.dense3', 'output',
  ]);
  const dense = plan.ops.map((op) => {
    assert.equal(op.kind, 'dense');
    return op as DenseOp;
  });
  const skip = dense[2];
  assert.equal(skip.bOffset, -1);
  assert.equal(dense[3].residual, skip.output);
  assert.equal(dense[6].residual, dense[3].output); // identity: the block's own input
});

// An independent, direct transcription of block(x) = g(h(x) + W x), to pin forward().
function naiveForward(net: Network, x: Float64Array, n: number): Float64Array {
  const layers = new Map(net.layers().map((l) => [l.name, l]));
  const g = (z: number): number => (z > 0 ? z : 0.3 * z);
  const dense = (name: string, a: number[], act: boolean): number[] => {
    const l = layers.get(name)!;
    const out: number[] = [];
    for (let j = 0; j < l.nOut; j++) {
      let s = l.b === null ? 0 : l.b[j];
      for (let p = 0; p < l.nIn; p++) s += a[p] * l.w[p * l.nOut + j];
      out.push(act ? g(s) : s);
    }
    return out;
  };
  const y = new Float64Array(n);
  const d = net.inputDim;
  for (let i = 0; i < n; i++) {
    let a = Array.from(x.subarray(i * d, (i + 1) * d));
    for (let k = 1; k <= net.config.depth; k++) {
      const h = dense(`block${k}.dense3`, dense(`block${k}.dense2`, dense(`block${k}.dense1`, a, true), true), false);
      const s = layers.has(`block${k}.skip`) ? dense(`block${k}.skip`, a, false) : a;
      a = h.map((v, j) => g(v + s[j]));
    }
    y[i] = dense('output', a, false)[0];
  }
  return y;
}

test('forward matches a direct transcription; predict chunks agree with forward', () => {
  const net = new Network(makeNetworkConfig({ type: 'skdnn', inputDim: 3, depth: 3, width: 6 }), referenceKernels);
  glorotUniform(net.plan, net.params, new Rng(1));
  for (let i = 0; i < net.params.length; i++) net.params[i] += 0.01 * Math.sin(i); // non-zero biases
  const n = 23;
  const x = uniformPoints(new Rng(2), n, 3);
  const f = net.forward(x, n).slice();
  const naive = naiveForward(net, x, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(f[i] - naive[i]) <= 1e-14 * (1 + Math.abs(naive[i])), `row ${i}`);
  const chunked = net.predict(x, n, undefined, 5);
  assert.deepEqual(Array.from(chunked), Array.from(f));
  assert.deepEqual(Array.from(net.infer(x, n)), Array.from(f));
});

test('glorot init: limits, zero biases, deterministic', () => {
  const config = makeNetworkConfig({ type: 'dnn', inputDim: 4, depth: 2, width: 50 });
  const a = new Network(config, referenceKernels);
  const b = new Network(config, referenceKernels);
  glorotUniform(a.plan, a.params, new Rng(7));
  glorotUniform(b.plan, b.params, new Rng(7));
  assert.deepEqual(a.params, b.params);
  for (const l of a.layers()) {
    const limit = Math.sqrt(6 / (l.nIn + l.nOut));
    let maxAbs = 0;
    for (const v of l.w) maxAbs = Math.max(maxAbs, Math.abs(v));
    assert.ok(maxAbs <= limit && maxAbs > 0.8 * limit, `${l.name}: max |w| ${maxAbs}, limit ${limit}`);
    assert.ok(l.b!.every((v) => v === 0));
  }
});
