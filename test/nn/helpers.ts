// Shared test fixtures for the nn tests.

import assert from 'node:assert/strict';
import { reference } from '../../src/kernels/reference.js';
import type { Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';

/** The oracle kernels the nn tests run on: the pure-TypeScript reference. */
export const referenceKernels: Kernels = reference;

/** n×d uniform points in [0, 1)^d. */
export function uniformPoints(rng: Rng, n: number, d: number): Float64Array {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return x;
}

/** y = sin(3 x1) + x2² over rows of x (d ≥ 2), the learning-test target. */
export function sinSquareTarget(x: Float64Array, d: number): Float64Array {
  const n = x.length / d;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(3 * x[i * d]) + x[i * d + 1] ** 2;
  return y;
}

/** Bitwise equality of two float64 arrays, with the first difference in the message. */
export function sameBits(a: Float64Array, b: Float64Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

// Central differences with step H: truncation ~H²·f''' ≈ 1e-12 and rounding
// ~1e-16/H ≈ 1e-10, so 1e-7 absolute + 1e-6 relative leaves a wide margin
// while any real bug (missing term, wrong transpose) is O(1e-2) or more.
const FD_STEP = 1e-6;
const FD_ABS_TOL = 1e-7;
const FD_REL_TOL = 1e-6;

/** Asserts analytic[i] = ∂loss/∂arr[i] for every i by central differences (arr is restored). */
export function checkGradient(arr: Float64Array, analytic: Float64Array, loss: () => number, what: string): void {
  for (let i = 0; i < arr.length; i++) {
    const keep = arr[i];
    arr[i] = keep + FD_STEP;
    const up = loss();
    arr[i] = keep - FD_STEP;
    const down = loss();
    arr[i] = keep;
    const fd = (up - down) / (2 * FD_STEP);
    const err = Math.abs(fd - analytic[i]);
    assert.ok(err <= FD_ABS_TOL + FD_REL_TOL * Math.abs(fd), `${what}[${i}]: analytic ${analytic[i]}, finite difference ${fd}`);
  }
}
