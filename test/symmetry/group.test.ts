import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMap, parseMap } from '../../src/symmetry/coordinateMap.js';
import { SymmetryGroup } from '../../src/symmetry/group.js';
import { Rng } from '../../src/util/rng.js';

const X4 = ['x1', 'x2', 'x3', 'x4'];
const X8 = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];

/** Random points plus the values where floating-point reflections misbehave. */
function points(d: number, n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const awkward = [0, 1, 0.5, 0.5 - 2 ** -54, 0.5 + 2 ** -53, 0.1, 0.9, 1e-17, 1 - 2 ** -53, 0.3];
  for (let i = 0; i < awkward.length && i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = awkward[(i + j) % awkward.length];
  return x;
}

/** A smooth function with no symmetry at all: any invariance below comes from the wrapper alone. */
function f(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin((j + 1.3) * x[i * d + j] + 0.2 * j) * (j + 1) + x[i * d + j] ** 3;
    out[i] = s;
  }
  return out;
}

test('declared maps generate the data card groups: zz4d 4 elements, zz8d 2, a lone reflection 2', () => {
  assert.equal(new SymmetryGroup(4, [parseMap('(x1, 1-x2, x3, x4)', X4, 'fb'), parseMap('(x1, x2, x4, x3)', X4, 'm')]).order, 4);
  assert.equal(new SymmetryGroup(4, [parseMap('(x1, 1-x2, x4, x3)', X4, 'fbm')]).order, 2);
  assert.equal(new SymmetryGroup(8, [parseMap('(x1, 1-x2, x4, x3, x7, x8, x5, x6)', X8, 'boson')]).order, 2);
  // A 3-cycle of coordinates with a reflection: order 6.
  assert.equal(new SymmetryGroup(4, [parseMap('(x2, x3, 1-x1, x4)', X4, 'c')]).order, 6);
});

for (const [label, names, maps] of [
  ['zz4d', X4, ['(x1, 1-x2, x3, x4)', '(x1, x2, x4, x3)']],
  ['zz8d', X8, ['(x1, 1-x2, x4, x3, x7, x8, x5, x6)']],
  ['order 6', X4, ['(x2, x3, 1-x1, x4)']],
] as const) {
  test(`${label}: fold and orbit average are exactly invariant (bit for bit) under every element, at awkward points too`, () => {
    const d = names.length;
    const group = new SymmetryGroup(d, maps.map((m) => parseMap(m, names, m)));
    const n = 500;
    const x = points(d, n, 7);
    const folded = group.fold(x, n);
    const average = group.averageOrbits(f(group.orbits(x, n), n * group.order, d), n);
    for (const g of group.elements) {
      const gx = applyMap(g, x, n);
      assert.deepEqual(group.fold(gx, n), folded);
      assert.deepEqual(group.averageOrbits(f(group.orbits(gx, n), n * group.order, d), n), average);
    }
    // Folding moves a point by at most one rounding of 1 − x from its image.
    const images = group.orbits(x, n);
    for (let i = 0; i < n; i++) {
      let near = Infinity;
      for (let r = 0; r < group.order; r++) {
        let dist = 0;
        for (let j = 0; j < d; j++) dist = Math.max(dist, Math.abs(images[(i * group.order + r) * d + j] - folded[i * d + j]));
        near = Math.min(near, dist);
      }
      assert.equal(near, 0, 'the fold is one of the orbit points');
    }
  });
}

test('the zz4d fold lands in the fundamental domain x2 ≥ ½, x3 ≥ x4', () => {
  const group = new SymmetryGroup(4, [parseMap('(x1, 1-x2, x3, x4)', X4, 'fb'), parseMap('(x1, x2, x4, x3)', X4, 'm')]);
  const n = 2000;
  const folded = group.fold(points(4, n, 3), n);
  for (let i = 0; i < n; i++) {
    assert.ok(folded[i * 4 + 1] >= 0.5);
    assert.ok(folded[i * 4 + 2] >= folded[i * 4 + 3]);
  }
});

test('a reflected coordinate outside [0, 1] is found with its row and column', () => {
  const group = new SymmetryGroup(2, [parseMap('(x1, 1-x2)', ['x1', 'x2'], 'fb')]);
  assert.equal(group.firstOutsideUnit(Float64Array.from([5, 0.5, 0.1, 0.2]), 2), null, 'x1 is not reflected, so 5 is allowed');
  assert.deepEqual(group.firstOutsideUnit(Float64Array.from([0.1, 0.5, 0.1, 1.5]), 2), [1, 1]);
});
