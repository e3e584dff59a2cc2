// The premise of the angular models, pinned with the exact amplitude: at fixed
// production kinematics, zz8d's f00 and f01 are combinations of the 81
// products of real harmonics l ≤ 2 of the two decay directions (to rounding),
// not of the 16 with l ≤ 1; and the l1 = l2 = 0 coefficient is the mean over
// the decay angles, which is what zz4d holds. The oracle is MCFM's own code
// (../shared/oracle, GPL): built in a temporary copy and called as a program.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { angularRule, zzEvaluate } from '../../bench/zzOracle.js';
import { ProductHarmonics } from '../../src/features/harmonics.js';
import { choleskySolve } from '../../src/models/polynomial.js';
import { Rng } from '../../src/util/rng.js';

/** f00, f01 at rows of x1..x8. */
function oracle(rows: number[][]): { f00: number[]; f01: number[] } {
  const { f00, f01 } = zzEvaluate(rows);
  return { f00: Array.from(f00), f01: Array.from(f01) };
}

function basisRows(angles: number[][], lMax: number): { rows: Float64Array[]; k: number } {
  const basis = new ProductHarmonics(2, lMax);
  return {
    k: basis.size,
    rows: angles.map((a) => {
      const out = new Float64Array(basis.size);
      basis.evaluate([2 * a[0] - 1, 2 * Math.PI * a[1], 2 * a[2] - 1, 2 * Math.PI * a[3]], out, 0);
      return out;
    }),
  };
}

/** Least squares by the normal equations (the basis is orthonormal, so they are well conditioned on a few hundred random points). */
function fit(rows: Float64Array[], f: number[], k: number): Float64Array {
  const ata = new Float64Array(k * k);
  const aty = new Float64Array(k);
  rows.forEach((r, i) => {
    for (let a = 0; a < k; a++) {
      aty[a] += r[a] * f[i];
      for (let b = 0; b < k; b++) ata[a * k + b] += r[a] * r[b];
    }
  });
  return choleskySolve(ata, aty, k);
}

function worstResidual(rows: Float64Array[], f: number[], c: Float64Array): number {
  const scale = Math.max(...f.map(Math.abs));
  let worst = 0;
  rows.forEach((r, i) => {
    let v = 0;
    for (let a = 0; a < c.length; a++) v += c[a] * r[a];
    worst = Math.max(worst, Math.abs(v - f[i]) / scale);
  });
  return worst;
}

test('oracle: zz8d is exactly l ≤ 2 in each decay at fixed production point, l ≤ 1 is not; the constant term is the angular mean', () => {
  const rng = new Rng(2026);
  const m = 300;
  for (let pi = 0; pi < 3; pi++) {
    const p = [0.05 + 0.9 * rng.uniform(), 0.05 + 0.9 * rng.uniform(), 0.05 + 0.9 * rng.uniform(), 0.05 + 0.9 * rng.uniform()];
    const angles = Array.from({ length: 2 * m }, () => [rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()]);
    const values = oracle(angles.map((a) => [...p, ...a]));
    for (const which of ['f00', 'f01'] as const) {
      const f = values[which];
      for (const lMax of [2, 1]) {
        const { rows, k } = basisRows(angles, lMax);
        const c = fit(rows.slice(0, m), f.slice(0, m), k);
        const outOfSample = worstResidual(rows.slice(m), f.slice(m), c);
        if (lMax === 2) assert.ok(outOfSample < 1e-9, `p${pi} ${which} l ≤ 2: residual ${outOfSample} of max |f|`);
        else assert.ok(outOfSample > 0.1, `p${pi} ${which} l ≤ 1 should miss a large part, residual ${outOfSample}`);
      }
    }
    // The data card's rule for zz4d, exact for l ≤ 2.
    const { points: grid, weights } = angularRule();
    const onGrid = oracle(grid.map((a) => [...p, ...a]));
    const mean = (f: number[]): number => f.reduce((s, v, i) => s + weights[i] * v, 0);
    const { rows, k } = basisRows(angles, 2);
    const c00 = fit(rows.slice(0, m), values.f00.slice(0, m), k)[0];
    const c01 = fit(rows.slice(0, m), values.f01.slice(0, m), k)[0];
    assert.ok(Math.abs(c00 / mean(onGrid.f00) - 1) < 1e-9, `p${pi}: f00 constant term ${c00} vs angular mean ${mean(onGrid.f00)}`);
    assert.ok(Math.abs(c01 / c00 / (mean(onGrid.f01) / mean(onGrid.f00)) - 1) < 1e-9, `p${pi}: ratio of constant terms vs zz4d-style y`);
  }
});
