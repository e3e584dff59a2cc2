import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precisionMetrics, relativeErrors, histogram, quantileSorted, rSquared } from '../../src/metrics/precision.js';
import { formatPrecisionTable } from '../../src/metrics/table.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// Four points with δ = +0.5 %, −0.05 %, +2 %, −0.001 % (computed by hand below).
const truth = new Float64Array([2, 4, 10, 100]);
const pred = new Float64Array([2.01, 3.998, 10.2, 99.999]);

test('δ, R_τ, μ_δ, σ_δ and R² against values worked out by hand', () => {
  const d = relativeErrors(pred, truth);
  close(d[0], 0.005);
  close(d[1], -0.0005);
  close(d[2], 0.02);
  close(d[3], -0.00001);
  const m = precisionMetrics(pred, truth, [1, 0.1, 5]);
  assert.equal(m.R_pct['1'], 75); // 3 of 4 below 1 %
  assert.equal(m.R_pct['0.1'], 50); // −0.05 % and −0.001 %
  assert.equal(m.R_pct['5'], 100);
  // μ = (0.5 − 0.05 + 2 − 0.001)/4 % = 0.61225 %
  close(m.mu_delta_pct, 0.61225, 1e-10);
  // σ² = mean((δ − μ)²) with δ in %: deviations −0.11225, −0.66225, 1.38775, −0.61325
  const sigma = Math.sqrt((0.11225 ** 2 + 0.66225 ** 2 + 1.38775 ** 2 + 0.61325 ** 2) / 4);
  close(m.sigma_delta_pct, sigma, 1e-10);
  // R² = 1 − SS_res/SS_tot; SS_res = 0.0001 + 0.000004 + 0.04 + 0.000001, mean 29, SS_tot = 729+625+361+5041
  close(m.r2, 1 - 0.040105 / 6756, 1e-12);
  close(rSquared(truth, truth), 1);
  assert.equal(m.n, 4);
  assert.equal(m.nonFinite, 0);
});

test('|δ| quantiles interpolate like numpy (type 7)', () => {
  const sorted = new Float64Array([1, 2, 3, 4, 10]);
  assert.equal(quantileSorted(sorted, 0.5), 3);
  close(quantileSorted(sorted, 0.9), 4 + 0.6 * 6);
  assert.equal(quantileSorted(sorted, 1), 10);
  const m = precisionMetrics(pred, truth);
  // |δ| sorted: 0.001, 0.05, 0.5, 2 (%); q50 = 0.05 + 0.5·(0.5 − 0.05)
  close(m.abs_delta_quantiles_pct['50'], 0.275, 1e-10);
  close(m.abs_delta_quantiles_pct['90'], 0.5 + 0.7 * 1.5, 1e-10);
});

test('histograms: bins are [lo, hi), under/overflow counted, NaN is overflow', () => {
  const h = histogram(new Float64Array([-1, 0, 0.5, 1, 1.5, 2, NaN]), [0, 1, 2]);
  assert.deepEqual(h.counts, [2, 2]);
  assert.equal(h.underflow, 1);
  assert.equal(h.overflow, 2);
  const m = precisionMetrics(pred, truth);
  const total = m.abs_delta_histogram.counts.reduce((a, b) => a + b) + m.abs_delta_histogram.underflow + m.abs_delta_histogram.overflow;
  assert.equal(total, 4);
  assert.equal(m.abs_delta_histogram.edges.length, 46); // 1e-8 .. 10, 5 per decade
  close(m.abs_delta_histogram.edges[45], 10);
  // Signed bins cover [−2 %, 2 %); (10.2 − 10)/10 is 0.019999999999999928 in float64, just inside.
  assert.equal(m.delta_histogram.counts.reduce((a, b) => a + b), 4);
  assert.equal(m.delta_histogram.counts[99], 1);
  assert.equal(precisionMetrics(new Float64Array([1.03]), new Float64Array([1])).delta_histogram.overflow, 1);
});

test('NaN predictions count as failures and are flagged, negative truths use |true|', () => {
  const m = precisionMetrics(new Float64Array([NaN, 1]), new Float64Array([1, 1]));
  assert.equal(m.nonFinite, 1);
  assert.equal(m.R_pct['1'], 50);
  assert.equal(m.abs_delta_quantiles_pct['99.9'], Infinity);
  assert.match(formatPrecisionTable([{ label: 'x', metrics: m }]), /1 predictions are NaN/);
  const neg = relativeErrors(new Float64Array([-0.9]), new Float64Array([-1]));
  close(neg[0], 0.1); // over-predicted: positive δ
});

test('the table shows the paper 1 Table 2 columns', () => {
  const t = formatPrecisionTable([{ label: 'sk-DNN 9-36', metrics: precisionMetrics(pred, truth), params: 34993 }]);
  assert.match(t, /\|δ\|<1%/);
  assert.match(t, /\|δ\|<0\.1%/);
  assert.match(t, /μ_δ \(%\)/);
  assert.match(t, /sk-DNN 9-36 \(34,993\)/);
  assert.match(t, /\|δ\|<0\.01%/);
  assert.match(t, /75\.00\s+50\.00\s+25\.00\s+\+0\.612/);
});
