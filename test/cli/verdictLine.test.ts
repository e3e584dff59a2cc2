import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precisionMetrics, type PrecisionMetrics } from '../../src/metrics/precision.js';
import { formatVerdictLine } from '../../src/cli/verdictLine.js';

test('the verdict line under train, train-set and eval tables, also for metrics of older model files', () => {
  // 3 of 4 points within 1 %: R_1 = 75 ± 21.65 %, within two errors of 90 %, so undecided; |δ| = 0.001, 0.05, 0.5, 2 % → q90 = 0.5 + 0.7·1.5 = 1.55 %.
  const m = precisionMetrics(new Float64Array([2.01, 3.998, 10.2, 99.999]), new Float64Array([2, 4, 10, 100]));
  assert.equal(formatVerdictLine(m, 'A, test'), 'verdict (A, test): R_1 > 90 % undecided: 75.00 ± 21.65 %; 90 % have |δ| < 1.55 %');
  const { verdict: _v, ...old } = m;
  assert.equal(formatVerdictLine(old as unknown as PrecisionMetrics, 'test'), 'verdict (test): R_1 > 90 % undecided: 75.00 ± 21.65 %; 90 % have |δ| < 1.55 %');
  const bare = { ...old, R_pct: { '0.1': 50 } } as unknown as PrecisionMetrics;
  assert.equal(formatVerdictLine(bare, 'test'), 'verdict (test): R_1 and the 90 % quantile of |δ| were not kept');
});
