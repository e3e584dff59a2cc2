// src/data/momentumMap.ts without the oracle: momenta built here from the
// data card's own description of the mapping (../shared/data/README.md,
// "Coordinate mapping"), mapped back; the checks that refuse momenta; the
// inputs a map requires; the config key. (test/runtime/momenta.test.ts checks
// the map against MCFM's own momenta, with C's.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { checkMomentumMapInputs, mapMomenta, mapMomentaRow, momentumMapInputs } from '../../src/data/momentumMap.js';
import { Rng } from '../../src/util/rng.js';

type V3 = [number, number, number];
const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** The card's mapping, x1..x8 → (E, px, py, pz) of u, ū, e⁻, e⁺, μ⁻, μ⁺ in the partonic CM frame. */
function cardMomenta(x: number[]): number[] {
  const m34 = 50 + 80 * x[2];
  const m56 = 50 + 80 * x[3];
  const rts = m34 + m56 + x[0] * (3000 - m34 - m56);
  const s = rts * rts;
  const c = 2 * x[1] - 1;
  const n: V3 = [Math.sqrt(1 - c * c), 0, c];
  const p = Math.sqrt((s - (m34 + m56) ** 2) * (s - (m34 - m56) ** 2)) / (2 * rts);
  const decay = (m: number, e: number, dir: V3, ct: number, phi: number): number[][] => {
    const y = cross([0, 0, 1], dir);
    const yl = Math.hypot(...y);
    const yk = y.map((v) => v / yl) as V3;
    const xk = cross(yk, dir);
    const st = Math.sqrt(1 - ct * ct);
    const d = [0, 1, 2].map((j) => st * Math.cos(phi) * xk[j] + st * Math.sin(phi) * yk[j] + ct * dir[j]);
    const g = e / m;
    const bg = p / m;
    return [1, -1].map((sign) => {
      const q = d.map((v) => (sign * m * v) / 2);
      const qn = q[0] * dir[0] + q[1] * dir[1] + q[2] * dir[2];
      return [g * (m / 2) + bg * qn, ...q.map((v, j) => v + ((g - 1) * qn + bg * (m / 2)) * dir[j])];
    });
  };
  const e1 = (s + m34 * m34 - m56 * m56) / (2 * rts);
  const e2 = (s - m34 * m34 + m56 * m56) / (2 * rts);
  const [l3, l4] = decay(m34, e1, n, 2 * x[4] - 1, 2 * Math.PI * x[5]);
  const [l5, l6] = decay(m56, e2, n.map((v) => -v) as V3, 2 * x[6] - 1, 2 * Math.PI * x[7]);
  return [rts / 2, 0, 0, rts / 2, rts / 2, 0, 0, -rts / 2, ...l3, ...l4, ...l5, ...l6];
}

function points(n: number, seed: number): { x: number[][]; p: Float64Array } {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: 8 }, () => rng.uniform()));
  return { x, p: Float64Array.from(x.flatMap(cardMomenta)) };
}

test('zz4l-8d/4d give the card\'s x back from momenta built by its mapping; the azimuths on the circle', () => {
  const { x, p } = points(2000, 5);
  const got = mapMomenta('zz4l-8d', p, x.length);
  let worst = 0;
  x.forEach((row, i) => row.forEach((v, j) => {
    const e = Math.abs(got[8 * i + j] - v);
    worst = Math.max(worst, j === 5 || j === 7 ? Math.min(e, 1 - e) : e);
  }));
  assert.ok(worst <= 1e-11, `worst ${worst}`);
  const four = mapMomenta('zz4l-4d', p, x.length);
  assert.deepEqual(Array.from(four.subarray(0, 4)), Array.from(got.subarray(0, 4)));
  assert.deepEqual(momentumMapInputs('zz4l-4d'), ['x1', 'x2', 'x3', 'x4']);
});

test('zz4l-2d: √ŝ over [2 m_Z, 1000 GeV] and cos θ* for on-shell Z pairs; other masses are refused', () => {
  const mz = 91.1876;
  const xm = (mz - 50) / 80;
  const rts = 2 * mz + 0.25 * (1000 - 2 * mz);
  const m = 50 + 80 * xm;
  const p = Float64Array.from(cardMomenta([(rts - 2 * m) / (3000 - 2 * m), 0.7, xm, xm, 0.1, 0.2, 0.3, 0.4]));
  const x = mapMomenta('zz4l-2d', p, 1);
  assert.ok(Math.abs(x[0] - 0.25) <= 1e-12 && Math.abs(x[1] - 0.7) <= 1e-12, `${x[0]} ${x[1]}`);
  const off = Float64Array.from(cardMomenta([0.25, 0.7, 0.5, xm, 0.1, 0.2, 0.3, 0.4]));
  assert.throws(() => mapMomenta('zz4l-2d', off, 1), /row 1: zz4l-2d has on-shell bosons: m34 = 90.0000000000\d* GeV and m56 = 91.18759\d* GeV must both be m_Z/);
});

test('refused momenta: each check names what failed; a frame boosted along the beam and rotated maps to the same x', () => {
  const { x, p } = points(1, 6);
  const edit = (f: (q: Float64Array) => void): string | null => {
    const q = p.slice();
    f(q);
    return mapMomentaRow('zz4l-8d', q, 0, new Float64Array(8), 0);
  };
  assert.equal(edit(() => undefined), null);
  assert.match(edit((q) => { q[12] = -q[12]; }) ?? '', /^the energy of e\+, .* GeV, is not positive$/);
  assert.match(edit((q) => { q[1] += 1; }) ?? '', /^momentum not conserved: component 1/);
  assert.match(edit((q) => { q[16] += 1; q[20] -= 1; }) ?? '', /^mu- is not massless: p² = /);
  assert.match(edit((q) => { q[23] = Infinity; }) ?? '', /^mu\+_pz is not finite$/);
  assert.throws(() => mapMomenta('zz4l-8d', p.subarray(0, 20), 1), /20 values for 1 rows × 6 four-momenta/);
  const eta = 1.3;
  const lab = new Float64Array(24);
  for (let k = 0; k < 24; k += 4) {
    const [e, px, py, pz] = p.subarray(k, k + 4);
    const [rx, ry] = [Math.cos(2) * px - Math.sin(2) * py, Math.sin(2) * px + Math.cos(2) * py];
    lab.set([Math.cosh(eta) * e + Math.sinh(eta) * pz, rx, ry, Math.sinh(eta) * e + Math.cosh(eta) * pz], k);
  }
  const back = mapMomenta('zz4l-8d', lab, 1);
  x[0].forEach((v, j) => assert.ok(Math.abs(back[j] - v) <= 1e-10, `x${j + 1}: ${back[j]} vs ${v}`));
});

test('a model with a momentum map reads exactly its coordinates; the key is a config key that excludes data.momenta', () => {
  checkMomentumMapInputs('zz4l-2d', ['x1', 'x2']);
  checkMomentumMapInputs(null, ['a']);
  assert.throws(() => checkMomentumMapInputs('zz4l-4d', ['x1', 'x2', 'x4', 'x3']), /'zz4l-4d' gives the coordinates x1, x2, x3, x4; the data's inputs are x1, x2, x4, x3/);
  assert.equal(validateConfig({ data: { files: 'a.csv', target: 'f01', momentum_map: 'zz4l-8d' } }, 'c').data.momentum_map, 'zz4l-8d');
  assert.equal(validateConfig({ data: { files: 'a.csv', target: 'f01' } }, 'c').data.momentum_map, null);
  assert.throws(() => validateConfig({ data: { files: 'a.csv', target: 'f01', momentum_map: 'zz4l-3d' } }, 'c'), /momentum_map/);
});
