// Argument checks of the rational-activation kernels, run before either
// backend computes (the native binding repeats the length checks so that no
// call can read or write out of bounds), so both fail with the same words.

import { dim, disjoint, f64, f64OrNull, intIn, rangeError, wantLen } from './checks.js';

/** Highest numerator or denominator degree accepted. */
export const MAX_RATIONAL_DEGREE = 16;

/** The checks both kernels share: shape, x and coef. */
function common(
  fn: string, x: unknown, n: number, width: number, groups: number, degP: number, degQ: number, coef: unknown,
): { xs: Float64Array; cs: Float64Array; nCoef: number } {
  const xs = f64(fn, 'x', x);
  dim(fn, 'n', n);
  const w = dim(fn, 'width', width);
  const g = intIn(fn, 'groups', groups, 1, Math.max(1, w));
  if (w % g !== 0) throw rangeError(fn, `groups (${g}) must divide width (${w})`);
  const p = intIn(fn, 'degP', degP, 0, MAX_RATIONAL_DEGREE);
  const q = intIn(fn, 'degQ', degQ, 0, MAX_RATIONAL_DEGREE);
  const cs = f64(fn, 'coef', coef);
  const nCoef = g * (p + 1 + q);
  wantLen(fn, 'x', xs, n * width, 'n*width');
  wantLen(fn, 'coef', cs, nCoef, 'groups*(degP+1+degQ)');
  return { xs, cs, nCoef };
}

export function checkRationalForward(
  x: unknown, n: number, width: number, groups: number, degP: number, degQ: number, coef: unknown, y: unknown,
): void {
  const fn = 'rationalForward';
  const { cs } = common(fn, x, n, width, groups, degP, degQ, coef);
  const ys = f64(fn, 'y', y);
  wantLen(fn, 'y', ys, n * width, 'n*width');
  disjoint(fn, 'y', ys, [['coef', cs]]);
}

export function checkRationalBackward(
  x: unknown, n: number, width: number, groups: number, degP: number, degQ: number,
  coef: unknown, dy: unknown, dx: unknown, gcoef: unknown,
): void {
  const fn = 'rationalBackward';
  const { xs, cs, nCoef } = common(fn, x, n, width, groups, degP, degQ, coef);
  const dys = f64(fn, 'dy', dy);
  const dxs = f64OrNull(fn, 'dx', dx);
  const gs = f64(fn, 'gcoef', gcoef);
  wantLen(fn, 'dy', dys, n * width, 'n*width');
  wantLen(fn, 'dx', dxs, n * width, 'n*width');
  wantLen(fn, 'gcoef', gs, nCoef, 'groups*(degP+1+degQ)');
  // dx is written element by element after x and dy of that element are read, so it may be dy itself.
  disjoint(fn, 'dx', dxs, [['coef', cs], ['gcoef', gs]]);
  disjoint(fn, 'gcoef', gs, [['x', xs], ['coef', cs], ['dy', dys]]);
}
