// Argument checks of the angular-head kernels, run before either backend
// computes (the native binding repeats the shape and length checks so that
// no call can read or write out of bounds), so both fail with the same words.

import type { AngularHeadBuffers, AngularHeadCoefficients, AngularHeadShape } from './angularHead.js';
import { angularHeadSizes } from './angularHead.js';
import { dim, disjoint, f64, finite, intIn, rangeError, typeError, wantLen } from './checks.js';
import { MAX_L } from './harmonics.js';

/** Most decays a head takes: 4 decays at l ≤ 2 are already 6561 products and a 256 × 256 L per row. */
export const MAX_HEAD_DECAYS = 4;

function shape(fn: string, s: unknown): { k: number; z: number; m: number } {
  if (typeof s !== 'object' || s === null) throw typeError(fn, 'shape must be an object { decays, lMax, m, lAt, eAt, alpha, beta }');
  const o = s as Partial<Record<keyof AngularHeadShape, unknown>>;
  const decays = intIn(fn, 'decays', o.decays, 1, MAX_HEAD_DECAYS);
  const lMax = intIn(fn, 'lMax', o.lMax, 0, MAX_L);
  const m = dim(fn, 'm', o.m);
  const lAt = dim(fn, 'lAt', o.lAt);
  const eAt = dim(fn, 'eAt', o.eAt);
  finite(fn, 'alpha', o.alpha);
  finite(fn, 'beta', o.beta);
  const { k, z } = angularHeadSizes(decays, lMax);
  if (lAt + z * z > m) throw rangeError(fn, `L (lAt + Z*Z = ${lAt + z * z}) does not fit in a row of m = ${m}`);
  if (eAt + k - 1 > m) throw rangeError(fn, `e (eAt + K - 1 = ${eAt + k - 1}) does not fit in a row of m = ${m}`);
  return { k, z, m };
}

function buffers(fn: string, b: AngularHeadBuffers, n: number, k: number, z: number): Float64Array[] {
  const basis = f64(fn, 'basis', b.basis);
  const zs = f64(fn, 'z', b.z);
  const v = f64(fn, 'v', b.v);
  const p = f64(fn, 'p', b.p);
  const qRaw = f64(fn, 'qRaw', b.qRaw);
  const qMean = f64(fn, 'qMean', b.qMean);
  wantLen(fn, 'basis', basis, n * k, 'n*K');
  wantLen(fn, 'z', zs, n * z, 'n*Z');
  wantLen(fn, 'v', v, n * z, 'n*Z');
  wantLen(fn, 'p', p, n, 'n');
  wantLen(fn, 'qRaw', qRaw, n, 'n');
  wantLen(fn, 'qMean', qMean, n, 'n');
  return [basis, zs, v, p, qRaw, qMean];
}

const BUFFER_NAMES = ['basis', 'z', 'v', 'p', 'qRaw', 'qMean'] as const;

export function checkAngularHeadForward(s: AngularHeadShape, n: number, angles: unknown, o: unknown, out: AngularHeadBuffers): void {
  const fn = 'angularHeadForward';
  const { k, z, m } = shape(fn, s);
  dim(fn, 'n', n);
  const a = f64(fn, 'angles', angles);
  const os = f64(fn, 'o', o);
  wantLen(fn, 'angles', a, n * 2 * s.decays, 'n*2*decays');
  wantLen(fn, 'o', os, n * m, 'n*m');
  const outs = buffers(fn, out, n, k, z);
  outs.forEach((b, i) => {
    disjoint(fn, BUFFER_NAMES[i], b, [['angles', a], ['o', os], ...outs.slice(i + 1).map((c, j) => [BUFFER_NAMES[i + 1 + j], c] as const)]);
  });
}

export function checkAngularHeadBackward(
  s: AngularHeadShape, n: number, o: unknown, fwd: AngularHeadBuffers, c: AngularHeadCoefficients, dInner: unknown,
): void {
  const fn = 'angularHeadBackward';
  const { k, z, m } = shape(fn, s);
  dim(fn, 'n', n);
  const os = f64(fn, 'o', o);
  wantLen(fn, 'o', os, n * m, 'n*m');
  const ins = buffers(fn, fwd, n, k, z);
  const ce = f64(fn, 'ce', c.ce);
  const cRaw = f64(fn, 'cRaw', c.cRaw);
  const cMean = f64(fn, 'cMean', c.cMean);
  wantLen(fn, 'ce', ce, n, 'n');
  wantLen(fn, 'cRaw', cRaw, n, 'n');
  wantLen(fn, 'cMean', cMean, n, 'n');
  const d = f64(fn, 'dInner', dInner);
  wantLen(fn, 'dInner', d, n * m, 'n*m');
  disjoint(fn, 'dInner', d, [['o', os], ...ins.map((b, i) => [BUFFER_NAMES[i], b] as const), ['ce', ce], ['cRaw', cRaw], ['cMean', cMean]]);
}
