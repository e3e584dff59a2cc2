// Argument checks of the KAN expansion kernels, run before either backend
// computes (the native binding repeats what memory safety needs).

import { dim, disjoint, f64, finite, intIn, rangeError, wantLen } from './checks.js';

/** Most grid intervals accepted. */
export const MAX_KAN_GRID = 1000;

function common(fn: string, x: unknown, n: number, nIn: number, grid: number, lo: number, hi: number): Float64Array {
  const xs = f64(fn, 'x', x);
  dim(fn, 'n', n);
  dim(fn, 'nIn', nIn);
  intIn(fn, 'grid', grid, 1, MAX_KAN_GRID);
  if (!(finite(fn, 'lo', lo) < finite(fn, 'hi', hi))) throw rangeError(fn, `lo (${lo}) must be below hi (${hi})`);
  wantLen(fn, 'x', xs, n * nIn, 'n*nIn');
  return xs;
}

export function checkKanExpand(x: unknown, n: number, nIn: number, grid: number, lo: number, hi: number, f: unknown): void {
  const fn = 'kanExpand';
  const xs = common(fn, x, n, nIn, grid, lo, hi);
  const fs = f64(fn, 'f', f);
  wantLen(fn, 'f', fs, n * nIn * (grid + 4), 'n*nIn*(grid+4)');
  disjoint(fn, 'f', fs, [['x', xs]]);
}

export function checkKanExpandBackward(
  x: unknown, n: number, nIn: number, grid: number, lo: number, hi: number, df: unknown, dx: unknown,
): void {
  const fn = 'kanExpandBackward';
  const xs = common(fn, x, n, nIn, grid, lo, hi);
  const dfs = f64(fn, 'df', df);
  const dxs = f64(fn, 'dx', dx);
  wantLen(fn, 'df', dfs, n * nIn * (grid + 4), 'n*nIn*(grid+4)');
  wantLen(fn, 'dx', dxs, n * nIn, 'n*nIn');
  disjoint(fn, 'dx', dxs, [['x', xs], ['df', dfs]]);
}
