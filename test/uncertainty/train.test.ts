// Small training runs on synthetic data with known heteroscedastic noise
// (fixtures.ts: σ rising from 0.02 to 0.10 across x1): the learned σ_syst must
// track the true σ, pulls must be unit Gaussian, and runs must be
// reproducible from the seed. The numbers in comments were measured on the
// TypeScript kernels when the tests were written.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetTransform } from '../../src/transforms/target.js';
import { uncertaintyMetrics } from '../../src/uncertainty/calibration.js';
import type { UncertainRegressor } from '../../src/uncertainty/regressor.js';
import { sameBits } from '../nn/helpers.js';
import { noisyData, trainSmall, trueSigma } from './fixtures.js';

const TEST = noisyData('test', 2000);

/** Quantiles 10, 50, 90 % of learned σ_syst / true σ over the test points. */
function sigmaRatios(model: UncertainRegressor): { q10: number; q50: number; q90: number } {
  const p = model.predictUncertain(TEST.x, 2000);
  const r = Array.from(p.sigmaSyst, (s, i) => s / trueSigma(TEST.x, i)).sort((a, b) => a - b);
  return { q10: r[200], q50: r[1000], q90: r[1800] };
}

function medianOf(a: Float64Array): number {
  return Float64Array.from(a).sort()[a.length >> 1];
}

test('heteroscedastic: σ_syst learns the true noise and the systematic pull is a unit Gaussian', async () => {
  const { model } = await trainSmall('heteroscedastic', 80);
  const r = sigmaRatios(model);
  // Measured: q10 0.923, median 1.017, q90 1.167; calibration scale 0.9948; test pull mean 0.002, width 0.988.
  assert.ok(Math.abs(r.q50 - 1) <= 0.1 && r.q10 >= 0.85 && r.q90 <= 1.25, JSON.stringify(r));
  assert.ok(Math.abs(model.sigmaScale - 1) <= 0.05, `scale ${model.sigmaScale}`);
  const u = uncertaintyMetrics(model, TargetTransform.fit('none', TEST.y), TEST.x, TEST.y, 2);
  assert.equal(u.pull_syst.n, 2000);
  assert.ok(Math.abs(u.pull_syst.mean) <= 0.1 && Math.abs(u.pull_syst.width - 1) <= 0.1, JSON.stringify(u.pull_syst));
  assert.equal(u.pull_stat, null);
  assert.equal(model.predictUncertain(TEST.x, 5).sigmaStat, null);
});

test('repulsive ensemble (3 members, β = 1/N_train): σ_syst tracks the noise, σ_stat is small and positive', async () => {
  const { model } = await trainSmall('ensemble', 80);
  const r = sigmaRatios(model);
  // Measured: q10 0.923, median 1.016, q90 1.172; median σ_stat 4.0e-3 against σ_syst 5.9e-2.
  assert.ok(Math.abs(r.q50 - 1) <= 0.1 && r.q10 >= 0.85 && r.q90 <= 1.3, JSON.stringify(r));
  const p = model.predictUncertain(TEST.x, 2000);
  const stat = medianOf(p.sigmaStat!);
  assert.ok(stat > 1e-3 && stat < medianOf(p.sigmaSyst) / 4, `median σ_stat ${stat}`);
});

test('Bayesian last layer: σ_syst tracks the noise, σ_stat from 20 weight samples', async () => {
  const { model } = await trainSmall('bnn', 80, { lastLayerOnly: true });
  const r = sigmaRatios(model);
  // Measured: q10 0.916, median 1.011, q90 1.316; median σ_stat 1.4e-2.
  assert.ok(Math.abs(r.q50 - 1) <= 0.15 && r.q10 >= 0.8 && r.q90 <= 1.5, JSON.stringify(r));
  const stat = medianOf(model.predictUncertain(TEST.x, 2000).sigmaStat!);
  assert.ok(stat > 1e-3 && stat < 0.05, `median σ_stat ${stat}`);
});

test('the same seed gives the same bits; the repulsion changes the ensemble', async () => {
  const x = TEST.x.subarray(0, 200);
  const predict = async (method: 'heteroscedastic' | 'bnn' | 'ensemble', beta?: number) => {
    const { model } = await trainSmall(method, 2, { beta });
    const p = model.predictUncertain(x, 100);
    return Float64Array.from([...p.mean, ...p.sigmaSyst, ...(p.sigmaStat ?? [])]);
  };
  for (const method of ['heteroscedastic', 'bnn'] as const) {
    assert.equal(sameBits(await predict(method), await predict(method)), null, method);
  }
  const plain = await predict('ensemble', 0);
  assert.equal(sameBits(plain, await predict('ensemble', 0)), null, 'plain ensemble');
  assert.notEqual(sameBits(plain, await predict('ensemble', 0.05)), null, 'β = 0.05 must differ from β = 0');
});
