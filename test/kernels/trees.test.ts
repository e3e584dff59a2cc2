// The tree kernels (histBuild, histSubtract, splitFind, partition, leafAdd,
// forestPredict, treePredictBinned): native against the reference, bit for bit, at 1 and 2
// threads, on inputs large enough to take the blocked and threaded paths; and
// bad arguments failing with the same message on both backends.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { reference as ref } from '../../src/kernels/reference.js';
import { HIST_BLOCK_ROWS, type BinMatrix, type Kernels } from '../../src/kernels/types.js';
import { binColumns, binRows, computeCuts } from '../../src/models/gbdt/binning.js';
import { Rng } from '../../src/util/rng.js';
import { assertSameBits, NATIVE_TEST, nativeKernels, withThreads } from './support.js';

const THREADS = [1, 2];

interface Problem {
  bins: BinMatrix;
  d: number;
  n: number;
  binOffset: Int32Array;
  gpair: Float64Array;
}

function problem(rng: Rng, n: number, nbins: number[], wide: boolean, sampled = false): Problem {
  const d = nbins.length;
  const binOffset = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) binOffset[f + 1] = binOffset[f] + nbins[f];
  const bins = wide ? new Uint16Array(n * d) : new Uint8Array(n * d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) bins[i * d + f] = rng.int(nbins[f]);
  const gpair = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const keep = !sampled || rng.uniform() < 0.7;
    gpair[2 * i] = keep ? rng.normal() : 0;
    gpair[2 * i + 1] = keep ? 1 : 0;
  }
  return { bins, d, n, binOffset, gpair };
}

/** Node ranges cutting [0, n) into pieces of the given lengths. */
function ranges(lengths: number[]): { begin: Int32Array; end: Int32Array } {
  const begin = new Int32Array(lengths.length);
  const end = new Int32Array(lengths.length);
  let at = 0;
  lengths.forEach((m, j) => {
    begin[j] = at;
    at += m;
    end[j] = at;
  });
  return { begin, end };
}

function shuffledRows(rng: Rng, n: number): Uint32Array {
  return rng.permutation(n);
}

const asF64 = (a: Int32Array | Float32Array): Float64Array => Float64Array.from(a);

for (const wide of [false, true]) {
  test(`histBuild and histSubtract: native = reference bit for bit (${wide ? 'uint16' : 'uint8'} bins, blocked and small nodes)`, NATIVE_TEST, () => {
    const nat = nativeKernels();
    const rng = new Rng(wide ? 7 : 8);
    const p = problem(rng, 3 * HIST_BLOCK_ROWS + 1234, wide ? [300, 2, 1000] : [256, 3, 17], wide, true);
    const rows = shuffledRows(rng, p.n);
    // One long node (several blocks), an empty one, small ones, one exactly a block long.
    const { begin, end } = ranges([2 * HIST_BLOCK_ROWS + 77, 0, 5, 1, HIST_BLOCK_ROWS, p.n - 3 * HIST_BLOCK_ROWS - 83]);
    const slot = Int32Array.from([4, 0, 2, 1, 5, 3]);
    const width = 2 * p.binOffset[p.d];
    const expected = new Float64Array(width * 7).fill(NaN);
    ref.histBuild(p.bins, p.d, p.binOffset, p.gpair, rows, begin, end, slot, expected);
    // Hessians are 0/1: their sums are exact counts.
    let total = 0;
    for (let s = 0; s < 6; s++) for (let b = 0; b < p.binOffset[1]; b++) total += expected[s * width + 2 * b + 1];
    assert.equal(total, [...p.gpair].filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0));
    for (const t of THREADS) {
      const got = new Float64Array(width * 7).fill(NaN);
      withThreads(nat, t, () => nat.histBuild(p.bins, p.d, p.binOffset, p.gpair, rows, begin, end, slot, got));
      assertSameBits(got, expected, `histBuild, ${t} thread(s)`);
      const dst = Int32Array.from([4, 6]);
      const a = Int32Array.from([4, 2]);
      const b = Int32Array.from([3, 1]);
      const want = expected.slice();
      ref.histSubtract(want, p.binOffset[p.d], dst, a, b);
      withThreads(nat, t, () => nat.histSubtract(got, p.binOffset[p.d], dst, a, b));
      assertSameBits(got, want, `histSubtract, ${t} thread(s)`);
    }
  });
}

test('splitFind: native = reference, from histograms and straight from rows, with the same bits for both', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(21);
  const p = problem(rng, 20000, [256, 40, 7], false, true);
  const rows = shuffledRows(rng, p.n);
  const lengths = [9000, 3, 20, 24, 25, 700, 1, 0, 5000, p.n - 14773];
  const { begin, end } = ranges(lengths);
  const k = lengths.length;
  const width = 2 * p.binOffset[p.d];
  const hist = new Float64Array(width * k);
  const allSlots = Int32Array.from({ length: k }, (_, j) => j);
  ref.histBuild(p.bins, p.d, p.binOffset, p.gpair, rows, begin, end, allSlots, hist);
  const sumG = new Float64Array(k);
  const sumH = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let i = begin[j]; i < end[j]; i++) {
      sumG[j] += p.gpair[2 * rows[i]];
      sumH[j] += p.gpair[2 * rows[i] + 1];
    }
  }
  const run = (kern: Kernels, slot: Int32Array, features: Uint8Array, lambda: number, mcw: number) => {
    const o = { f: new Int32Array(k), b: new Int32Array(k), g: new Float64Array(k), l: new Float64Array(2 * k) };
    kern.splitFind(hist, p.bins, p.d, p.binOffset, p.gpair, rows, slot, begin, end, sumG, sumH, features, lambda, mcw, o.f, o.b, o.g, o.l);
    return o;
  };
  const direct = Int32Array.from(lengths, (m) => (m <= 65536 ? -1 : 0));
  for (const [features, lambda, mcw] of [[Uint8Array.from([1, 1, 1]), 1, 1], [Uint8Array.from([0, 1, 1]), 0, 0], [Uint8Array.from([1, 0, 0]), 5, 30]] as const) {
    const want = run(ref, allSlots, features, lambda, mcw);
    const fromRows = run(ref, direct, features, lambda, mcw);
    assertSameBits(asF64(fromRows.f), asF64(want.f), 'reference: rows vs histogram, feature');
    assertSameBits(fromRows.g, want.g, 'reference: rows vs histogram, gain');
    assertSameBits(fromRows.l, want.l, 'reference: rows vs histogram, left sums');
    assert.ok(want.f.some((f) => f >= 0) && want.f.some((f) => f < 0), 'both splittable and unsplittable nodes occur');
    for (const t of THREADS) {
      for (const slot of [allSlots, direct]) {
        const got = withThreads(nat, t, () => run(nat, slot, features, lambda, mcw));
        const what = `${slot === direct ? 'rows' : 'histogram'}, ${t} thread(s), lambda ${lambda}, mcw ${mcw}`;
        assertSameBits(asF64(got.f), asF64(want.f), `feature, ${what}`);
        assertSameBits(asF64(got.b), asF64(want.b), `bin, ${what}`);
        assertSameBits(got.g, want.g, `gain, ${what}`);
        assertSameBits(got.l, want.l, `left sums, ${what}`);
      }
    }
  }
});

test('splitFind straight from rows: a bad bin fails on both backends and leaves the native scratch clean for the next call', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(22);
  const p = problem(rng, 3000, [64, 200, 5], false, true);
  const rows = shuffledRows(rng, p.n);
  const { begin, end } = ranges([40, 300, 2000, p.n - 2340]);
  const k = 4;
  const sumG = new Float64Array(k);
  const sumH = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let i = begin[j]; i < end[j]; i++) {
      sumG[j] += p.gpair[2 * rows[i]];
      sumH[j] += p.gpair[2 * rows[i] + 1];
    }
  }
  const slot = Int32Array.from([-1, -1, -1, -1]);
  const features = Uint8Array.from([1, 1, 1]);
  const run = (kern: Kernels, bins: BinMatrix) => {
    const o = { f: new Int32Array(k), b: new Int32Array(k), g: new Float64Array(k), l: new Float64Array(2 * k) };
    kern.splitFind(new Float64Array(0), bins, p.d, p.binOffset, p.gpair, rows, slot, begin, end, sumG, sumH, features, 1, 1, o.f, o.b, o.g, o.l);
    return o;
  };
  // A bin beyond feature 1's 200, in a row of node 2 (after nodes 0 and 1 have been summed).
  const bad = Uint8Array.from(p.bins);
  bad[rows[1000] * p.d + 1] = 250;
  for (const t of THREADS) {
    assert.throws(() => withThreads(nat, t, () => run(nat, bad)), /bins holds a bin index beyond its feature's bins/);
    assert.throws(() => run(ref, bad), /bins holds a bin index beyond its feature's bins/);
    const want = run(ref, p.bins);
    const got = withThreads(nat, t, () => run(nat, p.bins));
    assertSameBits(asF64(got.f), asF64(want.f), `feature, ${t} thread(s)`);
    assertSameBits(asF64(got.b), asF64(want.b), `bin, ${t} thread(s)`);
    assertSameBits(got.g, want.g, `gain, ${t} thread(s)`);
    assertSameBits(got.l, want.l, `left sums, ${t} thread(s)`);
  }
});

test('splitFind straight from rows with many bins and few rows (the sort and sparse-scan paths): native = reference', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(23);
  const p = problem(rng, 6000, [20000, 3000, 9], true, true);
  const rows = shuffledRows(rng, p.n);
  const lengths = [3, 20, 24, 25, 100, 1000, 0, 1, p.n - 1173];
  const { begin, end } = ranges(lengths);
  const k = lengths.length;
  const sumG = new Float64Array(k);
  const sumH = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let i = begin[j]; i < end[j]; i++) {
      sumG[j] += p.gpair[2 * rows[i]];
      sumH[j] += p.gpair[2 * rows[i] + 1];
    }
  }
  const slot = new Int32Array(k).fill(-1);
  for (const [features, mcw] of [[Uint8Array.from([1, 1, 1]), 1], [Uint8Array.from([0, 1, 1]), 0]] as const) {
    const run = (kern: Kernels) => {
      const o = { f: new Int32Array(k), b: new Int32Array(k), g: new Float64Array(k), l: new Float64Array(2 * k) };
      kern.splitFind(new Float64Array(0), p.bins, p.d, p.binOffset, p.gpair, rows, slot, begin, end, sumG, sumH, features, 1, mcw, o.f, o.b, o.g, o.l);
      return o;
    };
    const want = run(ref);
    for (const t of THREADS) {
      const got = withThreads(nat, t, () => run(nat));
      assertSameBits(asF64(got.f), asF64(want.f), `feature, ${t} thread(s)`);
      assertSameBits(asF64(got.b), asF64(want.b), `bin, ${t} thread(s)`);
      assertSameBits(got.g, want.g, `gain, ${t} thread(s)`);
      assertSameBits(got.l, want.l, `left sums, ${t} thread(s)`);
    }
  }
});

test('partition and leafAdd: native = reference, including nodes long enough to be cut into blocks', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(33);
  const p = problem(rng, 90000, [256, 256], false);
  const lengths = [70000, 0, 3, 1000, p.n - 71003];
  const { begin, end } = ranges(lengths);
  const feature = Int32Array.from([0, 1, 1, 0, 1]);
  const bin = Int32Array.from([100, 3, -1, 255, 17]);
  const rows0 = shuffledRows(rng, p.n);
  const wantRows = rows0.slice();
  const wantMid = new Int32Array(lengths.length);
  const columns = binColumns(p.bins, p.n, p.d);
  ref.partition(columns, p.n, wantRows, begin, end, feature, bin, wantMid);
  // Column-major: the same split as reading the row-major bins.
  for (let j = 0; j < lengths.length; j++) {
    for (let i = begin[j]; i < end[j]; i++) {
      assert.equal(p.bins[wantRows[i] * p.d + feature[j]] <= bin[j], i < wantMid[j], `node ${j} position ${i}`);
    }
  }
  // Stable: each side keeps the previous order.
  assert.equal(wantMid[2], begin[2], 'bin -1 sends every row right');
  assert.equal(wantMid[3], end[3], 'the last bin sends every row left');
  const value = Float64Array.from({ length: lengths.length }, () => rng.normal());
  const wantPred = Float64Array.from({ length: p.n }, () => rng.normal());
  const pred0 = wantPred.slice();
  ref.leafAdd(wantRows, begin, end, value, wantPred);
  for (const t of THREADS) {
    const rows = rows0.slice();
    const mid = new Int32Array(lengths.length);
    withThreads(nat, t, () => nat.partition(columns, p.n, rows, begin, end, feature, bin, mid));
    assert.deepEqual(mid, wantMid, `mid, ${t} thread(s)`);
    assert.deepEqual(rows, wantRows, `rows, ${t} thread(s)`);
    const pred = pred0.slice();
    withThreads(nat, t, () => nat.leafAdd(rows, begin, end, value, pred));
    assertSameBits(pred, wantPred, `leafAdd, ${t} thread(s)`);
  }
});

/** A random forest of valid trees (children after parents, siblings adjacent). */
function randomForest(rng: Rng, nTrees: number, d: number) {
  const offsets = [0];
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const value: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    const base = feature.length;
    const grow = (at: number, depth: number): void => {
      if (depth < 6 && rng.uniform() < 0.8) {
        const l = feature.length - base;
        for (let c = 0; c < 2; c++) {
          feature.push(0);
          threshold.push(0);
          left.push(-1);
          value.push(0);
        }
        feature[base + at] = rng.int(d);
        threshold[base + at] = Math.fround(rng.uniform());
        left[base + at] = l;
        grow(l, depth + 1);
        grow(l + 1, depth + 1);
      } else {
        value[base + at] = rng.normal();
      }
    };
    feature.push(0);
    threshold.push(0);
    left.push(-1);
    value.push(0);
    grow(0, 0);
    offsets.push(feature.length);
  }
  return {
    treeOffset: Int32Array.from(offsets), feature: Uint16Array.from(feature), threshold: Float32Array.from(threshold),
    left: Int32Array.from(left), value: Float64Array.from(value),
  };
}

test('forestPredict: native = reference bit for bit; float32(x) < threshold decides, ties go right', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(44);
  const d = 3;
  const f = randomForest(rng, 40, d);
  const n = 5000;
  const x = Float64Array.from({ length: n * d }, () => rng.uniform());
  // Rows sitting exactly on thresholds, and just below one in float64 but equal in float32.
  for (let i = 0; i < 50; i++) {
    const k = rng.int(f.feature.length);
    x[i * d + f.feature[k]] = f.threshold[k];
    x[(50 + i) * d + f.feature[k]] = f.threshold[k] - 1e-12;
  }
  const want = new Float64Array(n);
  ref.forestPredict(x, n, d, f.treeOffset, f.feature, f.threshold, f.left, f.value, 0.25, want);
  for (const t of THREADS) {
    const got = new Float64Array(n);
    withThreads(nat, t, () => nat.forestPredict(x, n, d, f.treeOffset, f.feature, f.threshold, f.left, f.value, 0.25, got));
    assertSameBits(got, want, `forestPredict, ${t} thread(s)`);
  }
  // One stump by hand: x on the threshold goes right, x a hair below in float64 (same float32) too.
  const stump = { treeOffset: Int32Array.from([0, 3]), feature: Uint16Array.from([0, 0, 0]), threshold: Float32Array.from([0.5, 0, 0]), left: Int32Array.from([1, -1, -1]), value: Float64Array.from([0, -1, 1]) };
  const xs = Float64Array.from([0.25, 0.5, 0.5 - 1e-12, 0.5 - 1e-7]);
  for (const k of [ref, nat]) {
    const out = new Float64Array(4);
    k.forestPredict(xs, 4, 1, stump.treeOffset, stump.feature, stump.threshold, stump.left, stump.value, 10, out);
    assert.deepEqual([...out], [9, 11, 11, 9], k.backend);
  }
});

test('treePredictBinned: native = reference; on rows binned with the cuts it finds forestPredict\'s leaves', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(45);
  for (const [d, maxBin] of [[3, 64], [2, 300]] as const) {
    const n = 20000;
    // Training-like values to cut on (with repeats), then other rows to predict, some outside their range.
    const xTrain = Float64Array.from({ length: 5000 * d }, () => Math.round(rng.uniform() * 4000) / 4000);
    const cuts = computeCuts(xTrain, 5000, d, maxBin);
    const x = Float64Array.from({ length: n * d }, () => rng.uniform() * 1.2 - 0.1);
    for (let i = 0; i < 200; i++) {
      const f = rng.int(d);
      const t = cuts.thresholds[f];
      if (t.length > 0) x[i * d + f] = t[rng.int(t.length)]; // exactly on a threshold: goes right
    }
    const bins = binRows(x, n, d, cuts);
    // A random tree whose splits are cut thresholds.
    const feature: number[] = [0];
    const bin: number[] = [-1];
    const left: number[] = [-1];
    const value: number[] = [0];
    const grow = (at: number, depth: number): void => {
      const f = rng.int(d);
      if (depth < 9 && cuts.thresholds[f].length > 0 && rng.uniform() < 0.85) {
        const l = feature.length;
        feature.push(0, 0);
        bin.push(-1, -1);
        left.push(-1, -1);
        value.push(0, 0);
        feature[at] = f;
        bin[at] = rng.int(cuts.thresholds[f].length);
        left[at] = l;
        grow(l, depth + 1);
        grow(l + 1, depth + 1);
      } else {
        value[at] = rng.normal();
      }
    };
    grow(0, 0);
    const tree = { feature: Int32Array.from(feature), bin: Int32Array.from(bin), left: Int32Array.from(left), value: Float64Array.from(value) };
    const want = new Float64Array(n);
    ref.forestPredict(
      x, n, d, Int32Array.from([0, feature.length]), Uint16Array.from(feature),
      Float32Array.from(feature, (f, k) => (left[k] < 0 ? 0 : cuts.thresholds[f][bin[k]])), tree.left, tree.value, 0, want,
    );
    const got = new Float64Array(n);
    ref.treePredictBinned(bins, d, tree.feature, tree.bin, tree.left, tree.value, got);
    assertSameBits(got, want, `reference vs forestPredict, d = ${d}`);
    for (const t of THREADS) {
      const out = new Float64Array(n).fill(NaN);
      withThreads(nat, t, () => nat.treePredictBinned(bins, d, tree.feature, tree.bin, tree.left, tree.value, out));
      assertSameBits(out, want, `native, ${t} thread(s), d = ${d}`);
    }
  }
});

test('bad arguments fail with the same message on both backends', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng(5);
  const p = problem(rng, 100, [10, 300], true);
  const rows = shuffledRows(rng, p.n);
  const { begin, end } = ranges([60, 40]);
  const hist = new Float64Array(2 * p.binOffset[p.d] * 2);
  const cols = binColumns(p.bins, p.n, p.d);
  const cases: Array<[string, (k: Kernels) => void]> = [
    ['uint8 bins with 300 bins', (k) => k.histBuild(Uint8Array.from(p.bins), p.d, p.binOffset, p.gpair, rows, begin, end, Int32Array.from([0, 1]), hist)],
    ['duplicate slots', (k) => k.histBuild(p.bins, p.d, p.binOffset, p.gpair, rows, begin, end, Int32Array.from([1, 1]), hist)],
    ['range outside rows', (k) => k.histBuild(p.bins, p.d, p.binOffset, p.gpair, rows, begin, Int32Array.from([60, 101]), Int32Array.from([0, 1]), hist)],
    ['row index out of range', (k) => k.histBuild(p.bins, p.d, p.binOffset, p.gpair, Uint32Array.from([...rows.subarray(0, 99), 100]), begin, end, Int32Array.from([0, 1]), hist)],
    ['bin out of range', (k) => k.histBuild(Uint16Array.from(p.bins, (b, i) => (i === 1 ? 300 : b)), p.d, p.binOffset, p.gpair, rows, begin, end, Int32Array.from([0, 1]), hist)],
    ['gpair as Float32Array', (k) => k.histBuild(p.bins, p.d, p.binOffset, new Float32Array(200) as unknown as Float64Array, rows, begin, end, Int32Array.from([0, 1]), hist)],
    ['subtract reads a written slot', (k) => k.histSubtract(hist, p.binOffset[p.d], Int32Array.from([0, 1]), Int32Array.from([1, 1]), Int32Array.from([0, 0]))],
    ['overlapping partition ranges', (k) => k.partition(cols, p.n, rows.slice(), Int32Array.from([0, 50]), Int32Array.from([60, 100]), Int32Array.from([0, 0]), Int32Array.from([1, 1]), new Int32Array(2))],
    ['partition feature ≥ d', (k) => k.partition(cols, p.n, rows.slice(), begin, end, Int32Array.from([0, 2]), Int32Array.from([1, 1]), new Int32Array(2))],
    ['partition columns not n rows long', (k) => k.partition(cols, p.n + 1, rows.slice(), begin, end, Int32Array.from([0, 1]), Int32Array.from([1, 1]), new Int32Array(2))],
    ['partition row index ≥ n', (k) => k.partition(cols, p.n, Uint32Array.from([...rows.subarray(0, 99), 100]), begin, end, Int32Array.from([0, 1]), Int32Array.from([1, 1]), new Int32Array(2))],
    ['partition columns as Int32Array', (k) => k.partition(new Int32Array(200) as unknown as Uint8Array, p.n, rows.slice(), begin, end, Int32Array.from([0, 1]), Int32Array.from([1, 1]), new Int32Array(2))],
    ['binned tree child before its parent', (k) => k.treePredictBinned(p.bins, p.d, new Int32Array(3), new Int32Array(3), Int32Array.from([1, 0, -1]), new Float64Array(3), new Float64Array(p.n))],
    ['binned tree feature ≥ d', (k) => k.treePredictBinned(p.bins, p.d, Int32Array.from([2, 0, 0]), new Int32Array(3), Int32Array.from([1, -1, -1]), new Float64Array(3), new Float64Array(p.n))],
    ['binned tree out too short', (k) => k.treePredictBinned(p.bins, p.d, new Int32Array(3), new Int32Array(3), Int32Array.from([1, -1, -1]), new Float64Array(3), new Float64Array(p.n - 1))],
    ['binned tree without nodes', (k) => k.treePredictBinned(p.bins, p.d, new Int32Array(0), new Int32Array(0), new Int32Array(0), new Float64Array(0), new Float64Array(p.n))],
    ['leafAdd row ≥ pred.length', (k) => k.leafAdd(rows, begin, end, Float64Array.from([1, 2]), new Float64Array(99))],
    ['direct node too long', (k) => k.splitFind(hist, p.bins, p.d, p.binOffset, p.gpair, rows, Int32Array.from([-1, 0]), begin, end, new Float64Array(2), new Float64Array(2), Uint8Array.from([1, 1]), -1, 1, new Int32Array(2), new Int32Array(2), new Float64Array(2), new Float64Array(4))],
    ['forest child before its parent', (k) => k.forestPredict(new Float64Array(2), 2, 1, Int32Array.from([0, 3]), new Uint16Array(3), Float32Array.from([1, 0, 0]), Int32Array.from([1, 0, -1]), new Float64Array(3), 0, new Float64Array(2))],
    ['forest child before its parent, many rows (packed path)', (k) => k.forestPredict(new Float64Array(4096), 4096, 1, Int32Array.from([0, 3]), new Uint16Array(3), Float32Array.from([1, 0, 0]), Int32Array.from([1, 0, -1]), new Float64Array(3), 0, new Float64Array(4096))],
    ['forest feature ≥ d, many rows (packed path)', (k) => k.forestPredict(new Float64Array(4096), 4096, 1, Int32Array.from([0, 3]), Uint16Array.from([1, 0, 0]), new Float32Array(3), Int32Array.from([1, -1, -1]), new Float64Array(3), 0, new Float64Array(4096))],
    ['forest feature ≥ d', (k) => k.forestPredict(new Float64Array(2), 2, 1, Int32Array.from([0, 3]), Uint16Array.from([1, 0, 0]), new Float32Array(3), Int32Array.from([1, -1, -1]), new Float64Array(3), 0, new Float64Array(2))],
    ['forest out overlaps value', (k) => {
      const v = new Float64Array(3);
      k.forestPredict(new Float64Array(2), 2, 1, Int32Array.from([0, 3]), new Uint16Array(3), new Float32Array(3), Int32Array.from([1, -1, -1]), v, 0, v.subarray(0, 2));
    }],
  ];
  const fails = (what: string, call: () => void): Error => {
    try {
      call();
    } catch (e) {
      assert.ok(e instanceof Error);
      return e;
    }
    return assert.fail(`${what}: no exception`);
  };
  for (const [what, call] of cases) {
    const a = fails(`${what} (reference)`, () => call(ref));
    const b = fails(`${what} (native)`, () => call(nat));
    assert.equal(b.message, a.message, what);
    assert.equal(b.constructor, a.constructor, what);
  }
});
