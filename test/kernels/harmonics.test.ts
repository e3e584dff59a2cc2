import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harmonicCount, ProductHarmonics, RealHarmonics } from '../../src/kernels/harmonics.js';

/** n-point Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n), exact for polynomials of degree ≤ 2n − 1. */
function gaussLegendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let z = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return { x, w };
}

test('real harmonics: orthonormal for the mean over the sphere up to l_max = 5 (exact quadrature, 1e-13)', () => {
  const lMax = 5;
  const h = new RealHarmonics(lMax);
  assert.equal(h.size, harmonicCount(lMax));
  assert.equal(h.size, 36);
  const gl = gaussLegendre(lMax + 1);
  const nPhi = 2 * lMax + 2;
  const gram = new Float64Array(h.size * h.size);
  const y = new Float64Array(h.size);
  for (let i = 0; i < gl.x.length; i++) {
    for (let j = 0; j < nPhi; j++) {
      h.evaluate(gl.x[i], (2 * Math.PI * j) / nPhi, y, 0);
      const w = gl.w[i] / 2 / nPhi;
      for (let a = 0; a < h.size; a++) for (let b = 0; b < h.size; b++) gram[a * h.size + b] += w * y[a] * y[b];
    }
  }
  for (let a = 0; a < h.size; a++) {
    for (let b = 0; b < h.size; b++) {
      assert.ok(Math.abs(gram[a * h.size + b] - (a === b ? 1 : 0)) < 1e-13, `<Y${a} Y${b}> = ${gram[a * h.size + b]}`);
    }
  }
});

test('real harmonics l ≤ 2: the nine functions 1, c, s·cos φ, s·sin φ, c², s·c·cos φ, s·c·sin φ, s²·cos 2φ, s²·sin 2φ, normalised', () => {
  const h = new RealHarmonics(2);
  const y = new Float64Array(9);
  const c = 0.3;
  const phi = 1.1;
  const s = Math.sqrt(1 - c * c);
  h.evaluate(c, phi, y, 0);
  const expected = [
    1, Math.sqrt(3) * c, Math.sqrt(3) * s * Math.cos(phi), Math.sqrt(3) * s * Math.sin(phi), (Math.sqrt(5) * (3 * c * c - 1)) / 2,
    Math.sqrt(15) * s * c * Math.cos(phi), Math.sqrt(15) * s * c * Math.sin(phi),
    (Math.sqrt(15) / 2) * s * s * Math.cos(2 * phi), (Math.sqrt(15) / 2) * s * s * Math.sin(2 * phi),
  ];
  expected.forEach((e, i) => assert.ok(Math.abs(y[i] - e) < 1e-14, `Y${i}: ${y[i]} vs ${e}`));
});

test('product harmonics: row-major products over decays, index 0 is the constant', () => {
  const p = new ProductHarmonics(2, 2);
  assert.equal(p.size, 81);
  const single = new RealHarmonics(2);
  const a = new Float64Array(9);
  const b = new Float64Array(9);
  single.evaluate(-0.4, 2.5, a, 0);
  single.evaluate(0.9, 5.9, b, 0);
  const out = new Float64Array(83);
  p.evaluate([-0.4, 2.5, 0.9, 5.9], out, 2);
  assert.equal(out[2], 1);
  for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) assert.equal(out[2 + i * 9 + j], a[i] * b[j]);
  assert.throws(() => new RealHarmonics(7), /l_max must be an integer in 0\.\.6/);
});
