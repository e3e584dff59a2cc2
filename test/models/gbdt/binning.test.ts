import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binRows, computeCuts, threshold } from '../../../src/models/gbdt/binning.js';
import { Rng } from '../../../src/util/rng.js';

test('thresholds are float32 values strictly between adjacent distinct float32 data values', () => {
  const rng = new Rng(3);
  const n = 5000;
  const x = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng.uniform();
    x[2 * i + 1] = Math.floor(rng.uniform() * 10) / 10; // 10 distinct values
  }
  const cuts = computeCuts(x, n, 2, 64);
  assert.equal(cuts.thresholds[0].length, 63, 'continuous feature: max_bin bins');
  assert.equal(cuts.thresholds[1].length, 9, 'few distinct values: one bin each');
  assert.deepEqual([...cuts.binOffset], [0, 64, 74]);
  for (let f = 0; f < 2; f++) {
    const t = cuts.thresholds[f];
    const vals = [...new Set(Array.from({ length: n }, (_, i) => Math.fround(x[2 * i + f])))].sort((a, b) => a - b);
    for (let k = 0; k < t.length; k++) {
      assert.equal(Math.fround(t[k]), t[k]);
      if (k > 0) assert.ok(t[k] > t[k - 1]);
      assert.ok(!vals.includes(t[k]) || f === 0, 'no data value sits on a threshold when a midpoint exists');
    }
  }
  // Equal-count bins on continuous data (exact quantiles): every bin within one value of n/64.
  const bins = binRows(x, n, 2, cuts);
  const count = new Array(64).fill(0);
  for (let i = 0; i < n; i++) count[bins[2 * i]]++;
  for (const c of count) assert.ok(Math.abs(c - n / 64) <= 1.01, `bin holds ${c} rows`);
  // bin ≤ b ⇔ float32(x) < threshold[b], for every row and cut.
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 2; f++) {
      const t = cuts.thresholds[f];
      for (let b = 0; b < t.length; b += 7) assert.equal(bins[2 * i + f] <= b, Math.fround(x[2 * i + f]) < t[b]);
    }
  }
});

test('threshold(lo, hi): the float32 midpoint, or hi when lo and hi are adjacent float32 values', () => {
  assert.equal(threshold(Math.fround(0.25), Math.fround(0.75)), 0.5);
  const lo = Math.fround(1);
  const hi = lo + 2 ** -23; // the next float32
  assert.equal(threshold(lo, hi), hi);
  assert.equal(threshold(Math.fround(0.3), Math.fround(0.4)), Math.fround((Math.fround(0.3) + Math.fround(0.4)) / 2));
});

test('more than 256 bins are stored as uint16, otherwise uint8; values beyond the training range land in the end bins', () => {
  const n = 1000;
  const x = Float64Array.from({ length: n }, (_, i) => i / n);
  assert.ok(binRows(x, n, 1, computeCuts(x, n, 1, 256)) instanceof Uint8Array);
  const cuts = computeCuts(x, n, 1, 1000);
  const bins = binRows(Float64Array.from([-5, 0, 0.5, 7]), 4, 1, cuts);
  assert.ok(bins instanceof Uint16Array);
  assert.deepEqual([...bins], [0, 0, 500, 999]);
});
