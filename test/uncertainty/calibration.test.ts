// The global σ scale, pull statistics, the σ propagation through the target
// transforms, and exact resumption of the stochastic (BNN) objective.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glorotUniform, makeNetworkConfig, Network, Trainer, type TrainerSnapshot } from '../../src/nn/index.js';
import { histogram as histogramOf } from '../../src/metrics/precision.js';
import { TARGET_TRANSFORMS, TargetTransform } from '../../src/transforms/target.js';
import { fitSigmaScale, PullStats, scaledPullSizes, toPhysical, uncertaintyMetrics } from '../../src/uncertainty/calibration.js';
import type { UncertainPredictor } from '../../src/uncertainty/regressor.js';
import { uncertaintyObjective } from '../../src/uncertainty/setup.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, sameBits } from '../nn/helpers.js';
import { noisyData, trainSmall } from './fixtures.js';

test('the σ scale minimises the heteroscedastic NLL and is relative to the stored scale', async () => {
  const { model } = await trainSmall('heteroscedastic', 3, { calibrate: false });
  assert.equal(model.sigmaScale, 1);
  const { x, y } = noisyData('calib', 1000);
  const s = fitSigmaScale(model, x, y, 2);
  const nll = (scale: number): number => {
    const p = model.withSigmaScale(scale).predictUncertain(x, 1000);
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += ((p.mean[i] - y[i]) / p.sigmaSyst[i]) ** 2 / 2 + Math.log(p.sigmaSyst[i]);
    return sum;
  };
  assert.ok(nll(s) < nll(1.01 * s) && nll(s) < nll(0.99 * s), `NLL not minimal at s = ${s}`);
  // A model whose σ is already 3× too wide needs a 3× smaller scale.
  const wide = fitSigmaScale(model.withSigmaScale(3), x, y, 2);
  assert.ok(Math.abs(wide * 3 - s) <= 1e-12 * s, `${wide} · 3 vs ${s}`);
});

test('pull statistics: mean, population width, histogram; non-finite pulls counted apart', () => {
  const p = new PullStats();
  for (const t of [1, -1, 3, -3, Infinity, NaN]) p.add(t);
  for (const t of [-5, 4.9999, 5, -0.2, -5.1]) p.add(t);
  const { histogram, ...moments } = p.summary();
  const sum = 1 - 1 + 3 - 3 - 5 + 4.9999 + 5 - 0.2 - 5.1;
  const sumSq = 1 + 1 + 9 + 9 + 25 + 4.9999 ** 2 + 25 + 0.04 + 5.1 ** 2;
  assert.equal(moments.n, 9);
  assert.equal(moments.non_finite, 2);
  assert.ok(Math.abs(moments.mean - sum / 9) < 1e-15);
  assert.ok(Math.abs(moments.width - Math.sqrt(sumSq / 9 - (sum / 9) ** 2)) < 1e-14);
  // Bins of width 0.2 from −5: −5 → 0, −3 → 10, −1 → 20, −0.2 → 24 (its lower edge), 1 → 30, 3 → 40, 4.9999 → 49.
  const filled = histogram.counts.flatMap((c, k) => (c > 0 ? [[k, c]] : []));
  assert.deepEqual(filled, [[0, 1], [10, 1], [20, 1], [24, 1], [30, 1], [40, 1], [49, 1]]);
  assert.equal(histogram.underflow, 1);
  assert.equal(histogram.overflow, 1);
  // The same bins as the report's histogram() of the same values.
  const ref = histogramOf(Float64Array.from([1, -1, 3, -3, -5, 4.9999, 5, -0.2, -5.1]), [...histogram.edges]);
  assert.deepEqual(ref.counts, histogram.counts);
});

test('σ propagates through every target transform by |dy/dt| (checked by finite differences)', () => {
  const y = new Float64Array([0.3, 1.5, 4, 9]);
  for (const kind of TARGET_TRANSFORMS) {
    const tr = TargetTransform.fit(kind, y);
    const t = tr.forward(y);
    const h = 1e-6;
    const up = tr.inverseInPlace(t.map((v) => v + h));
    const down = tr.inverseInPlace(t.map((v) => v - h));
    const phys = toPhysical({ mean: t, sigmaSyst: new Float64Array(4).fill(2), sigmaStat: new Float64Array(4).fill(0.5), members: null }, tr);
    for (let i = 0; i < 4; i++) {
      const slope = (up[i] - down[i]) / (2 * h);
      assert.ok(Math.abs(phys.value[i] - y[i]) <= 1e-14 * y[i], `${kind} value`);
      assert.ok(Math.abs(phys.sigmaSyst[i] - 2 * slope) <= 1e-7 * Math.abs(slope), `${kind}: σ ${phys.sigmaSyst[i]} vs 2 × ${slope}`);
      assert.ok(Math.abs(phys.sigmaStat![i] - 0.5 * slope) <= 1e-7 * Math.abs(slope), `${kind} σ_stat`);
    }
  }
});

for (const method of ['bnn', 'ensemble'] as const) {
  test(`an interrupted and resumed ${method} run ends with the same bits as an uninterrupted one`, async () => {
    const train = noisyData('resume-train', 300);
    const val = noisyData('resume-val', 100);
    const data = { xTrain: train.x, yTrain: train.y, xVal: val.x, yVal: val.y };
    const config = {
      uncertainty: method, bnn_prior_width: 0.5, bnn_last_layer_only: false, bnn_samples: 4,
      ensemble_members: 2, ensemble_beta: null, calibrate_sigma: true, seed: 1,
    } as const;
    const netConfig = makeNetworkConfig({ type: 'skdnn', inputDim: 2, depth: 1, width: 6, outputs: 2 });
    const fresh = () => {
      const net = new Network(netConfig, referenceKernels);
      glorotUniform(net.plan, net.params, new Rng(3));
      return net;
    };
    // An explicit schedule: the default one would stretch over each trainer's own maxEpochs.
    const options = { maxEpochs: 3, batchSize: 32, stepsPerEpoch: null, patience: null, schedule: { kind: 'constant', lr: 1e-3 } as const };
    const objective = uncertaintyObjective(config, 300, new Rng(4))!;
    const straightNet = fresh();
    const straight = new Trainer(straightNet, data, { ...options, rng: new Rng(5), objective: objective(straightNet) });
    await straight.run();
    const net = fresh();
    const first = new Trainer(net, data, { ...options, maxEpochs: 1, rng: new Rng(5), objective: uncertaintyObjective(config, 300, new Rng(4))!(net) });
    await first.run();
    const snap = JSON.parse(JSON.stringify(first.snapshot())) as TrainerSnapshot;
    assert.equal(snap.objective?.name, method);
    const resumed = Trainer.resume(snap, referenceKernels, data, { maxEpochs: 3, objective: uncertaintyObjective(config, 300, new Rng(4)) });
    await resumed.run();
    assert.equal(sameBits(resumed.objective.params, straight.objective.params), null);
    assert.throws(() => Trainer.resume(snap, referenceKernels, data), /snapshot trained the '.*' objective, not 'mse'/);
  });
}

test('scaled statistical pulls (paper 2, eq. 39): the mean of the first K members against the target over σ_stat/√K', () => {
  assert.deepEqual(scaledPullSizes(1), [1]);
  assert.deepEqual(scaledPullSizes(8), [1, 2, 4, 8]);
  assert.deepEqual(scaledPullSizes(6), [1, 2, 4, 6]);
  // Three points, four members, in the transformed space of the 'none' transform (so physical = transformed).
  const members = [[1, 2, 3], [3, 2, 5], [2, 6, 4], [2, 2, 4]].map((m) => Float64Array.from(m));
  const truth = Float64Array.from([2.5, 2, 3]);
  const mean = Float64Array.from([0, 1, 2], (i) => members.reduce((s, f) => s + f[i], 0) / 4);
  const sigmaStat = Float64Array.from([0, 1, 2], (i) => Math.sqrt(members.reduce((s, f) => s + (f[i] - mean[i]) ** 2, 0) / 3));
  const model: UncertainPredictor = {
    method: 'ensemble',
    sigmaScale: 1,
    predictUncertain: (_x, n) => ({ mean, sigmaSyst: new Float64Array(n).fill(1), sigmaStat, members }),
  };
  const u = uncertaintyMetrics(model, TargetTransform.fit('none', truth), new Float64Array(3), truth, 1);
  const scaled = u.pull_stat_scaled!;
  assert.deepEqual(scaled.map((s) => s.K), [1, 2, 4]);
  for (const { K, mean: m, width } of scaled) {
    const t = [0, 1, 2].map((i) => (members.slice(0, K).reduce((s, f) => s + f[i], 0) / K - truth[i]) / (sigmaStat[i] / Math.sqrt(K)));
    const tm = t.reduce((a, b) => a + b, 0) / 3;
    const tw = Math.sqrt(t.reduce((a, b) => a + (b - tm) ** 2, 0) / 3);
    assert.ok(Math.abs(m - tm) < 1e-12 && Math.abs(width - tw) < 1e-12, `K=${K}: ${m}, ${width} vs ${tm}, ${tw}`);
  }
});
