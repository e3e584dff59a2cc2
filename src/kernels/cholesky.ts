// Cholesky factorisation and solve of a symmetric positive definite n×n
// matrix in float64, for the Levenberg–Marquardt finishing phase
// (src/nn/finish/), whose damped Gauss–Newton systems have n = the network's
// parameter count (10³–10⁴).
//
// Written here rather than taken from a package: the JavaScript linear-algebra
// packages (ml-matrix, mathjs) factor element by element, which at n = 4000
// costs tens of seconds; this one is blocked, so all but O(n²·NB) of its
// n³/3 multiply-adds are trailing-matrix updates done by the Kernels' gemm
// (the native addon's threaded micro-kernel, or the reference), and the
// diagonal blocks are factored and inverted in plain loops.

import type { Kernels } from './types.js';

/** Block size: small enough that the O(n·NB²) plain loops stay cheap, large enough for gemm to run at full speed. */
const NB = 96;

/**
 * Overwrites the lower triangle (row-major, a[i·n + j] with j ≤ i) of `a`
 * with L, a = L·Lᵀ; the strict upper triangle is used as scratch and left
 * undefined. Returns false (a partly overwritten) when a pivot is not
 * positive, i.e. the matrix is not numerically positive definite.
 */
export function choleskyFactor(k: Kernels, a: Float64Array, n: number): boolean {
  if (a.length < n * n) throw new RangeError(`choleskyFactor: ${a.length} values for a ${n}×${n} matrix`);
  const inv = new Float64Array(NB * NB);
  const panel = new Float64Array(n * NB);
  for (let j0 = 0; j0 < n; j0 += NB) {
    const nb = Math.min(NB, n - j0);
    if (!factorBlock(a, n, j0, nb)) return false;
    const rest = n - j0 - nb;
    if (rest === 0) break;
    invertLower(a, n, j0, nb, inv);
    // Panel: L21 = A21 · L11⁻ᵀ, rows j0+nb.. of columns j0..j0+nb.
    const r0 = j0 + nb;
    k.gemm(false, true, rest, nb, nb, 1, a.subarray(r0 * n + j0), n, inv, NB, 0, panel, nb);
    for (let i = 0; i < rest; i++) a.set(panel.subarray(i * nb, (i + 1) * nb), (r0 + i) * n + j0);
    // Trailing update A22 −= L21·L21ᵀ (the full square: gemm has no triangular form; the upper half is scratch).
    k.gemm(false, true, rest, rest, nb, -1, panel, nb, panel, nb, 1, a.subarray(r0 * n + r0), n);
  }
  return true;
}

/** Unblocked Cholesky of the nb×nb diagonal block at (j0, j0), in place. */
function factorBlock(a: Float64Array, n: number, j0: number, nb: number): boolean {
  for (let j = j0; j < j0 + nb; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let p = j0; p < j; p++) d -= a[rj + p] * a[rj + p];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < j0 + nb; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let p = j0; p < j; p++) s -= a[ri + p] * a[rj + p];
      a[ri + j] = s / ljj;
    }
  }
  return true;
}

/** inv (nb×nb, row stride NB) = L11⁻¹ of the factored diagonal block, lower triangular. */
function invertLower(a: Float64Array, n: number, j0: number, nb: number, inv: Float64Array): void {
  inv.fill(0);
  for (let j = 0; j < nb; j++) {
    inv[j * NB + j] = 1 / a[(j0 + j) * n + j0 + j];
    for (let i = j + 1; i < nb; i++) {
      const ri = (j0 + i) * n + j0;
      let s = 0;
      for (let p = j; p < i; p++) s -= a[ri + p] * inv[p * NB + j];
      inv[i * NB + j] = s / a[ri + i];
    }
  }
}

/** Solves L·Lᵀ·x = b in place (b becomes x) with the factor choleskyFactor left in a. */
export function choleskySolve(a: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let p = 0; p < i; p++) s -= a[ri + p] * b[p];
    b[i] = s / a[ri + i];
  }
  // Lᵀ·x = y, walking L by rows: subtract each solved x_i's column contribution.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i] / a[ri + i];
    b[i] = xi;
    for (let p = 0; p < i; p++) b[p] -= a[ri + p] * xi;
  }
}
