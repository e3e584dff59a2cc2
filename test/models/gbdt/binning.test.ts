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

/** The cut rule of binning.ts written the slow, obvious way (sort with a comparator, scan): the oracle. */
function naiveCuts(x: Float64Array, n: number, d: number, maxBin: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let f = 0; f < d; f++) {
    const v = Array.from({ length: n }, (_, i) => Math.fround(x[i * d + f])).sort((a, b) => a - b);
    const starts = [0];
    for (let i = 1; i < n; i++) if (v[i] !== v[i - 1]) starts.push(i);
    const t: number[] = [];
    if (starts.length <= maxBin) {
      for (let k = 1; k < starts.length; k++) t.push(threshold(v[starts[k] - 1], v[starts[k]]));
    } else {
      let k = 1;
      for (let q = 1; q < maxBin; q++) {
        while (k < starts.length && starts[k] < (q * n) / maxBin) k++;
        if (k >= starts.length) break;
        const c = threshold(v[starts[k] - 1], v[starts[k]]);
        if (t.length === 0 || c > t[t.length - 1]) t.push(c);
        k++;
      }
    }
    out.push(Float32Array.from(t));
  }
  return out;
}

test('cuts and bins on mixed-sign data spanning decades, with repeats, zeros of both signs and values on thresholds equal the slow oracle', () => {
  const rng = new Rng(9);
  for (const [n, maxBin] of [[4000, 256], [3000, 1000], [500, 16]] as const) {
    const d = 3;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      x[i * d] = (rng.uniform() - 0.5) * 10 ** (rng.int(30) - 15); // both signs, 30 decades
      x[i * d + 1] = [0, -0, 1, -1, 2.5][rng.int(5)]; // few values, ±0
      x[i * d + 2] = Math.round(rng.normal() * 50) / 7; // repeats
    }
    const cuts = computeCuts(x, n, d, maxBin);
    const want = naiveCuts(x, n, d, maxBin);
    for (let f = 0; f < d; f++) assert.deepEqual([...cuts.thresholds[f]], [...want[f]], `feature ${f}, n ${n}, max_bin ${maxBin}`);
    // Rows to bin: the training rows, thresholds themselves, neighbours, extremes.
    const probe: number[] = [];
    for (let f = 0; f < d; f++) {
      for (const t of cuts.thresholds[f]) {
        const row = [0, 0, 0];
        row[f] = t;
        probe.push(...row);
        row[f] = t * (1 - 1e-7);
        probe.push(...row);
      }
    }
    probe.push(Infinity, -Infinity, 3.5e38, -0, 0, 1e-45, 0, 0, 0);
    const all = Float64Array.from([...x, ...probe]);
    const m = all.length / d;
    const bins = binRows(all, m, d, cuts);
    for (let i = 0; i < m; i++) {
      for (let f = 0; f < d; f++) {
        const v = Math.fround(all[i * d + f]);
        const count = cuts.thresholds[f].filter((t) => t <= v).length;
        assert.equal(bins[i * d + f], count, `row ${i} feature ${f}: value ${v}`);
      }
    }
  }
});
