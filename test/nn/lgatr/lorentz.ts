// Lorentz transformations for the L-GATr tests: a proper orthochronous Λ on
// four-vectors (a rotation, then a boost), and a rotor sandwich R x R̃ on whole
// multivectors of G(1,3).

import { applyBilinear, GEOMETRIC_PRODUCT, GRADE, MV, VECTOR_BLADES } from '../../../src/nn/lgatr/algebra.js';
import type { Rng } from '../../../src/util/rng.js';

export type Matrix4 = number[][];

/** Rotation about a random axis by a random angle, then a boost of speed β along another random direction. */
export function randomLorentz(rng: Rng, beta: number): Matrix4 {
  const unit = (): number[] => {
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const l = Math.hypot(v[0], v[1], v[2]);
    return v.map((c) => c / l);
  };
  const [ax, ay, az] = unit();
  const th = 2 * Math.PI * rng.uniform();
  const c = Math.cos(th);
  const s = Math.sin(th);
  const rot = [
    [c + ax * ax * (1 - c), ax * ay * (1 - c) - az * s, ax * az * (1 - c) + ay * s],
    [ay * ax * (1 - c) + az * s, c + ay * ay * (1 - c), ay * az * (1 - c) - ax * s],
    [az * ax * (1 - c) - ay * s, az * ay * (1 - c) + ax * s, c + az * az * (1 - c)],
  ];
  const rotation: Matrix4 = [[1, 0, 0, 0], ...rot.map((r) => [0, ...r])];
  const nb = unit();
  const g = 1 / Math.sqrt(1 - beta * beta);
  const boost: Matrix4 = [[g, ...nb.map((x) => -g * beta * x)]];
  for (let i = 0; i < 3; i++) boost.push([-g * beta * nb[i], ...nb.map((x, j) => (i === j ? 1 : 0) + (g - 1) * nb[i] * x)]);
  return boost.map((row) => [0, 1, 2, 3].map((j) => row.reduce((acc, b, k) => acc + b * rotation[k][j], 0)));
}

/** Λ applied to every four-vector (E, px, py, pz) of x (a multiple of 4 values). */
export function transformMomenta(l: Matrix4, x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += 4) for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) y[o + i] += l[i][k] * x[o + k];
  return y;
}

function vector(v: readonly number[]): Float64Array {
  const m = new Float64Array(MV);
  VECTOR_BLADES.forEach((b, mu) => (m[b] = v[mu]));
  return m;
}

function reverse(x: Float64Array): Float64Array {
  return x.map((v, a) => ((GRADE[a] * (GRADE[a] - 1)) / 2) % 2 === 0 ? v : -v);
}

/**
 * A rotor R = (a₁ b₁)(a₂ b₂) from unit timelike a₁, b₁ (a boost) and unit
 * spacelike a₂, b₂ (a rotation): an even versor with R R̃ = 1, so x → R x R̃ is
 * a proper orthochronous Lorentz transformation of any multivector.
 */
export function randomRotor(rng: Rng): (x: Float64Array) => Float64Array {
  const timelike = (): Float64Array => {
    const p = [0.4 * rng.normal(), 0.4 * rng.normal(), 0.4 * rng.normal()];
    return vector([Math.sqrt(1 + p[0] ** 2 + p[1] ** 2 + p[2] ** 2), ...p]);
  };
  const spacelike = (): Float64Array => {
    const p = [rng.normal(), rng.normal(), rng.normal()];
    const l = Math.hypot(p[0], p[1], p[2]);
    return vector([0, ...p.map((c) => c / l)]);
  };
  const gp = (x: Float64Array, y: Float64Array): Float64Array => applyBilinear(GEOMETRIC_PRODUCT, x, y);
  const r = gp(gp(timelike(), timelike()), gp(spacelike(), spacelike()));
  const rr = reverse(r);
  return (x) => gp(gp(r, x), rr);
}

/** Momenta of n points, 5 particles each, components of order 0.3 (scaled GeV). */
export function momenta(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n * 20);
  for (let r = 0; r < n * 5; r++) {
    const p = [0.3 * rng.normal(), 0.3 * rng.normal(), 0.3 * rng.normal()];
    x.set([Math.hypot(...p), ...p], 4 * r);
  }
  return x;
}
