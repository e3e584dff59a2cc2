// Four-momenta → the zz data sets' hypercube coordinates (config data.momentum_map).
// An event generator has momenta, not x1..x8: this is the data card's
// "Coordinate mapping" (../shared/data/README.md) run backwards for the
// 2 → V V → 4 leptons topology, u(p1) ū(p2) → e⁻(p3) e⁺(p4) μ⁻(p5) μ⁺(p6):
//
//   zz4l-8d  x1..x8 of zz8d: √ŝ, cos θ* of Z1 = (e⁻e⁺) to the quark beam, m34, m56,
//            and the e⁻ (μ⁻) direction in the Z1 (Z2) rest frame;
//   zz4l-4d  x1..x4 of zz4d (the decay angles are averaged in the data);
//   zz4l-2d  x1, x2 of zz2d (√ŝ in [2 m_Z, 1000 GeV]; m34 = m56 = m_Z required).
//
// Momenta in any frame are boosted to the partonic CM frame first (momenta
// already there are used bit for bit). libampfit's native/runtime/src/momenta.c
// is the same computation, operation for operation, so the two agree to rounding.

import { AmpfitError } from '../util/errors.js';
import { MomentumRowError } from './momenta.js';

export const MOMENTUM_MAPS = ['zz4l-8d', 'zz4l-4d', 'zz4l-2d'] as const;
export type MomentumMapName = (typeof MOMENTUM_MAPS)[number];

/** The particles of every zz4l map, in the order momenta are given (E, px, py, pz each). */
export const ZZ4L_PARTICLES = ['u', 'ubar', 'e-', 'e+', 'mu-', 'mu+'] as const;

const DIM: Record<MomentumMapName, number> = { 'zz4l-8d': 8, 'zz4l-4d': 4, 'zz4l-2d': 2 };
const MZ = 91.1876;
const RTS_MAX = 3000;
const RTS_MAX_2D = 1000;
const M_LO = 50;
const M_SPAN = 80;
/** Relative tolerance of the physics checks (conservation per component to ·√ŝ, p² to ·ŝ, zz4l-2d's masses to ·m_Z). */
export const MAP_TOLERANCE = 1e-6;
/** Coordinates this close outside [0, 1] are rounding: put on the edge. */
const EDGE = 1e-12;

/** The coordinates a map gives: x1..xD. */
export function momentumMapInputs(map: MomentumMapName): string[] {
  return Array.from({ length: DIM[map] }, (_, j) => `x${j + 1}`);
}

/** A model trained with data.momentum_map must read exactly the map's coordinates, in order. */
export function checkMomentumMapInputs(map: MomentumMapName | null, inputs: readonly string[]): void {
  if (map === null) return;
  const want = momentumMapInputs(map);
  if (inputs.length !== want.length || inputs.some((v, j) => v !== want[j])) {
    throw new AmpfitError(`data.momentum_map '${map}' gives the coordinates ${want.join(', ')}; the data's inputs are ${inputs.join(', ')} (set data.inputs or the map to match)`);
  }
}

const dot3 = (a: number[], b: number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: number[], b: number[]): number[] => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unitCoordinate = (v: number): number => (v < 0 && v >= -EDGE ? 0 : v > 1 && v <= 1 + EDGE ? 1 : v);

/** (E, p) in the rest frame of Q, √(Q²) = rts. */
function toRest(v: number[], q: number[], rts: number): number[] {
  const Q = q.slice(1);
  const b2 = dot3(Q, Q) / (q[0] * q[0]);
  const g = q[0] / rts;
  const bp = dot3(Q, v.slice(1)) / q[0];
  const c = ((g - 1) * bp) / b2 - g * v[0];
  return [g * (v[0] - bp), v[1] + (c * q[1]) / q[0], v[2] + (c * q[2]) / q[0], v[3] + (c * q[3]) / q[0]];
}

/** cos θ and φ of the fermion in its boson's rest frame as coordinates, from D = (f − f̄)/2 (see momenta.c decay_angles). */
function decayAngles(f: number[], fb: number[], n: number[], ex: number[], ey: number[]): [number, number] {
  const D = [0.5 * (f[1] - fb[1]), 0.5 * (f[2] - fb[2]), 0.5 * (f[3] - fb[3])];
  const xc = unitCoordinate(((2 * dot3(D, n)) / (f[0] + fb[0]) + 1) / 2);
  const u = Math.atan2(dot3(D, ey), dot3(D, ex)) / (2 * 3.14159265358979323846);
  return [xc, u < 0 ? u + 1 : u];
}

/**
 * The map's coordinates of row r of p (n × 24: six momenta E, px, py, pz) into
 * x[xo..]; null, or why the momenta are refused (not finite, an energy ≤ 0,
 * ŝ ≤ 0, momentum not conserved, a particle not massless, zz4l-2d's masses
 * not m_Z, no Z1 direction).
 */
export function mapMomentaRow(map: MomentumMapName, p: Float64Array, r: number, x: Float64Array, xo: number): string | null {
  const o = 24 * r;
  const mom = Array.from({ length: 6 }, (_, i) => Array.from(p.subarray(o + 4 * i, o + 4 * i + 4)));
  for (let i = 0; i < 24; i++) if (!Number.isFinite(p[o + i])) return `${ZZ4L_PARTICLES[Math.floor(i / 4)]}_${['E', 'px', 'py', 'pz'][i % 4]} is not finite`;
  for (let i = 0; i < 6; i++) if (!(mom[i][0] > 0)) return `the energy of ${ZZ4L_PARTICLES[i]}, ${mom[i][0]} GeV, is not positive`;
  const Q = [0, 1, 2, 3].map((k) => mom[0][k] + mom[1][k]);
  const out = [0, 1, 2, 3].map((k) => mom[2][k] + mom[3][k] + mom[4][k] + mom[5][k]);
  const s = Q[0] * Q[0] - dot3(Q.slice(1), Q.slice(1));
  if (!(s > 0)) return `ŝ = (u + ubar)² = ${s} GeV² is not positive`;
  const rts = Math.sqrt(s);
  for (let k = 0; k < 4; k++) {
    if (!(Math.abs(Q[k] - out[k]) <= MAP_TOLERANCE * rts)) return `momentum not conserved: component ${k} of incoming − outgoing is ${Q[k] - out[k]} GeV, more than ${MAP_TOLERANCE} × √ŝ = ${rts} GeV`;
  }
  for (let i = 0; i < 6; i++) {
    const m2 = mom[i][0] * mom[i][0] - dot3(mom[i].slice(1), mom[i].slice(1));
    if (!(Math.abs(m2) <= MAP_TOLERANCE * s)) return `${ZZ4L_PARTICLES[i]} is not massless: p² = ${m2} GeV², more than ${MAP_TOLERANCE} × ŝ`;
  }
  const atRest = Q[1] === 0 && Q[2] === 0 && Q[3] === 0;
  const c = mom.map((v) => (atRest ? v : toRest(v, Q, rts)));
  const Z1 = [0, 1, 2, 3].map((k) => c[2][k] + c[3][k]);
  const Z2 = [0, 1, 2, 3].map((k) => c[4][k] + c[5][k]);
  const m34 = Math.sqrt(Math.max(Z1[0] * Z1[0] - dot3(Z1.slice(1), Z1.slice(1)), 0));
  const m56 = Math.sqrt(Math.max(Z2[0] * Z2[0] - dot3(Z2.slice(1), Z2.slice(1)), 0));
  const pz = Math.sqrt(dot3(Z1.slice(1), Z1.slice(1)));
  const len = Math.sqrt(dot3(c[0].slice(1), c[0].slice(1)));
  if (!(pz > 0) || !(len > 0)) return 'the Z1 (e- e+) or the u has no momentum in the partonic CM frame: no direction';
  const n1 = Z1.slice(1).map((v) => v / pz);
  const n2 = n1.map((v) => -v);
  const b = c[0].slice(1).map((v) => v / len);
  if (map === 'zz4l-2d') {
    if (!(Math.abs(m34 - MZ) <= MAP_TOLERANCE * MZ && Math.abs(m56 - MZ) <= MAP_TOLERANCE * MZ)) {
      return `zz4l-2d has on-shell bosons: m34 = ${m34} GeV and m56 = ${m56} GeV must both be m_Z = ${MZ} GeV (to ${MAP_TOLERANCE} relative)`;
    }
    x[xo] = unitCoordinate((rts - 2 * MZ) / (RTS_MAX_2D - 2 * MZ));
  } else {
    x[xo] = unitCoordinate((rts - (m34 + m56)) / (RTS_MAX - m34 - m56));
    x[xo + 2] = unitCoordinate((m34 - M_LO) / M_SPAN);
    x[xo + 3] = unitCoordinate((m56 - M_LO) / M_SPAN);
  }
  x[xo + 1] = unitCoordinate((dot3(n1, b) + 1) / 2);
  if (map !== 'zz4l-8d') return null;
  // Rest-frame axes of the data card: z_k = n_k, y_k = beam × n_k / |…|, x_k = y_k × z_k (y2 = −y1, x2 = x1).
  const y = cross(b, n1);
  const ylen = Math.sqrt(dot3(y, y));
  if (!(ylen > 0)) return 'the Z1 flies along the beam: the decay azimuths are undefined';
  const y1 = y.map((v) => v / ylen);
  const y2 = y1.map((v) => -v);
  const ex = cross(y1, n1);
  [x[xo + 4], x[xo + 5]] = decayAngles(c[2], c[3], n1, ex, y1);
  [x[xo + 6], x[xo + 7]] = decayAngles(c[4], c[5], n2, ex, y2);
  return null;
}

/** The coordinates of n rows of momenta (n × 24), n × D; the first refused row throws a MomentumRowError. */
export function mapMomenta(map: MomentumMapName, p: Float64Array, n: number): Float64Array {
  if (p.length !== 24 * n) throw new AmpfitError(`momentum map ${map}: ${p.length} values for ${n} rows × 6 four-momenta`);
  const d = DIM[map];
  const x = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const why = mapMomentaRow(map, p, r, x, r * d);
    if (why !== null) throw new MomentumRowError(r, null, why);
  }
  return x;
}
