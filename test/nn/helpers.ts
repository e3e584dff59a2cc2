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

/**
 * Central finite differences (step h) of loss() w.r.t. every element of arr,
 * against the analytic gradient: |fd − analytic| ≤ absTol + relTol·|fd|.
 * Restores arr; the message names the element and both values.
 */
export function checkFiniteDifferences(
  arr: Float64Array, analytic: Float64Array, loss: () => number, what: string, h = FD_STEP, absTol = FD_ABS_TOL, relTol = FD_REL_TOL,
): void {
  for (let i = 0; i < arr.length; i++) {
    const keep = arr[i];
    arr[i] = keep + h;
    const up = loss();
    arr[i] = keep - h;
    const down = loss();
    arr[i] = keep;
    const fd = (up - down) / (2 * h);
    assert.ok(Math.abs(fd - analytic[i]) <= absTol + relTol * Math.abs(fd), `${what}[${i}]: analytic ${analytic[i]}, finite difference ${fd}`);
  }
}

/** What checkNetworkGradient needs of a network (any family). */
export interface Differentiable {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  forward(x: Float64Array, n: number): Float64Array;
  backward(dOut: Float64Array, dInput?: Float64Array | null): void;
}

/**
 * Checks backward() of a network against central differences (checkFiniteDifferences' defaults) for the loss
 * L = Σ c_i f(x_i) (so dL/df = c), w.r.t. every parameter and every input;
 * then that the parameter gradient does not depend on whether dL/dx is asked for.
 */
export function checkNetworkGradient(net: Differentiable, x: Float64Array, c: Float64Array): void {
  const n = c.length;
  const loss = (): number => {
    const f = net.forward(x, n);
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i] * f[i];
    return s;
  };
  loss();
  const dx = new Float64Array(x.length);
  net.backward(c, dx);
  const gp = net.grads.slice();
  checkFiniteDifferences(net.params, gp, loss, 'param');
  checkFiniteDifferences(x, dx, loss, 'input');
  loss();
  net.backward(c);
  for (let i = 0; i < gp.length; i++) {
    if (net.grads[i] !== gp[i]) throw new Error(`param gradient [${i}] changes when dL/dx is not asked for: ${net.grads[i]} vs ${gp[i]}`);
  }
}
