// Real spherical harmonics, orthonormal for the mean over the sphere
// (∫ Y_a Y_b dΩ/4π = δ_ab, so Y_00 = 1), and their products over several
// decays: the exact basis of a spin-1 → massless-fermion-pair decay's angular
// dependence (l ≤ 2), see src/features/angular.ts.
//
// Order within one decay: l = 0, 1, …, l_max; inside l: m = 0, then cos(mφ)
// and sin(mφ) for m = 1 … l, so the index of (l, m, cos) is l² + 2m − 1 and
// the l ≤ 1 functions come first. For l_max = 2 the nine functions span
// 1, c, s·cos φ, s·sin φ, c², s·c·cos φ, s·c·sin φ, s²·cos 2φ, s²·sin 2φ.
// No Condon–Shortley phase: signs are irrelevant to a fit.

/** Largest l_max accepted (49 functions per decay). */
export const MAX_L = 6;

export function harmonicCount(lMax: number): number {
  return (lMax + 1) * (lMax + 1);
}

/** √(2(2l+1)(l−m)!/(l+m)!) for m > 0, √(2l+1) for m = 0: the orthonormalisation of P_l^m cos/sin(mφ). */
export function normalisation(l: number, m: number): number {
  let ratio = 1; // (l−m)!/(l+m)!
  for (let k = l - m + 1; k <= l + m; k++) ratio /= k;
  return Math.sqrt((m === 0 ? 1 : 2) * (2 * l + 1) * ratio);
}

function normalisations(lMax: number): Float64Array[] {
  return Array.from({ length: lMax + 1 }, (_, l) => Float64Array.from({ length: l + 1 }, (_, m) => normalisation(l, m)));
}

/** Evaluates the (l_max+1)² real harmonics of one direction. */
export class RealHarmonics {
  readonly size: number;
  private readonly norms: Float64Array[];
  /** Associated Legendre P_l^m(c), indexed l(l+1)/2 + m. */
  private readonly p: Float64Array;
  private readonly cosM: Float64Array;
  private readonly sinM: Float64Array;

  constructor(readonly lMax: number) {
    if (!(Number.isInteger(lMax) && lMax >= 0 && lMax <= MAX_L)) throw new RangeError(`l_max must be an integer in 0..${MAX_L}, got ${lMax}`);
    this.size = harmonicCount(lMax);
    this.norms = normalisations(lMax);
    this.p = new Float64Array(((lMax + 1) * (lMax + 2)) / 2);
    this.cosM = new Float64Array(lMax + 1);
    this.sinM = new Float64Array(lMax + 1);
  }

  /** Writes Y_0 … Y_{size−1} at (cos θ = c, φ) into out[offset …]; c must lie in [−1, 1]. */
  evaluate(c: number, phi: number, out: Float64Array, offset: number): void {
    const { lMax, p, cosM, sinM, norms } = this;
    const s = Math.sqrt(Math.max(0, 1 - c * c));
    // P_m^m = (2m−1)!! s^m, P_{m+1}^m = (2m+1) c P_m^m, then the stable upward recursion in l.
    const at = (l: number, m: number): number => (l * (l + 1)) / 2 + m;
    let pmm = 1;
    for (let m = 0; m <= lMax; m++) {
      if (m > 0) pmm *= (2 * m - 1) * s;
      p[at(m, m)] = pmm;
      if (m + 1 <= lMax) p[at(m + 1, m)] = (2 * m + 1) * c * pmm;
      for (let l = m + 2; l <= lMax; l++) p[at(l, m)] = ((2 * l - 1) * c * p[at(l - 1, m)] - (l + m - 1) * p[at(l - 2, m)]) / (l - m);
    }
    // cos(mφ), sin(mφ) by the angle-addition recursion from one cos/sin pair.
    const c1 = Math.cos(phi);
    const s1 = Math.sin(phi);
    cosM[0] = 1;
    sinM[0] = 0;
    for (let m = 1; m <= lMax; m++) {
      cosM[m] = cosM[m - 1] * c1 - sinM[m - 1] * s1;
      sinM[m] = sinM[m - 1] * c1 + cosM[m - 1] * s1;
    }
    for (let l = 0; l <= lMax; l++) {
      const base = offset + l * l;
      out[base] = norms[l][0] * p[at(l, 0)];
      for (let m = 1; m <= l; m++) {
        const v = norms[l][m] * p[at(l, m)];
        out[base + 2 * m - 1] = v * cosM[m];
        out[base + 2 * m] = v * sinM[m];
      }
    }
  }
}

/**
 * The products Y_{a1}(Ω1)·Y_{a2}(Ω2)·… over several decays, in row-major
 * order of (a1, a2, …): index 0 is the constant 1, the angular mean.
 */
export class ProductHarmonics {
  readonly perDecay: number;
  readonly size: number;
  private readonly single: RealHarmonics;
  private readonly factors: Float64Array;

  constructor(readonly decays: number, readonly lMax: number) {
    if (!(Number.isInteger(decays) && decays >= 1)) throw new RangeError(`decays must be a positive integer, got ${decays}`);
    this.single = new RealHarmonics(lMax);
    this.perDecay = this.single.size;
    this.size = this.perDecay ** decays;
    this.factors = new Float64Array(decays * this.perDecay);
  }

  /** angles: (cos θ_k, φ_k) of each decay in order, 2·decays values; writes `size` values at out[offset …]. */
  evaluate(angles: ArrayLike<number>, out: Float64Array, offset: number): void {
    const { decays, perDecay, factors } = this;
    for (let k = 0; k < decays; k++) this.single.evaluate(angles[2 * k], angles[2 * k + 1], factors, k * perDecay);
    out[offset] = 1;
    // Build the tensor product one decay at a time, in place from the back so nothing is overwritten before it is read.
    let len = 1;
    for (let k = 0; k < decays; k++) {
      const f = k * perDecay;
      for (let i = len - 1; i >= 0; i--) {
        const v = out[offset + i];
        for (let a = perDecay - 1; a >= 0; a--) out[offset + i * perDecay + a] = v * factors[f + a];
      }
      len *= perDecay;
    }
  }
}

/**
 * z = u_1 ⊗ u_2 ⊗ … with u_k = (1, n_k) and n_k the unit vector of decay k
 * (s cos φ, s sin φ, c): the amplitude of a spin-1 boson decaying to massless
 * fermions is linear in u_k (the Wigner functions d¹_{λ,±1} are (1 ± c)/2 and
 * ∓s/√2 times e^{iλφ}), so any |M|² summed over helicities is zᵀ M z with M
 * positive semidefinite — exactly the l ≤ 2 products, and positive by
 * construction. Over the sphere E[z zᵀ] is diagonal: `weights`.
 */
export class DecayTensor {
  readonly size: number;
  /** E[z_i²] over the decay directions: the product of 1 (for the 1 of u) and 1/3 (for each n component). */
  readonly weights: Float64Array;
  private readonly u: Float64Array;

  constructor(readonly decays: number) {
    if (!(Number.isInteger(decays) && decays >= 1)) throw new RangeError(`decays must be a positive integer, got ${decays}`);
    this.size = 4 ** decays;
    this.u = new Float64Array(4 * decays);
    this.weights = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      let w = 1;
      for (let k = 0, r = i; k < decays; k++, r = Math.floor(r / 4)) if (r % 4 !== 0) w /= 3;
      this.weights[i] = w;
    }
  }

  /** angles: (cos θ_k, φ_k) per decay; writes `size` values at out[offset …], row-major in (u_1 index, u_2 index, …). */
  evaluate(angles: ArrayLike<number>, out: Float64Array, offset: number): void {
    const { decays, u } = this;
    for (let k = 0; k < decays; k++) {
      const c = angles[2 * k];
      const s = Math.sqrt(Math.max(0, 1 - c * c));
      const phi = angles[2 * k + 1];
      u[4 * k] = 1;
      u[4 * k + 1] = s * Math.cos(phi);
      u[4 * k + 2] = s * Math.sin(phi);
      u[4 * k + 3] = c;
    }
    out[offset] = 1;
    let len = 1;
    for (let k = 0; k < decays; k++) {
      for (let i = len - 1; i >= 0; i--) {
        const v = out[offset + i];
        for (let a = 3; a >= 0; a--) out[offset + i * 4 + a] = v * u[4 * k + a];
      }
      len *= 4;
    }
  }
}
