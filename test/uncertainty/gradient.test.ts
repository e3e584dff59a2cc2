// Finite-difference checks of every learned-uncertainty gradient: the
// Gaussian NLL per point, the heteroscedastic objective, the repulsive
// ensemble (against the scalar its stop-gradients define) and the Bayesian
// objective (with its weight sample held fixed), on the TypeScript kernels.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glorotUniform, makeNetworkConfig, Network, type NetworkType } from '../../src/nn/index.js';
import type { Objective } from '../../src/nn/objective.js';
import { clampLogVar, gaussianNll, LOG_VAR_MAX, LOG_VAR_MIN } from '../../src/uncertainty/gaussian.js';
import { median } from '../../src/uncertainty/calibration.js';
import { BayesObjective, MemberObjective } from '../../src/uncertainty/objectives.js';
import { Rng } from '../../src/util/rng.js';
import { checkFiniteDifferences, referenceKernels } from '../nn/helpers.js';

// Finite differences and their tolerances: checkFiniteDifferences in test/nn/helpers.ts.

function headNet(type: NetworkType, seed: string): Network {
  const net = new Network(makeNetworkConfig({ type, inputDim: 3, depth: 2, width: 4, activation: 'tanh', outputs: 2 }), referenceKernels);
  const rng = new Rng(seed);
  glorotUniform(net.plan, net.params, rng);
  for (const l of net.layers()) if (l.b !== null) for (let j = 0; j < l.b.length; j++) l.b[j] = 0.2 * rng.normal();
  return net;
}

function batch(seed: string, n: number): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: 3 * n }, () => 2 * rng.uniform() - 1);
  const y = Float64Array.from({ length: n }, () => rng.normal());
  return { x, y };
}

test('Gaussian NLL: value and derivatives in f and log σ², flat outside the clamp', () => {
  const y = new Float64Array([0.3, -1, 0.5]);
  const out = new Float64Array([0.1, -0.7, -0.4, 1.3, 0.9, LOG_VAR_MAX + 1]);
  const m = y.length;
  const nll = new Float64Array(m);
  const dl = new Float64Array(2 * m);
  const total = gaussianNll(out, y, m, nll, dl);
  // Point 0 by hand: (0.1 − 0.3)²/(2 e^−0.7) − 0.35.
  assert.ok(Math.abs(nll[0] - (0.04 / (2 * Math.exp(-0.7)) - 0.35)) < 1e-15);
  assert.equal(total, nll[0] + nll[1] + nll[2]);
  const scratchN = new Float64Array(m);
  const scratchD = new Float64Array(2 * m);
  checkFiniteDifferences(out, dl, () => gaussianNll(out, y, m, scratchN, scratchD), 'd nll');
  assert.equal(dl[5], 0);
  // Below the clamp (checked apart: a loss of ~e^30 swamps finite differences).
  const low = new Float64Array([1e-9, LOG_VAR_MIN - 2]);
  gaussianNll(low, new Float64Array([0]), 1, scratchN, scratchD);
  assert.equal(clampLogVar(LOG_VAR_MIN - 2), LOG_VAR_MIN);
  assert.equal(scratchD[1], 0);
  assert.ok(Math.abs(scratchD[0] - 1e-9 * Math.exp(-LOG_VAR_MIN)) < 1e-9 * scratchD[0]);
});

for (const type of ['dnn', 'skdnn'] as const) {
  test(`heteroscedastic objective gradient (${type})`, () => {
    const net = headNet(type, `het-${type}`);
    const obj = new MemberObjective('heteroscedastic', [net], 0);
    const { x, y } = batch('het-batch', 5);
    obj.lossAndGradient(x, y, 5);
    const g = obj.grads.slice();
    checkFiniteDifferences(obj.params, g, () => obj.lossAndGradient(x, y, 5), 'param');
  });
}

test('repulsive ensemble gradient matches the stop-gradient scalar of each member', () => {
  const nMem = 3;
  const members = [0, 1, 2].map((i) => headNet('dnn', `ens-${i}`));
  const beta = 0.7; // large, so a wrong repulsive term cannot hide under the likelihood's gradient
  const obj = new MemberObjective('ensemble', members, beta);
  const m = 6;
  const { x, y } = batch('ens-batch', m);
  obj.lossAndGradient(x, y, m);
  const g = obj.grads.slice();
  // The frozen (stop-gradient) quantities at the current parameters.
  const nllOf = (i: number): Float64Array => {
    const net = members[i];
    net.params.set(obj.memberParams(i));
    const out = net.forward(x, m);
    const nll = new Float64Array(m);
    gaussianNll(out, y, m, nll, new Float64Array(2 * m));
    return nll;
  };
  const frozen = [0, 1, 2].map(nllOf);
  const dist2 = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, r) => s + (v - b[r]) ** 2, 0);
  const pairs: number[] = [];
  for (let i = 0; i < nMem; i++) for (let j = i + 1; j < nMem; j++) pairs.push(dist2(frozen[i], frozen[j]));
  const h = median(pairs) / Math.log(nMem);
  const p = members[0].paramCount;
  for (let i = 0; i < nMem; i++) {
    const sum = frozen.reduce((s, f) => s + Math.exp(-dist2(frozen[i], f) / h), 0);
    const scalar = (): number => {
      const li = nllOf(i);
      let k = 0;
      for (let j = 0; j < nMem; j++) k += Math.exp(-dist2(li, frozen[j]) / h);
      return li.reduce((s, v) => s + v, 0) / m + (beta * k) / sum;
    };
    checkFiniteDifferences(obj.memberParams(i), g.subarray(i * p, (i + 1) * p), scalar, `member ${i}`);
  }
});

for (const lastLayerOnly of [false, true]) {
  test(`Bayesian objective gradient in μ and ρ with the weight sample fixed (last layer only: ${lastLayerOnly})`, () => {
    const net = headNet('skdnn', `bnn-${lastLayerOnly}`);
    const obj: Objective & BayesObjective = new BayesObjective(net, { priorWidth: 0.8, lastLayerOnly, nTrain: 7 }, new Rng('bnn-eps'));
    const p = net.paramCount;
    assert.equal(obj.params.length - p, lastLayerOnly ? 4 * 2 + 2 : p);
    // Widths away from their initial value so the KL's ρ-terms are O(1).
    const rng = new Rng('rho');
    for (let j = p; j < obj.params.length; j++) obj.params[j] = -1 + 0.5 * rng.normal();
    const { x, y } = batch('bnn-batch', 5);
    const state = obj.getState();
    const loss = (): number => {
      obj.setState(state); // the same ε every time: the loss is then a function of (μ, ρ)
      return obj.lossAndGradient(x, y, 5);
    };
    loss();
    const g = obj.grads.slice();
    checkFiniteDifferences(obj.params, g, loss, 'param');
  });
}
