import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, ADAM_DEFAULTS } from '../../src/nn/index.js';
import { referenceKernels } from './helpers.js';

test('Keras defaults; first step moves each parameter by about lr against its gradient', () => {
  assert.deepEqual(ADAM_DEFAULTS, { beta1: 0.9, beta2: 0.999, eps: 1e-7 });
  const p = new Float64Array([1, -2, 3]);
  const g = new Float64Array([0.5, -4, 1e-3]);
  const adam = new Adam(3);
  adam.update(referenceKernels, p, g, 1e-2);
  assert.equal(adam.step, 1);
  // Bias-corrected m̂ = g, v̂ = g², so Δ = −lr·g/(|g| + ε̂) ≈ −lr·sign(g).
  const expected = [1 - 1e-2, -2 + 1e-2, 3 - 1e-2];
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(p[i] - expected[i]) < 1e-6, `p[${i}] = ${p[i]}`);
});

test('state round trip', () => {
  const p = new Float64Array([1, 2]);
  const a = new Adam(2);
  a.update(referenceKernels, p, new Float64Array([0.1, -0.2]), 1e-3);
  const b = Adam.fromState(a.getState());
  const pa = p.slice();
  const pb = p.slice();
  a.update(referenceKernels, pa, new Float64Array([0.3, 0.3]), 1e-3);
  b.update(referenceKernels, pb, new Float64Array([0.3, 0.3]), 1e-3);
  assert.deepEqual(pb, pa);
  assert.equal(b.step, 2);
});
