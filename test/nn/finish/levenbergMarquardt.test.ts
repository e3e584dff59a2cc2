import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkLmParameterCount, LevenbergMarquardt } from '../../../src/nn/finish/levenbergMarquardt.js';
import { Adam, glorotUniform, makeNetworkConfig, MseObjective, Network, type NetworkConfigInput } from '../../../src/nn/index.js';
import { Rng } from '../../../src/util/rng.js';
import { referenceKernels, sameBits, uniformPoints } from '../helpers.js';

const SHAPE: NetworkConfigInput = { type: 'dnn', inputDim: 2, depth: 1, width: 3, activation: { name: 'tanh', param: 0 } };
const N = 400;
const x = uniformPoints(new Rng(1), N, 2);
const always = async (): Promise<boolean> => true;

function net(seed: number): Network {
  const n = new Network(makeNetworkConfig(SHAPE), referenceKernels);
  glorotUniform(n.plan, n.params, new Rng(seed));
  return n;
}

/** A teacher of the same architecture, so the student can fit the rows exactly (zero residual). */
const teacher = net(2);
const y = teacher.predict(x, N).slice();
let variance = 0;
{
  let mean = 0;
  for (const v of y) mean += v / N;
  for (const v of y) variance += (v - mean) ** 2 / N;
}

/** The teacher's weights disturbed: the student starts in the teacher's basin. */
function student(): Network {
  const s = net(2);
  const rng = new Rng(9);
  for (let i = 0; i < s.params.length; i++) s.params[i] += 0.05 * rng.normal();
  return s;
}

test('Levenberg–Marquardt fits a realisable target far below where Adam stalls', async () => {
  const s = student();
  const lm = new LevenbergMarquardt(s, x, y);
  let last = Infinity;
  for (let i = 0; i < 40; i++) {
    const it = await lm.iterate(always);
    assert.ok(it !== null);
    assert.ok(it.mseAfter <= it.mseBefore, 'an accepted step never raises the squared error');
    last = it.mseAfter;
  }
  assert.ok(last < 1e-8 * variance, `LM: MSE ${last} against variance ${variance}`);

  // Adam from the same start, 4000 full-batch steps with a cooled rate: 100× LM's forward-backward passes per row.
  const adamNet = student();
  const obj = new MseObjective(adamNet);
  const adam = new Adam(adamNet.params.length);
  let mse = Infinity;
  for (let step = 0; step < 4000; step++) {
    mse = obj.lossAndGradient(x, y, N);
    adam.update(referenceKernels, adamNet.params, adamNet.grads, 1e-3 * 0.999 ** step);
  }
  assert.ok(mse > 1000 * last, `Adam MSE ${mse} should stay far above LM's ${last}`);
});

test('an iteration stopped by keepGoing leaves parameters and state as they were', async () => {
  const a = student();
  const lm = new LevenbergMarquardt(a, x, y);
  await lm.iterate(always);
  const before = a.params.slice();
  const state = lm.state;
  assert.equal(await lm.iterate(async () => false), null);
  assert.equal(sameBits(a.params, before), null);
  assert.deepEqual(lm.state, state);
  // Resuming from (params, state) on a fresh object continues bit for bit.
  const b = student();
  b.params.set(before);
  const resumed = new LevenbergMarquardt(b, x, y, state);
  await lm.iterate(always);
  await resumed.iterate(always);
  assert.equal(sameBits(a.params, b.params), null);
  assert.deepEqual(resumed.state, lm.state);
});

test('networks too large for the P×P matrices are refused with the reason', () => {
  assert.doesNotThrow(() => checkLmParameterCount(12_000));
  assert.throws(() => checkLmParameterCount(22_569), /two 22569×22569 matrices \(8\.1 GB\).*at most 12,000 parameters/);
});
