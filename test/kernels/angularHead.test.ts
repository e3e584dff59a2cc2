// The angular-head kernels: the reference's backward against finite
// differences of its forward, and the native addon against the reference
// (same operations in the same order; only libm's cos/sin may round
// differently from V8's, so the bound is 1e-13 of each buffer's scale, not
// bits), on one and two threads.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { angularHeadSizes, type AngularHeadBuffers, type AngularHeadShape } from '../../src/kernels/angularHead.js';
import { reference as ref } from '../../src/kernels/reference.js';
import type { Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import { checkFiniteDifferences } from '../nn/helpers.js';
import { assertClose, assertSameBits, NATIVE_TEST, nativeKernels, normals, thrown, withThreads } from './support.js';

/** Native against reference, relative to the largest |value| of the buffer. */
const NATIVE_TOL = 1e-13;

/** A head laid out as structuredNetwork.ts lays it out: t0, L, e, and one spare column (the Born's scale). */
function shape(decays: number, lMax: number): AngularHeadShape {
  const { k, z } = angularHeadSizes(decays, lMax);
  return { decays, lMax, m: 1 + z * z + k - 1 + 1, lAt: 1, eAt: 1 + z * z, alpha: 1 / z, beta: 1 / Math.sqrt(k - 1) };
}

// zz8d's head (2 decays, l ≤ 2), the test networks' (l ≤ 1), one decay at l ≤ 3.
const SHAPES = [shape(2, 2), shape(2, 1), shape(1, 3)];

function inputs(s: AngularHeadShape, n: number, seed: string): { angles: Float64Array; o: Float64Array } {
  const rng = new Rng(seed);
  const angles = new Float64Array(n * 2 * s.decays);
  for (let i = 0; i < angles.length; i += 2) {
    angles[i] = 2 * rng.uniform() - 1;
    angles[i + 1] = 2 * Math.PI * rng.uniform();
  }
  // cos θ = ±1 exactly (s = 0): the poles, where the harmonics' sin θ powers vanish.
  angles[0] = 1;
  if (n > 1) angles[2 * s.decays] = -1;
  return { angles, o: normals(rng, n * s.m) };
}

function buffers(s: AngularHeadShape, n: number): AngularHeadBuffers {
  const { k, z } = angularHeadSizes(s.decays, s.lMax);
  const f = (len: number): Float64Array => new Float64Array(len);
  return { basis: f(n * k), z: f(n * z), v: f(n * z), p: f(n), qRaw: f(n), qMean: f(n) };
}

function coefficients(n: number, seed: string): { ce: Float64Array; cRaw: Float64Array; cMean: Float64Array } {
  const rng = new Rng(seed);
  return { ce: normals(rng, n), cRaw: normals(rng, n), cMean: normals(rng, n) };
}

const BUFFERS = ['basis', 'z', 'v', 'p', 'qRaw', 'qMean'] as const;

for (const s of SHAPES) {
  const name = `${s.decays} decay(s), l ≤ ${s.lMax}`;

  test(`angular head (${name}): the reference backward matches finite differences of ce·Σe·B + cRaw·qRaw + cMean·qMean`, () => {
    const n = 3;
    const { angles, o } = inputs(s, n, `fd-${name}`);
    const out = buffers(s, n);
    const c = coefficients(n, `fd-c-${name}`);
    const loss = (): number => {
      ref.angularHeadForward(s, n, angles, o, out);
      let l = 0;
      for (let r = 0; r < n; r++) l += (c.ce[r] * out.p[r]) / s.beta + c.cRaw[r] * out.qRaw[r] + c.cMean[r] * out.qMean[r];
      return l;
    };
    loss();
    // The columns the kernel does not own (t0 and the spare) keep their value: 0, which is also their finite difference.
    const dInner = new Float64Array(n * s.m);
    ref.angularHeadBackward(s, n, o, out, c, dInner);
    assert.ok(dInner.some((g) => Math.abs(g) > 1e-2), 'the gradient is not trivially zero');
    // L = 1 at the poles and linear-quadratic in o: truncation is ~0, rounding ~1e-16/h.
    checkFiniteDifferences(o, dInner, loss, `o (${name})`, 1e-5, 1e-8, 1e-8);
  });

  test(`angular head (${name}): native equals the reference to ${NATIVE_TOL} on 1 and 2 threads, and the thread count changes no bit`, NATIVE_TEST, () => {
    const nat = nativeKernels();
    // 37 rows: two chunks of whole cache lines and a short one.
    const n = 37;
    const { angles, o } = inputs(s, n, `nat-${name}`);
    const c = coefficients(n, `nat-c-${name}`);
    const run = (k: Kernels): { out: AngularHeadBuffers; dInner: Float64Array } => {
      const out = buffers(s, n);
      k.angularHeadForward(s, n, angles, o, out);
      const dInner = new Float64Array(n * s.m).fill(7);
      k.angularHeadBackward(s, n, o, out, c, dInner);
      return { out, dInner };
    };
    const want = run(ref);
    const scaled = (a: Float64Array): number => NATIVE_TOL * a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const one = withThreads(nat, 1, () => run(nat));
    const two = withThreads(nat, 2, () => run(nat));
    for (const b of BUFFERS) {
      assertClose(one.out[b], want.out[b], scaled(want.out[b]), `${name} ${b}`);
      assertSameBits(two.out[b], one.out[b], `${name} ${b}, 2 threads`);
    }
    assertClose(one.dInner, want.dInner, scaled(want.dInner), `${name} dInner`);
    assertSameBits(two.dInner, one.dInner, `${name} dInner, 2 threads`);
    // The t0 and spare columns are not the kernel's.
    for (let r = 0; r < n; r++) assert.deepEqual([one.dInner[r * s.m], one.dInner[r * s.m + s.m - 1]], [7, 7]);
  });
}

test('angular head: bad shapes and lengths fail with the same words on both backends', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const s = shape(2, 1);
  const n = 2;
  const { angles, o } = inputs(s, n, 'bad');
  const c = coefficients(n, 'bad-c');
  const cases: [string, (k: Kernels) => void, RegExp][] = [
    ['L past the row', (k) => k.angularHeadForward({ ...s, lAt: s.m - 10 }, n, angles, o, buffers(s, n)), /angularHeadForward: L \(lAt \+ Z\*Z = \d+\) does not fit in a row of m = \d+/],
    ['e past the row', (k) => k.angularHeadBackward({ ...s, eAt: s.m - 2 }, n, o, buffers(s, n), c, new Float64Array(n * s.m)), /angularHeadBackward: e \(eAt \+ K - 1/],
    ['too many decays', (k) => k.angularHeadForward({ ...s, decays: 5 }, n, angles, o, buffers(s, n)), /decays must be an integer in \[1, 4\]/],
    ['short basis', (k) => k.angularHeadForward(s, n, angles, o, { ...buffers(s, n), basis: new Float64Array(3) }), /basis has length 3, expected n\*K = 32/],
    ['short dInner', (k) => k.angularHeadBackward(s, n, o, buffers(s, n), c, new Float64Array(5)), /dInner has length 5, expected n\*m/],
  ];
  for (const [what, call, pattern] of cases) {
    const a = thrown(() => call(ref));
    const b = thrown(() => call(nat));
    assert.match(a.message, pattern, what);
    assert.equal(b.message, a.message, what);
    assert.equal(b.constructor, a.constructor, what);
  }
  const out = buffers(s, n);
  assert.throws(() => ref.angularHeadForward(s, n, angles, o, { ...out, v: out.z }), /v overlaps z|z overlaps v/);
});
