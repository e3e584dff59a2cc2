import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precisionMetrics, type PrecisionMetrics } from '../../src/metrics/precision.js';
import { configDifferences, heatMap, niceCeil, niceEdges, profile, rStderrPct, sharedDeltaRangePct, uncertaintySummary, PULL_BINS } from '../../src/report/summarize.js';
import { syntheticModel } from './support.js';

test('niceEdges: round grids with exactly the asked number of bins, covering the data', () => {
  assert.deepEqual(niceEdges(0.00017, 0.99998, 4), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceEdges(0.0003, 0.9997, 8), [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
  assert.deepEqual(niceEdges(0.01, 0.99, 7).map((v) => +v.toFixed(12)), [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.05]);
  const e = niceEdges(200.3, 999.1, 20); // √s in GeV
  assert.equal(e.length, 21);
  assert.equal(e[0], 200);
  assert.equal(e[20], 1000);
  const c = niceEdges(-1, 1, 20); // cos θ
  assert.equal(c[0], -1);
  assert.ok(Math.abs(c[20] - 1) < 1e-12);
  // A range a round grid cannot start below still ends above the maximum.
  const odd = niceEdges(0.93, 1.07, 3);
  assert.equal(odd.length, 4);
  assert.ok(odd[0] <= 0.93 && odd[3] >= 1.07, String(odd));
  // Degenerate: one value still gets a bin.
  const one = niceEdges(3, 3, 2);
  assert.ok(one[0] < 3 && one[2] > 3);
});

test('niceCeil rounds up to 1, 2, 5 × 10^k', () => {
  assert.deepEqual([0.03, 0.1, 0.11, 0.3, 0.7, 64.2, 100].map(niceCeil), [0.05, 0.1, 0.2, 0.5, 1, 100, 100]);
});

test('heatMap: cell means of δ and |δ| worked out by hand; empty cells left out, non-finite δ skipped', () => {
  const xs = new Float64Array([0.1, 0.2, 0.9, 0.6, 0.1, 1.0, 0.3]);
  const ys = new Float64Array([0.1, 0.4, 0.9, 0.1, 0.2, 1.0, 0.3]);
  const d = new Float64Array([0.01, -0.03, 0.002, 0.005, NaN, -0.004, Infinity]);
  const h = heatMap({ x: 'x1', y: 'x2' }, xs, ys, d, [0, 0.5, 1], [0, 0.5, 1]);
  // Cell (0,0) holds 0.01 and −0.03 (the NaN and the infinite δ are skipped);
  // (1,0) holds 0.005; (1,1) holds 0.002 and −0.004 (x = y = 1 belongs to the last bin); (0,1) is empty.
  assert.deepEqual(
    h.cells.map((c) => [c.ix, c.iy, c.n]),
    [
      [0, 0, 2],
      [1, 0, 1],
      [1, 1, 2],
    ],
  );
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(h.cells[0].meanDeltaPct, -1);
  close(h.cells[0].meanAbsDeltaPct, 2);
  close(h.cells[1].meanDeltaPct, 0.5);
  close(h.cells[2].meanDeltaPct, -0.1);
  close(h.cells[2].meanAbsDeltaPct, 0.3);
});

test('sharedDeltaRangePct: the widest 99th percentile of |δ| over the models, rounded up to 1-2-5', () => {
  const narrow = Float64Array.from({ length: 1000 }, (_, i) => ((i % 2 === 0 ? 1 : -1) * (i + 1)) / 1e6); // |δ| up to 0.1 %
  const wide = Float64Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e4); // q99 ≈ 9.9 %
  assert.equal(sharedDeltaRangePct([narrow]), 0.1);
  assert.equal(sharedDeltaRangePct([narrow, wide]), 10);
});

test('uncertaintySummary: pulls of a calibrated σ follow a unit Gaussian', () => {
  const m = syntheticModel('calibrated', 40000, 0.01, 5, true);
  const u = uncertaintySummary(m.pred, m.truth, m.sigma!);
  assert.equal(u.n, 40000);
  // Tolerances: 4 standard errors of each statistic for 40 000 points.
  assert.ok(Math.abs(u.pullMean) < 4 / Math.sqrt(40000), `mean ${u.pullMean}`);
  assert.ok(Math.abs(u.pullStd - 1) < 4 / Math.sqrt(2 * 40000), `std ${u.pullStd}`);
  assert.ok(Math.abs(u.within1Sigma - 0.6827) < 4 * Math.sqrt((0.6827 * 0.3173) / 40000), `within ${u.within1Sigma}`);
  assert.equal(u.pullHistogram.counts.length, PULL_BINS);
  const inRange = u.pullHistogram.counts.reduce((a, b) => a + b, 0);
  assert.equal(inRange + u.pullHistogram.underflow + u.pullHistogram.overflow, 40000);
  // σ/|true| is 1–2 %: every point sits in the columns of bins between 1 % and 2 %.
  const s = u.sigmaVsDelta;
  assert.equal(s.cells.reduce((a, c) => a + c.n, 0) + s.outside, 40000);
  for (const c of s.cells) assert.ok(s.sigmaEdgesPct[c.ix + 1] > 1 && s.sigmaEdgesPct[c.ix] <= 2, `σ bin ${c.ix}`);

  // σ twice too small: pulls twice too wide.
  const half = m.sigma!.map((v) => v / 2);
  const over = uncertaintySummary(m.pred, m.truth, half);
  assert.ok(Math.abs(over.pullStd - 2) < 0.05, `std ${over.pullStd}`);
});

test('profile: median and the 68 % / 95 % quantiles of δ per bin, worked out by hand; non-finite points skipped and counted', () => {
  // Bin [0, 1): δ = 0.01 … 0.05 (five points); bin [1, 2]: one point; bin [2, 3] empty; a NaN δ and a NaN coordinate.
  const xs = new Float64Array([0.1, 0.2, 0.3, 0.4, 0.5, 1.5, 0.6, NaN]);
  const d = new Float64Array([0.01, 0.02, 0.03, 0.04, 0.05, -0.02, NaN, 0.01]);
  const p = profile({ name: 'x1', label: '√ŝ [GeV]' }, xs, d, [0, 1, 2, 3]);
  assert.equal(p.label, '√ŝ [GeV]');
  assert.equal(p.skipped, 2);
  assert.deepEqual(p.bins.map((b) => [b.i, b.n]), [[0, 5], [1, 1]]);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  // Linear interpolation between order statistics: q(p) at position 4p of 0..4.
  close(p.bins[0].medianPct, 3);
  close(p.bins[0].lo68Pct, 1 + 0.64);
  close(p.bins[0].hi68Pct, 4 + 0.36);
  close(p.bins[0].lo95Pct, 1.1);
  close(p.bins[0].hi95Pct, 4.9);
  for (const k of ['medianPct', 'lo68Pct', 'hi68Pct', 'lo95Pct', 'hi95Pct'] as const) close(p.bins[1][k], -2);
});

test('profile: a Gaussian δ gives bands at ±1σ and ±1.96σ', () => {
  const m = syntheticModel('g', 40000, 0.01, 7, false);
  const xs = Float64Array.from({ length: 40000 }, (_, i) => m.x[2 * i]);
  const d = Float64Array.from(m.pred, (p, i) => (p - m.truth[i]) / m.truth[i]);
  const p = profile({ name: 'x1', label: 'x1' }, xs, d, [0, 0.5, 1]);
  // σ_rel = 1 % × (1 + x1): about 1.25 % in the first half, 1.75 % in the second; 4 standard errors of a quantile of 20 000 points.
  const [a, b] = p.bins;
  assert.ok(Math.abs(a.hi68Pct - a.lo68Pct - 2 * 1.25) < 0.06, `${a.lo68Pct} ${a.hi68Pct}`);
  assert.ok(Math.abs(b.hi95Pct - b.lo95Pct - 2 * 1.96 * 1.75) < 0.15, `${b.lo95Pct} ${b.hi95Pct}`);
  assert.ok(Math.abs(a.medianPct) < 0.05 && Math.abs(b.medianPct) < 0.05);
});

test('configDifferences: dotted leaf keys that differ, with each run\'s JSON value; keys a run does not read are null', () => {
  const a = { model_type: 'dnn', depth: 4, data: { files: 'f', max_rows: null }, taus: [1, 0.1], max_depth: 20, finish: null };
  const b = { model_type: 'bdt', depth: 9, data: { files: 'f', max_rows: 100 }, taus: [1, 0.1], max_depth: 4, finish: null };
  const all = configDifferences([a, b]);
  assert.deepEqual(all.keys, ['data.max_rows', 'depth', 'max_depth', 'model_type']);
  assert.deepEqual(all.values, [['null', '4', '20', '"dnn"'], ['100', '9', '4', '"bdt"']]);
  // The DNN does not read max_depth, the trees not depth: only the applicable values are compared and shown.
  const used = configDifferences([a, b], (k, c) => (k === 'max_depth' ? c.model_type === 'bdt' : k === 'depth' ? c.model_type === 'dnn' : true));
  assert.deepEqual(used.keys, ['data.max_rows', 'depth', 'max_depth', 'model_type']);
  assert.deepEqual(used.values, [['null', '4', null, '"dnn"'], ['100', null, '4', '"bdt"']]);
  // Same applicable values: not a difference.
  const same = configDifferences([{ ...a, max_depth: 7 }, { ...a, max_depth: 9 }], (k) => k !== 'max_depth');
  assert.deepEqual(same.keys, []);
  assert.deepEqual(configDifferences([a]).keys, []);
});

test('rStderrPct: metrics.json\'s binomial error, or sqrt(R(1−R)/n) for metrics written before it was stored', () => {
  const m = syntheticModel('r', 400, 0.01, 3, false);
  const p = precisionMetrics(m.pred, m.truth, [1, 0.1]);
  assert.equal(rStderrPct(p, '1'), p.R_stderr_pct['1']);
  const old = { ...p, R_stderr_pct: undefined } as unknown as PrecisionMetrics;
  const r = p.R_pct['1'] / 100;
  assert.ok(Math.abs(rStderrPct(old, '1')! - 100 * Math.sqrt((r * (1 - r)) / 400)) < 1e-12);
  assert.equal(rStderrPct(p, '5'), undefined);
});
