import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precisionMetrics } from '../../src/metrics/precision.js';

// Integer weights must mean "this row, that many times": every share, moment and bin equals the duplicated data's.
const truth = Float64Array.from([1, 2, 4, 8, 5]);
const pred = Float64Array.from([1.001, 2.05, 3.999, 8.4, 5.0002]);
const weights = Float64Array.from([3, 1, 2, 1, 5]);

function duplicated(): { p: Float64Array; t: Float64Array } {
  const p: number[] = [];
  const t: number[] = [];
  weights.forEach((w, i) => {
    for (let k = 0; k < w; k++) {
      p.push(pred[i]);
      t.push(truth[i]);
    }
  });
  return { p: Float64Array.from(p), t: Float64Array.from(t) };
}

test('weighted metrics with integer weights equal those of the duplicated rows; errors use Kish n_eff', () => {
  const w = precisionMetrics(pred, truth, [1, 0.1, 0.01], { column: 'w', values: weights });
  const { p, t } = duplicated();
  const d = precisionMetrics(p, t, [1, 0.1, 0.01]);
  for (const tau of ['1', '0.1', '0.01']) assert.ok(Math.abs(w.R_pct[tau] - d.R_pct[tau]) < 1e-12, tau);
  assert.ok(Math.abs(w.R_pct['1'] - (100 * 10) / 12) < 1e-12); // rows 0, 2, 4: weight 3 + 2 + 5 of 12
  assert.ok(Math.abs(w.mu_delta_pct - d.mu_delta_pct) < 1e-12);
  assert.ok(Math.abs(w.sigma_delta_pct - d.sigma_delta_pct) < 1e-12);
  assert.ok(Math.abs(w.r2 - d.r2) < 1e-12);
  assert.deepEqual(w.abs_delta_histogram.counts, d.abs_delta_histogram.counts);
  assert.deepEqual(w.delta_histogram.counts, d.delta_histogram.counts);
  assert.equal(w.n, 5);
  const nEff = 12 ** 2 / (9 + 1 + 4 + 1 + 25);
  assert.deepEqual(w.weighted, { column: 'w', n_eff: nEff });
  const r = w.R_pct['1'] / 100;
  assert.ok(Math.abs(w.R_stderr_pct['1'] - 100 * Math.sqrt((r * (1 - r)) / nEff)) < 1e-12);
  assert.equal(w.verdict.R_1_stderr_pct, w.R_stderr_pct['1']);
  assert.equal(d.weighted, undefined);
});

test('weighted quantiles are the inverse of the weighted CDF', () => {
  // |δ| = 0.1 %, 2.5 %, 0.025 %, 5 %, 0.004 %; sorted with weights: 0.004 %(5) 0.025 %(2) 0.1 %(3) 2.5 %(1) 5 %(1).
  const w = precisionMetrics(pred, truth, [1], { column: 'w', values: weights });
  const q = w.abs_delta_quantiles_pct;
  assert.ok(Math.abs(q['50'] - 0.025) < 1e-9, String(q['50'])); // cumulative 5/12 < 0.5 ≤ 7/12
  assert.ok(Math.abs(q['90'] - 2.5) < 1e-9, String(q['90'])); // 10/12 < 0.9 ≤ 11/12
  assert.ok(Math.abs(w.verdict.tau90_pct - 2.5) < 1e-9);
  assert.throws(() => precisionMetrics(pred, truth, [1], { column: 'w', values: Float64Array.from([1, 2]) }), /2 weights for 5 points/);
});
