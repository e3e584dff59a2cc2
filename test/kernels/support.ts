// Shared helpers for the kernel tests (not a test file itself).

import assert from 'node:assert/strict';

import { loadNative, nativeLoadError } from '../../src/kernels/native.js';
import type { Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';

export const EPS = 2 ** -52;

/**
 * Options for tests that need the addon. They are skipped only when the build
 * was skipped on purpose (AMPFIT_NO_NATIVE=1); otherwise a missing addon makes
 * them fail, because a silently skipped native test proves nothing.
 */
export const NATIVE_TEST = { skip: process.env.AMPFIT_NO_NATIVE === '1' ? 'AMPFIT_NO_NATIVE=1' : false };

export function nativeKernels(): Kernels {
  const k = loadNative();
  assert.ok(k, `native addon unavailable: ${nativeLoadError()} (set AMPFIT_NO_NATIVE=1 to skip native tests)`);
  return k;
}

/** Runs fn with the given thread count, restoring the previous one. */
export function withThreads<T>(k: Kernels, n: number, fn: () => T): T {
  const before = k.threads();
  k.setThreads(n);
  try {
    return fn();
  } finally {
    k.setThreads(before);
  }
}

export function normals(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export function abs(a: Float64Array): Float64Array {
  return a.map(Math.abs);
}

/** |actual - expected| <= tol (elementwise tol, or one number), NaN only where expected is NaN. */
export function assertClose(actual: Float64Array, expected: Float64Array, tol: Float64Array | number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const t = typeof tol === 'number' ? tol : tol[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= t)) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > tolerance ${t})`);
    }
  }
}

/** Identical bits (so also the sign of zero). */
export function assertSameBits(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new BigUint64Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new BigUint64Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, expected exactly ${expected[i]}`);
  }
}

/** The error fn throws (fails the test if it does not throw). */
export function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, 'threw a non-Error');
    return e;
  }
  return assert.fail('expected an exception');
}
