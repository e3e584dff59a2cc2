// The rational activation kernels: finite differences of the reference's
// gradients (w.r.t. inputs and coefficients), and the native addon against
// the reference, bit for bit (same operations in the same order, no FMA).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { rationalCoefCount } from '../../src/kernels/rational.js';
import { reference as ref } from '../../src/kernels/reference.js';
import { Rng } from '../../src/util/rng.js';
import { checkFiniteDifferences } from '../nn/helpers.js';
import { assertSameBits, NATIVE_TEST, nativeKernels, thrown } from './support.js';

// Central differences, step 1e-6: truncation ~1e-12·|F'''|, rounding ~1e-10;
// a wrong term is O(1e-2) or more.
const H = 1e-6;
const TOL = 1e-7;

interface Case {
  readonly n: number; readonly width: number; readonly groups: number; readonly degP: number; readonly degQ: number;
}
const CASES: Case[] = [
  { n: 3, width: 4, groups: 1, degP: 5, degQ: 4 },
  { n: 2, width: 6, groups: 3, degP: 5, degQ: 4 },
  { n: 2, width: 4, groups: 4, degP: 3, degQ: 2 },
  // 11 channels per group: laneSum's full blocks of 4 and its remainder of 3.
  { n: 2, width: 22, groups: 2, degP: 5, degQ: 4 },
];

function data(c: Case, seed: string) {
  const rng = new Rng(seed);
  const x = new Float64Array(c.n * c.width).map(() => 2.5 * rng.normal());
  // Every b_k away from 0, where |b_k| has its kink; both signs occur.
  const coef = new Float64Array(c.groups * rationalCoefCount(c.degP, c.degQ)).map(() => {
    const v = 0.2 + 0.5 * rng.uniform();
    return rng.uniform() < 0.5 ? -v : v;
  });
  const w = new Float64Array(c.n * c.width).map(() => rng.normal());
  return { x, coef, w };
}

for (const c of CASES) {
  test(`rational (${c.degP},${c.degQ}), ${c.groups} group(s) of width ${c.width}: gradients match finite differences`, () => {
    const { x, coef, w } = data(c, `fd-${c.groups}-${c.degP}`);
    const y = new Float64Array(x.length);
    // L = Σ w ⊙ F(x), so dL/dy = w.
    const loss = (): number => {
      ref.rationalForward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, y);
      return y.reduce((s, v, i) => s + w[i] * v, 0);
    };
    const dx = new Float64Array(x.length);
    const gcoef = new Float64Array(coef.length);
    ref.rationalBackward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, w, dx, gcoef);
    checkFiniteDifferences(x, dx, loss, 'x', H, TOL, TOL);
    checkFiniteDifferences(coef, gcoef, loss, 'coef', H, TOL, TOL);
  });

  test(`rational (${c.degP},${c.degQ}), ${c.groups} group(s): native equals the reference bit for bit`, NATIVE_TEST, () => {
    const nat = nativeKernels();
    const { x, coef, w } = data(c, `nat-${c.groups}-${c.degP}`);
    x[0] = 0; // sign(0) = 0 on both sides
    const yr = new Float64Array(x.length);
    const yn = new Float64Array(x.length);
    ref.rationalForward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, yr);
    nat.rationalForward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, yn);
    assertSameBits(yn, yr, 'y');
    const dxr = new Float64Array(x.length);
    const dxn = new Float64Array(x.length);
    const gr = new Float64Array(coef.length);
    const gn = new Float64Array(coef.length).fill(7); // overwritten, not accumulated
    ref.rationalBackward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, w, dxr, gr);
    nat.rationalBackward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, w, dxn, gn);
    assertSameBits(dxn, dxr, 'dx');
    assertSameBits(gn, gr, 'gcoef');
    // dx may be dy itself, and may be skipped.
    const inPlace = w.slice();
    nat.rationalBackward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, inPlace, inPlace, gn);
    assertSameBits(inPlace, dxr, 'dx in place');
    nat.rationalBackward(x, c.n, c.width, c.groups, c.degP, c.degQ, coef, w, null, gn);
    assertSameBits(gn, gr, 'gcoef without dx');
  });
}

test('rational kernels refuse bad shapes with the same words on both backends', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const x = new Float64Array(6);
  const coef = new Float64Array(2 * 10);
  for (const k of [ref, nat]) {
    assert.equal(
      String(thrown(() => k.rationalForward(x, 1, 6, 4, 5, 4, coef, new Float64Array(6)))),
      'RangeError: ampfit kernels: rationalForward: groups (4) must divide width (6)',
    );
    assert.equal(
      String(thrown(() => k.rationalForward(x, 1, 6, 2, 5, 4, coef.subarray(1), new Float64Array(6)))),
      'RangeError: ampfit kernels: rationalForward: coef has length 19, expected groups*(degP+1+degQ) = 20',
    );
  }
});
