// The G(1,3) tables against the algebra's defining facts, and the
// equivariance of the products and the linear map under rotor sandwiches.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referenceKernels } from '../helpers.js';
import { applyBilinear, DUAL_SIGN, GEOMETRIC_PRODUCT, JOIN, METRIC, MV, PSEUDOSCALAR, VECTOR_BLADES } from '../../../src/nn/lgatr/algebra.js';
import { EquiLinear } from '../../../src/nn/lgatr/equiLinear.js';
import { Rng } from '../../../src/util/rng.js';
import { randomRotor } from './lorentz.js';

const random = (rng: Rng): Float64Array => new Float64Array(MV).map(() => rng.normal());
const gp = (x: Float64Array, y: Float64Array): Float64Array => applyBilinear(GEOMETRIC_PRODUCT, x, y);

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('vectors square to the Minkowski norm, and the pseudoscalar squares to −1', () => {
  const p = new Float64Array(MV);
  [3, 1, -2, 0.5].forEach((v, mu) => (p[VECTOR_BLADES[mu]] = v));
  const pp = gp(p, p);
  assert.equal(pp[0], 9 - 1 - 4 - 0.25);
  assert.ok(pp.every((v, a) => a === 0 || v === 0));
  const i = new Float64Array(MV);
  i[PSEUDOSCALAR] = 1;
  assert.deepEqual(Array.from(gp(i, i)), [-1, ...new Array<number>(15).fill(0)]);
  assert.deepEqual(METRIC.slice(0, 3), [1, 1, -1]);
});

test('the geometric product is associative and DUAL_SIGN is right-multiplication by I', () => {
  const rng = new Rng('ga-assoc');
  const [x, y, z] = [random(rng), random(rng), random(rng)];
  assertClose(gp(gp(x, y), z), gp(x, gp(y, z)), 1e-12, 'associativity');
  const i = new Float64Array(MV);
  i[PSEUDOSCALAR] = 1;
  const xi = gp(x, i);
  assertClose(xi, x.map((_, a) => DUAL_SIGN[a] * x[a ^ PSEUDOSCALAR]), 0, 'x I');
});

test('the join of two vectors is zero and of two trivectors a bivector (grade k + l − 4)', () => {
  const rng = new Rng('ga-join');
  const v = (grade: number): Float64Array => random(rng).map((c, a) => (popcount(a) === grade ? c : 0));
  assert.ok(applyBilinear(JOIN, v(1), v(1)).every((c) => c === 0));
  const j = applyBilinear(JOIN, v(3), v(3));
  assert.ok(j.some((c) => c !== 0));
  assert.ok(j.every((c, a) => c === 0 || popcount(a) === 2));
});

function popcount(a: number): number {
  return [...a.toString(2)].filter((b) => b === '1').length;
}

test('geometric product and join commute with Lorentz rotor sandwiches', () => {
  const rng = new Rng('ga-equivariance');
  for (let trial = 0; trial < 5; trial++) {
    const rot = randomRotor(rng);
    const [x, y] = [random(rng), random(rng)];
    for (const [name, t] of [['geometric product', GEOMETRIC_PRODUCT], ['join', JOIN]] as const) {
      const a = rot(applyBilinear(t, x, y));
      const b = applyBilinear(t, rot(x), rot(y));
      const scale = Math.max(...a.map(Math.abs));
      assertClose(a, b, 1e-12 * scale, name);
    }
  }
});

test('EquiLinear commutes with rotor sandwiches, and a non-scalar bias would not (the test can fail)', () => {
  const rng = new Rng('ga-linear');
  const rows = 3;
  const cin = 2;
  const cout = 3;
  const lin = new EquiLinear(cin, cout, referenceKernels);
  const p = new Float64Array(lin.paramCount).map(() => rng.normal());
  const rot = randomRotor(rng);
  const x = new Float64Array(MV * rows * cin).map(() => rng.normal());
  const apply = (t: Float64Array, c: number): Float64Array => {
    const out = new Float64Array(t.length);
    for (let r = 0; r < rows * c; r++) {
      const m = rot(Float64Array.from({ length: MV }, (_, a) => t[a * rows * c + r]));
      for (let a = 0; a < MV; a++) out[a * rows * c + r] = m[a];
    }
    return out;
  };
  const y = new Float64Array(MV * rows * cout);
  lin.forward(p, x, rows, y);
  const y2 = new Float64Array(MV * rows * cout);
  lin.forward(p, apply(x, cin), rows, y2);
  assertClose(apply(y, cout), y2, 1e-11, 'Λ(Lx) vs L(Λx)');
  // A vector-grade offset added after the map is not equivariant: the same check must fail for it.
  const shifted = y.slice();
  for (let r = 0; r < rows * cout; r++) shifted[VECTOR_BLADES[1] * rows * cout + r] += 1;
  const shifted2 = y2.slice();
  for (let r = 0; r < rows * cout; r++) shifted2[VECTOR_BLADES[1] * rows * cout + r] += 1;
  assert.throws(() => assertClose(apply(shifted, cout), shifted2, 1e-11, 'biased'));
});
