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

test('the table shows the paper 1 Table 2 columns, R_τ with binomial errors, within 80 columns', () => {
  const m = precisionMetrics(pred, truth);
  const t = formatPrecisionTable([{ label: 'sk-DNN 9-36', metrics: m, params: 34993 }]);
  const [head, rule, row] = t.split('\n');
  assert.match(head, /^regressor\s+n\s+R_1 \(%\)\s+R_0\.1 \(%\)\s+R_0\.01 \(%\)\s+μ_δ \(%\)\s+σ_δ \(%\)$/);
  assert.match(rule, /^-+(  -+)+$/);
  // 4 points: R_1 = 75 %, se = 100·sqrt(0.75·0.25/4) = 21.65; R_0.1 = 50 %, se 25; R_0.01 = 25 %, se 21.65.
  assert.match(row, /^sk-DNN 9-36 \(34,993\)\s+4\s+75\.00±21\.65\s+50\.00±25\.00\s+25\.00±21\.65\s+\+0\.6122\s+0\.8296$/);
  for (const line of t.split('\n')) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
});

test('the narrow table drops parameter counts, then shortens labels, to stay within 80 columns', () => {
  const m = precisionMetrics(pred, truth);
  const long = 'a very long regressor label that a user gave with --label on the command line';
  const t = formatPrecisionTable([{ label: long, metrics: m, params: 123456 }]);
  for (const line of t.split('\n')) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  const row = t.split('\n')[2];
  assert.ok(row.startsWith('a very long'), row);
  assert.match(row, /… line\s+4\s+75\.00±21\.65/);
  // Rows that differ only at the end stay apart.
  const two = formatPrecisionTable([{ label: 'zz4d quick start: sk-DNN 9-36 test', metrics: m }, { label: 'zz4d quick start: sk-DNN 9-36 validation', metrics: m }]).split('\n');
  assert.match(two[2], /^zz4d quick.*… test  /);
  assert.match(two[3], /^zz4d.*… validation  /);
  assert.doesNotMatch(row, /123,456/);
  assert.match(formatPrecisionTable([{ label: 'short', metrics: m, params: 123456 }]), /short \(123,456\)/);
  assert.ok(formatPrecisionTable([{ label: 'x', metrics: m }], { width: 60 }).split('\n').every((l) => l.length <= 70));
});

test('the wide table (--wide) keeps every column: quantiles, R², errors spaced', () => {
  const t = formatPrecisionTable([{ label: 'sk-DNN 9-36', metrics: precisionMetrics(pred, truth), params: 34993 }], { wide: true });
  const [head, , row] = t.split('\n');
  assert.match(head, /^regressor\s+n test\s+R_1 \(%\)\s+R_0\.1 \(%\)\s+R_0\.01 \(%\)\s+μ_δ \(%\)\s+σ_δ \(%\)\s+\|δ\| q50 \(%\)\s+\|δ\| q90 \(%\)\s+\|δ\| q99 \(%\)\s+\|δ\| q99\.9 \(%\)\s+R²$/);
  assert.match(row, /^sk-DNN 9-36 \(34,993\)\s+4\s+75\.00 ± 21\.65\s+50\.00 ± 25\.00\s+25\.00 ± 21\.65\s+\+0\.6122\s+0\.8296\s+0\.2750\s+1\.5500/);
  assert.match(row, /0\.999994064/);
  assert.ok(row.length > 80);
});

test('metrics carry the binomial standard error of every R_τ and the verdict', () => {
  const m = precisionMetrics(pred, truth, [1, 0.1, 5]);
  close(m.R_stderr_pct['1'], 100 * Math.sqrt((0.75 * 0.25) / 4));
  close(m.R_stderr_pct['0.1'], 25);
  assert.equal(m.R_stderr_pct['5'], 0);
  assert.equal(m.verdict.criterion, 'R_1 > 90 %');
  assert.equal(m.verdict.holds, false);
  assert.equal(m.verdict.R_1_pct, 75);
  close(m.verdict.tau90_pct, 0.5 + 0.7 * 1.5, 1e-10); // the 90 % quantile of |δ|, as abs_delta_quantiles_pct['90']
  // R_1 is judged even when the taus leave τ = 1 out.
  assert.equal(precisionMetrics(pred, truth, [0.1]).verdict.R_1_pct, 75);
  assert.deepEqual(Object.keys(precisionMetrics(pred, truth, [0.1]).R_pct), ['0.1']);
});
