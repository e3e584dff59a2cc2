// The spacetime geometric algebra G(1,3) as L-GATr uses it (Spinner et al.,
// arXiv:2405.14806): 16 components per multivector, blade k stored at the
// index whose bits name its basis vectors (bit μ = γ_μ, γ_0 timelike), so the
// grade is the popcount and products of blades are XORs with a sign. The
// tables are derived here from the metric rather than typed in, so a sign
// error cannot hide in a hand-written table.

import type { MvProductTable } from '../../graph/ops.js';

/** Components of a multivector. */
export const MV = 16;

/** Metric signature η = diag(+1, −1, −1, −1). */
const ETA = [1, -1, -1, -1] as const;

/** Index of the pseudoscalar γ_0123. */
export const PSEUDOSCALAR = 15;

/** Vector blade index of γ_μ: the four-momentum (E, px, py, pz) sits at these components. */
export const VECTOR_BLADES = [1, 2, 4, 8] as const;

function popcount(a: number): number {
  let c = 0;
  for (let b = a; b !== 0; b &= b - 1) c++;
  return c;
}

/** Grade (0 … 4) of each blade. */
export const GRADE: readonly number[] = Array.from({ length: MV }, (_, a) => popcount(a));

/** Sign from reordering γ_a γ_b into canonical (ascending) order. */
function reorderSign(a: number, b: number): number {
  let swaps = 0;
  for (let x = a >> 1; x !== 0; x >>= 1) swaps += popcount(x & b);
  return swaps % 2 === 0 ? 1 : -1;
}

/** γ_a γ_b = sign · γ_(a xor b). */
function bladeProductSign(a: number, b: number): number {
  let s = reorderSign(a, b);
  for (let mu = 0; mu < 4; mu++) if ((a & b & (1 << mu)) !== 0) s *= ETA[mu];
  return s;
}

/**
 * ⟨x, y⟩ = ⟨x̃ y⟩_0 = Σ_A METRIC[A] x_A y_A, the Lorentz-invariant inner
 * product (γ̃_A γ_A is the product of η over A's vectors); on vectors it is the
 * Minkowski product E E′ − p·p′. It is indefinite, which is why the layer norm
 * takes its absolute value.
 */
export const METRIC: readonly number[] = Array.from({ length: MV }, (_, a) => {
  let s = 1;
  for (let mu = 0; mu < 4; mu++) if ((a & (1 << mu)) !== 0) s *= ETA[mu];
  return s;
});

/**
 * Multiplication by the pseudoscalar, x → x·I: component A of the result is
 * DUAL_SIGN[A] · x_(A xor 15). It maps grade k to 4 − k and commutes with the
 * proper orthochronous Lorentz group (I commutes with even versors), which is
 * what makes it one of the equivariant linear maps.
 */
export const DUAL_SIGN: readonly number[] = Array.from({ length: MV }, (_, a) => bladeProductSign(a ^ PSEUDOSCALAR, PSEUDOSCALAR));

/** A bilinear product as a list of terms z[out] += sign · x[left] · y[right]. */
export interface BilinearTable {
  readonly left: Int8Array;
  readonly right: Int8Array;
  readonly out: Int8Array;
  readonly sign: Float64Array;
}

function table(terms: readonly (readonly [number, number, number, number])[]): BilinearTable {
  return {
    left: Int8Array.from(terms.map((t) => t[0])),
    right: Int8Array.from(terms.map((t) => t[1])),
    out: Int8Array.from(terms.map((t) => t[2])),
    sign: Float64Array.from(terms.map((t) => t[3])),
  };
}

/** The geometric product x y: all 256 blade pairs. */
export const GEOMETRIC_PRODUCT: BilinearTable = table(
  Array.from({ length: MV * MV }, (_, k) => {
    const a = k >> 4;
    const b = k & 15;
    return [a, b, a ^ b, bladeProductSign(a, b)] as const;
  }),
);

/**
 * The join (regressive product) x ∨ y = ((x I) ∧ (y I)) I: the outer product
 * of the duals, dualised back. Every factor is equivariant under the proper
 * orthochronous group, so the join is too (the sign convention of the last
 * dualisation is absorbed by the learned weights around it).
 */
export const JOIN: BilinearTable = table(
  Array.from({ length: MV * MV }, (_, k) => [k >> 4, k & 15] as const).flatMap(([a, b]) => {
    // (γ_a I) = s_a γ_(a^15); outer product of γ_a' γ_b' is nonzero only when they share no vector.
    const da = a ^ PSEUDOSCALAR;
    const db = b ^ PSEUDOSCALAR;
    if ((da & db) !== 0) return [];
    const sa = bladeProductSign(a, PSEUDOSCALAR);
    const sb = bladeProductSign(b, PSEUDOSCALAR);
    const wedge = da | db;
    const sign = sa * sb * reorderSign(da, db) * bladeProductSign(wedge, PSEUDOSCALAR);
    return [[a, b, wedge ^ PSEUDOSCALAR, sign] as const];
  }),
);

/** z = x y over one multivector each (16 components), for tests and readable reference. */
export function applyBilinear(t: BilinearTable, x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const z = new Float64Array(MV);
  for (let k = 0; k < t.sign.length; k++) z[t.out[k]] += t.sign[k] * x[t.left[k]] * y[t.right[k]];
  return z;
}

/** A table as the model graph stores it (plain numbers, the same terms in the same order). */
export function graphTable(t: BilinearTable): MvProductTable {
  return { left: Array.from(t.left), right: Array.from(t.right), out: Array.from(t.out), sign: Array.from(t.sign) };
}
