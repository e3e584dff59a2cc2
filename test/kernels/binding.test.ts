// The addon's own argument checks (native/binding.c), called directly,
// without the TypeScript checks src/kernels/native.ts runs first: its tables
// still refuse what would make a kernel read or write out of bounds, in the
// words of src/kernels/checks.ts, and never crash the process.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { nativeAddonPath } from '../../src/kernels/native.js';

const path = nativeAddonPath();
const built = path !== null && existsSync(path);
type Fn = (...args: unknown[]) => void;
const addon = (built ? createRequire(import.meta.url)(path) : {}) as Record<string, Fn>;
const f = (n: number): Float64Array => new Float64Array(n);

test('the addon refuses bad types, dimensions, lengths and shapes by its argument tables', { skip: built ? false : 'native addon not built' }, () => {
  const LINEAR = 0;
  assert.throws(() => addon.denseForward(f(4), 2, 2, f(4), null, 2, LINEAR, 0, null, f(4), f(3)), {
    name: 'RangeError', message: 'ampfit kernels: denseForward: y has length 3, expected n*nOut = 4',
  });
  assert.throws(() => addon.denseForward([1, 2], 1, 2, f(4), null, 2, LINEAR, 0, null, f(2), f(2)), {
    name: 'TypeError', message: 'ampfit kernels: denseForward: x must be a Float64Array',
  });
  assert.throws(() => addon.denseForward(f(4), 2, 2, f(4), null, 2, 99, 0, null, f(4), f(4)), /act code must be an integer in \[0, \d+\] \(got 99\)/);
  assert.throws(() => addon.denseBackward(f(4), 2, 2, f(4), 2, LINEAR, 0, f(4), f(4), f(4), f(4), f(5), f(4), null, false), {
    message: 'ampfit kernels: denseBackward: dx has length 5, expected n*nIn = 4',
  });
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, 1, f(4), 2, f(4), 2, 0, f(3), 2), /c has length 3, needs at least 4 for a 2x2 matrix/);
  assert.throws(() => addon.adamStep(f(3), f(3), f(2), f(3), 0.1, 0.9, 0.999, 1e-8, 1), /m has length 2, expected p.length = 3/);
  assert.throws(() => addon.adamStep(f(3), f(3), f(3), f(3), 0.1, 0.9, 0.999, 1e-8, 0), /step must be an integer in \[1, /);
  assert.throws(() => addon.rationalForward(f(6), 2, 3, 2, 1, 1, f(6), f(6)), /groups \(2\) must divide width \(3\)/);
  assert.throws(() => addon.rationalForward(f(6), 2, 3, 4, 1, 1, f(12), f(6)), /groups must be an integer in \[1, 3\] \(got 4\)/);
  assert.throws(() => addon.rationalBackward(f(6), 2, 3, 1, 1, 1, f(3), f(6), null, f(2)), /gcoef has length 2, expected groups\*\(degP\+1\+degQ\) = 3/);
  assert.throws(() => addon.kanExpand(f(2), 1, 2, 3, 1, 1, f(14)), /lo must be below hi/);
  assert.throws(() => addon.kanExpandBackward(f(2), 1, 2, 3, -1, 1, f(13), f(2)), /df has length 13, expected n\*nIn\*\(grid\+4\) = 14/);
  assert.throws(() => addon.gemm(false, false, 2), /gemm: expected 13 arguments, got 3/);
  // A well-formed call still runs: y = x·W with W = identity.
  const y = f(4);
  addon.denseForward(Float64Array.of(1, 2, 3, 4), 2, 2, Float64Array.of(1, 0, 0, 1), null, 2, LINEAR, 0, null, y, y);
  assert.deepEqual([...y], [1, 2, 3, 4]);
});
