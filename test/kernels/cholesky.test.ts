import assert from 'node:assert/strict';
import { test } from 'node:test';

import { choleskyFactor, choleskySolve } from '../../src/kernels/cholesky.js';
import { reference } from '../../src/kernels/reference.js';
import type { Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import { NATIVE_TEST, nativeKernels, normals } from './support.js';

/** A = BᵀB/k + shift·I for a k×n Gaussian B: SPD with condition number ~ (1 + √(n/k))² / shift-ish. */
function spd(n: number, seed: number, shift: number): Float64Array {
  const rng = new Rng(seed);
  const k = n + 7;
  const b = normals(rng, k * n);
  const a = new Float64Array(n * n);
  reference.gemm(true, false, n, n, k, 1 / k, b, n, b, n, 0, a, n);
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}

/** max |(L·Lᵀ − A)_ij| / max |A_ij| over the lower triangle. */
function factorError(a: Float64Array, l: Float64Array, n: number): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p <= j; p++) s += l[i * n + p] * l[j * n + p];
      worst = Math.max(worst, Math.abs(s - a[i * n + j]));
      scale = Math.max(scale, Math.abs(a[i * n + j]));
    }
  }
  return worst / scale;
}

function checkBackend(k: Kernels): void {
  // 250 = two full blocks of 96 and a short one: diagonal blocks, panels and trailing updates all run.
  for (const n of [1, 5, 96, 250]) {
    const a = spd(n, n, 0.05);
    const l = a.slice();
    assert.equal(choleskyFactor(k, l, n), true, `n = ${n}`);
    const err = factorError(a, l, n);
    assert.ok(err < 1e-13, `n = ${n}: |LLᵀ − A| / |A| = ${err}`);
    const x = normals(new Rng(99), n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += a[i * n + j] * x[j];
    choleskySolve(l, n, b);
    let dx = 0;
    for (let i = 0; i < n; i++) dx = Math.max(dx, Math.abs(b[i] - x[i]));
    // κ(A) ≲ 100 here, so the solve is accurate to ~100 ε.
    assert.ok(dx < 1e-11, `n = ${n}: solve error ${dx}`);
  }
}

test('cholesky: L·Lᵀ reproduces A and the solve inverts it (reference gemm)', () => {
  checkBackend(reference);
});

test('cholesky: the same on the native gemm', NATIVE_TEST, () => {
  checkBackend(nativeKernels());
});

test('cholesky: an indefinite matrix is reported, not factored into NaN', () => {
  const n = 130;
  const a = spd(n, 3, 0.05);
  // A pivot in the second block goes negative.
  a[110 * n + 110] = -1;
  assert.equal(choleskyFactor(reference, a.slice(), n), false);
  const sing = new Float64Array(n * n);
  assert.equal(choleskyFactor(reference, sing, n), false, 'the zero matrix has a zero pivot');
});
