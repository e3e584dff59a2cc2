import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glorotUniform, makeNetworkConfig, MseObjective, Network, Trainer, type TrainingData } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, sameBits, sinSquareTarget, uniformPoints } from './helpers.js';

function net(seed: number): Network {
  const n = new Network(makeNetworkConfig({ type: 'dnn', inputDim: 2, depth: 2, width: 6 }), referenceKernels);
  glorotUniform(n.plan, n.params, new Rng(seed));
  return n;
}

test('the weighted MSE and its gradient are those of the rows repeated weight times (scaled by rows over Σw)', () => {
  const rng = new Rng(3);
  const x = uniformPoints(rng, 3, 2);
  const y = sinSquareTarget(x, 2);
  const w = Float64Array.from([2, 1, 3]);
  const weighted = new MseObjective(net(1));
  const lw = weighted.lossAndGradient(x, y, 3, w);
  const gw = weighted.grads.slice();
  const rows = [0, 0, 1, 2, 2, 2];
  const xd = Float64Array.from(rows.flatMap((r) => [x[2 * r], x[2 * r + 1]]));
  const yd = Float64Array.from(rows.map((r) => y[r]));
  const plain = new MseObjective(net(1));
  const ld = plain.lossAndGradient(xd, yd, 6);
  // (1/3) Σ w e² against (1/6) Σ_dup e²: a factor 6/3.
  assert.ok(Math.abs(lw - 2 * ld) < 1e-14 * lw, `${lw} vs ${2 * ld}`);
  for (let i = 0; i < gw.length; i++) assert.ok(Math.abs(gw[i] - 2 * plain.grads[i]) < 1e-12 * (1 + Math.abs(gw[i])), `grad ${i}`);
  // Weights of 1 are no weights, bit for bit.
  const ones = new MseObjective(net(1));
  const l1 = ones.lossAndGradient(x, y, 3, new Float64Array(3).fill(1));
  const none = new MseObjective(net(1));
  assert.equal(l1, none.lossAndGradient(x, y, 3));
  assert.equal(sameBits(ones.grads, none.grads), null);
});

test('the trainer draws each batch\'s weights with its rows; unit weights train bit for bit as none; validation is weighted', async () => {
  const rng = new Rng(11);
  const xTrain = uniformPoints(rng, 200, 2);
  const xVal = uniformPoints(rng, 80, 2);
  const base: TrainingData = { xTrain, yTrain: sinSquareTarget(xTrain, 2), xVal, yVal: sinSquareTarget(xVal, 2) };
  const run = async (data: TrainingData) => {
    const n = net(5);
    const result = await new Trainer(n, data, { maxEpochs: 2, batchSize: 32, rng: new Rng(6), restoreBest: false }).run();
    return { params: n.params.slice(), result };
  };
  const plain = await run(base);
  const unit = await run({ ...base, wTrain: new Float64Array(200).fill(1), wVal: new Float64Array(80).fill(1) });
  assert.equal(sameBits(plain.params, unit.params), null);
  const skew = Float64Array.from({ length: 200 }, (_, i) => (xTrain[2 * i] < 0.5 ? 1.8 : 0.2));
  const weighted = await run({ ...base, wTrain: skew, wVal: Float64Array.from({ length: 80 }, (_, i) => (xVal[2 * i] < 0.5 ? 1.8 : 0.2)) });
  assert.notEqual(sameBits(plain.params, weighted.params), null);
  // The validation MSE the trainer reports is Σ w e² / Σ w of the final parameters.
  const n = net(5);
  n.params.set(weighted.params);
  const f = n.infer(xVal, 80);
  let sse = 0;
  let total = 0;
  for (let i = 0; i < 80; i++) {
    const wi = xVal[2 * i] < 0.5 ? 1.8 : 0.2;
    sse += wi * (f[i] - base.yVal[i]) ** 2;
    total += wi;
  }
  const last = weighted.result.history[weighted.result.history.length - 1];
  assert.ok(Math.abs(last.valMSE - sse / total) < 1e-12 * last.valMSE, `${last.valMSE} vs ${sse / total}`);
});
