// The KAN expansion kernels: spline values against hand-computed ones and the
// partition of unity, the backward against finite differences, and the native
// addon against the reference (exp may differ in the last bit: 1e-15 relative).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { kanFeatures } from '../../src/kernels/kan.js';
import { reference as ref } from '../../src/kernels/reference.js';
import { Rng } from '../../src/util/rng.js';
import { checkFiniteDifferences } from '../nn/helpers.js';
import { NATIVE_TEST, nativeKernels, thrown } from './support.js';

const GRID = 4;
const PER = kanFeatures(GRID);

test('kanExpand: silu, the cubic B-splines at a knot, and their partition of unity on [lo, hi)', () => {
  // v = lo = -1: t = 0, s = 0, so B_0, B_1, B_2 = 1/6, 4/6, 1/6 and the rest 0.
  const f = new Float64Array(PER);
  ref.kanExpand(new Float64Array([-1]), 1, 1, GRID, -1, 1, f);
  assert.equal(f[0], -1 / (1 + Math.E));
  assert.deepEqual(Array.from(f.subarray(1)), [1 / 6, 4 / 6, 1 / 6, 0, 0, 0, 0]);
  const rng = new Rng('kan-unity');
  const x = new Float64Array(200).map(() => -1 + 2 * rng.uniform());
  const g = new Float64Array(200 * PER);
  ref.kanExpand(x, 200, 1, GRID, -1, 1, g);
  for (let e = 0; e < 200; e++) {
    const sum = g.subarray(e * PER + 1, (e + 1) * PER).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-15, `Σ B_k(${x[e]}) = ${sum}`);
  }
  // Beyond the grid extended by 3 knots (|v| ≥ 1 + 3h = 2.5) only silu is left.
  ref.kanExpand(new Float64Array([2.6]), 1, 1, GRID, -1, 1, f);
  assert.deepEqual(Array.from(f.subarray(1)), [0, 0, 0, 0, 0, 0, 0]);
});

test('kanExpandBackward matches finite differences, inside, on the extension and beyond the grid', () => {
  const rng = new Rng('kan-fd');
  const n = 3;
  const nIn = 4;
  const x = new Float64Array(n * nIn).map(() => 6 * rng.uniform() - 3);
  const w = new Float64Array(n * nIn * PER).map(() => rng.normal());
  const f = new Float64Array(w.length);
  const loss = (): number => {
    ref.kanExpand(x, n, nIn, GRID, -1, 1, f);
    return f.reduce((s, v, i) => s + w[i] * v, 0);
  };
  const dx = new Float64Array(x.length);
  ref.kanExpandBackward(x, n, nIn, GRID, -1, 1, w, dx);
  checkFiniteDifferences(x, dx, loss, 'x', 1e-6, 1e-7, 1e-6);
});

test('kan kernels: native agrees with the reference and fails with the same words', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('kan-native');
  const n = 50;
  const nIn = 7;
  const x = new Float64Array(n * nIn).map(() => 8 * rng.uniform() - 4);
  x[0] = NaN;
  x[1] = -1; // on a knot
  const fr = new Float64Array(n * nIn * PER);
  const fn = new Float64Array(fr.length).fill(9);
  ref.kanExpand(x, n, nIn, GRID, -1, 1, fr);
  nat.kanExpand(x, n, nIn, GRID, -1, 1, fn);
  const df = new Float64Array(fr.length).map(() => rng.normal());
  const dxr = new Float64Array(x.length);
  const dxn = new Float64Array(x.length);
  ref.kanExpandBackward(x, n, nIn, GRID, -1, 1, df, dxr);
  nat.kanExpandBackward(x, n, nIn, GRID, -1, 1, df, dxn);
  for (const [a, b, what] of [[fn, fr, 'f'], [dxn, dxr, 'dx']] as const) {
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(b[i])) assert.ok(Number.isNaN(a[i]), `${what}[${i}]`);
      else assert.ok(Math.abs(a[i] - b[i]) <= 1e-15 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: native ${a[i]}, reference ${b[i]}`);
    }
  }
  for (const k of [ref, nat]) {
    assert.equal(String(thrown(() => k.kanExpand(x, n, nIn, GRID, 1, 1, fr))), 'RangeError: ampfit kernels: kanExpand: lo (1) must be below hi (1)');
    assert.equal(
      String(thrown(() => k.kanExpand(x, n, nIn, GRID, -1, 1, fr.subarray(1)))),
      `RangeError: ampfit kernels: kanExpand: f has length ${fr.length - 1}, expected n*nIn*(grid+4) = ${fr.length}`,
    );
  }
});
