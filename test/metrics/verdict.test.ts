import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binomialStderrPct, formatVerdict, verdictOf } from '../../src/metrics/verdict.js';
import { precisionMetrics, verdictOfMetrics, type PrecisionMetrics } from '../../src/metrics/precision.js';

test('binomial standard error: sqrt(R(1−R)/n) in percentage points', () => {
  assert.equal(binomialStderrPct(50, 100), 5);
  assert.equal(binomialStderrPct(100, 10), 0);
  assert.equal(binomialStderrPct(0, 10), 0);
  assert.ok(Math.abs(binomialStderrPct(90, 10000) - 0.3) < 1e-12);
});

test('verdict: holds above 90 %, fails below, undecided within two standard errors', () => {
  // n = 10 000: se at 93 % is sqrt(0.93·0.07/1e4) = 0.255 %; at 90.4 % it is 0.295 %.
  const yes = verdictOf(93, 10000, 0.62);
  assert.deepEqual([yes.holds, yes.marginal], [true, false]);
  assert.equal(formatVerdict(yes, 'test'), 'verdict (test): R_1 > 90 % holds: 93.00 ± 0.26 %; 90 % have |δ| < 0.620 %');
  const close = verdictOf(90.4, 10000, 0.98);
  assert.deepEqual([close.holds, close.marginal], [true, true]);
  assert.match(formatVerdict(close, 'test'), /R_1 > 90 % undecided: 90\.40 ± 0\.29 %/);
  const no = verdictOf(9.3, 4000, 2.81);
  assert.deepEqual([no.holds, no.marginal], [false, false]);
  assert.equal(formatVerdict(no, 'validation'), 'verdict (validation): R_1 > 90 % fails: 9.30 ± 0.46 %; 90 % have |δ| < 2.81 %');
  assert.equal(formatVerdict(verdictOf(100, 5, 1.234e-4), 'x'), 'verdict (x): R_1 > 90 % holds: 100.00 ± 0.00 %; 90 % have |δ| < 1.23e-4 %');
  assert.match(formatVerdict(verdictOf(50, 4, Infinity), 'x'), /; >10 % not finite$/);
  // R_1 exactly 90 % is not "more than 90 %".
  assert.equal(verdictOf(90, 1e9, 1).holds, false);
});

test('verdict lines fit 80 columns for any R_1 and τ, on the validation split too', () => {
  for (const [r, n, tau] of [[100, 1, 123.456], [0, 1, 1e-9], [99.99, 123456789, 0.0123], [50, 2, Infinity]] as const) {
    const line = formatVerdict(verdictOf(r, n, tau), 'validation');
    assert.ok(line.length <= 80, `${line.length}: ${line}`);
  }
});

test('metrics written before the verdict existed get one from R_1 and the 90 % quantile, or none', () => {
  const m = precisionMetrics(new Float64Array([1.001, 2.1]), new Float64Array([1, 2]));
  const { verdict: _v, R_stderr_pct: _s, ...old } = m;
  const rebuilt = verdictOfMetrics(old as unknown as PrecisionMetrics);
  assert.deepEqual(rebuilt, m.verdict);
  const noR1 = { ...old, R_pct: { '0.1': 50 } } as unknown as PrecisionMetrics;
  assert.equal(verdictOfMetrics(noR1), null);
});
