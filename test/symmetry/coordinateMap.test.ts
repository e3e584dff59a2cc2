import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMap, compose, formatMap, inverse, isIdentity, parseMap, sameMap } from '../../src/symmetry/coordinateMap.js';

const X4 = ['x1', 'x2', 'x3', 'x4'];

test('image notation and primitive steps give the same map, and the map acts as written', () => {
  const image = parseMap('(x1, 1-x2, x4, x3)', X4, 't');
  const steps = parseMap([{ reflect: 'x2' }, { swap: ['x3', 'x4'] }], X4, 't');
  assert.ok(sameMap(image, steps));
  assert.equal(formatMap(image, X4), '(x1, 1-x2, x4, x3)');
  assert.deepEqual([...applyMap(image, Float64Array.from([0.1, 0.25, 0.3, 0.9]), 1)], [0.1, 0.75, 0.9, 0.3]);
  // "1 - x2" with spaces, and a bare swap written as an image.
  assert.ok(sameMap(parseMap('( x1 , 1 - x2 , x4 , x3 )', X4, 't'), image));
});

test('steps apply first to last, so a reflection before a swap lands on the swapped position', () => {
  const g = parseMap([{ reflect: 'x3' }, { swap: ['x3', 'x4'] }], X4, 't');
  assert.equal(formatMap(g, X4), '(x1, x2, x4, 1-x3)');
  const h = parseMap([{ swap: ['x3', 'x4'] }, { reflect: 'x3' }], X4, 't');
  assert.equal(formatMap(h, X4), '(x1, x2, 1-x4, x3)');
});

test('composition and inverse: g∘g⁻¹ is the identity and (a∘b)·x = a·(b·x)', () => {
  const a = parseMap('(x2, 1-x3, x1, 1-x4)', X4, 'a');
  const b = parseMap('(1-x4, x1, x3, x2)', X4, 'b');
  assert.ok(isIdentity(compose(a, inverse(a))));
  assert.ok(isIdentity(compose(inverse(b), b)));
  const x = Float64Array.from([0.5, 0.25, 0.125, 0.75]); // dyadic: 1 − x is exact, so the two routes agree exactly
  assert.deepEqual([...applyMap(compose(a, b), x, 1)], [...applyMap(a, applyMap(b, x, 1), 1)]);
});

test('bad maps fail naming the symmetry and the problem', () => {
  assert.throws(() => parseMap('(x1, 1-x2, x4, x5)', X4, "symmetry 'fb'"), /symmetry 'fb': 'x5' is not an input coordinate \(the 4 inputs are x1, x2, x3, x4\)/);
  assert.throws(() => parseMap([{ reflect: 'x9' }], X4, "symmetry 's'"), /'x9' is not an input coordinate/);
  assert.throws(() => parseMap('(x1, 1-x2, x3)', X4, 's'), /has 3 entries but there are 4 inputs/);
  assert.throws(() => parseMap('(x1, x1, x3, x4)', X4, 's'), /'x1' appears twice/);
  assert.throws(() => parseMap('(x1, 2-x2, x3, x4)', X4, 's'), /'2-x2' is not an input coordinate/);
  assert.throws(() => parseMap([{ swap: ['x2', 'x2'] }], X4, 's'), /swap of 'x2' with itself/);
});
