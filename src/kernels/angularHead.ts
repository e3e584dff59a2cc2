// The harmonic angular head's per-row contractions (src/nn/structuredNetwork.ts
// says what the head models), the reference of native/kernels/angular_head.c.
// Only the parts that cost O(K + Z²) per row live here; the per-row scalars
// that need the target transform (y0, its slope, the ratio) stay with the
// network, which passes them in as the backward's coefficients.
//
// Layout of an inner output row (m values): L (Z × Z, row-major) at lAt, the
// K − 1 numerator coefficients e_1 … e_{K−1} at eAt; the rest is not read.
//   forward, per row:  basis = B(Ω) (K), z = ⊗(1, n_k) (Z),
//                      v = (I + αL)ᵀ z, p = β Σ_{j≥1} e_j B_j,
//                      qRaw = ‖v‖², qMean = Σ_i w_i Σ_j (δ_ij + αL_ij)²;
//   backward, per row: dL/de_j = ce·B_j,
//                      dL/dL_ij = 2α (cRaw·z_i·v_j + cMean·w_i·(δ_ij + αL_ij)),
// the gradient of ce·Σ_{j≥1} e_j B_j + cRaw·qRaw + cMean·qMean; the other
// columns of dInner are left alone.

import { DecayTensor, ProductHarmonics } from './harmonics.js';

/** The head's geometry, the same for every row. */
export interface AngularHeadShape {
  readonly decays: number;
  readonly lMax: number;
  /** Inner outputs per row. */
  readonly m: number;
  readonly lAt: number;
  readonly eAt: number;
  readonly alpha: number;
  readonly beta: number;
}

/** Per-row results of the forward that the network and the backward read. */
export interface AngularHeadBuffers {
  /** n × K. */
  readonly basis: Float64Array;
  /** n × Z each. */
  readonly z: Float64Array;
  readonly v: Float64Array;
  /** n each. */
  readonly p: Float64Array;
  readonly qRaw: Float64Array;
  readonly qMean: Float64Array;
}

/** The backward's per-row coefficients (n each): β·dL/dp, dL/dqRaw, dL/dqMean. */
export interface AngularHeadCoefficients {
  readonly ce: Float64Array;
  readonly cRaw: Float64Array;
  readonly cMean: Float64Array;
}

/** K = (l_max + 1)^(2·decays) and Z = 4^decays. */
export function angularHeadSizes(decays: number, lMax: number): { k: number; z: number } {
  return { k: (lMax + 1) ** (2 * decays), z: 4 ** decays };
}

const bases = new Map<string, { harmonics: ProductHarmonics; tensor: DecayTensor; angles: Float64Array }>();

/** The evaluators of one shape, built once: the kernel allocates nothing per call. */
function evaluators(decays: number, lMax: number): { harmonics: ProductHarmonics; tensor: DecayTensor; angles: Float64Array } {
  const key = `${decays}/${lMax}`;
  let e = bases.get(key);
  if (e === undefined) {
    e = { harmonics: new ProductHarmonics(decays, lMax), tensor: new DecayTensor(decays), angles: new Float64Array(2 * decays) };
    bases.set(key, e);
  }
  return e;
}

/** angles: n × 2·decays, (cos θ_k, φ_k) per decay, cos θ already within [−1, 1]; o: n × m. */
export function angularHeadForward(s: AngularHeadShape, n: number, angles: Float64Array, o: Float64Array, out: AngularHeadBuffers): void {
  const { harmonics, tensor, angles: a } = evaluators(s.decays, s.lMax);
  const k = harmonics.size;
  const zn = tensor.size;
  const w = tensor.weights;
  const na = 2 * s.decays;
  const { basis, z, v } = out;
  for (let r = 0; r < n; r++) {
    const b = r * k;
    const zr = r * zn;
    for (let j = 0; j < na; j++) a[j] = angles[r * na + j];
    harmonics.evaluate(a, basis, b);
    tensor.evaluate(a, z, zr);
    const row = r * s.m;
    let p = 0;
    for (let j = 1; j < k; j++) p += o[row + s.eAt + j - 1] * basis[b + j];
    v.fill(0, zr, zr + zn);
    let mean = 0;
    for (let i = 0; i < zn; i++) {
      const zi = z[zr + i];
      const at = row + s.lAt + i * zn;
      let rowSq = 0;
      for (let j = 0; j < zn; j++) {
        const lij = (i === j ? 1 : 0) + s.alpha * o[at + j];
        v[zr + j] += lij * zi;
        rowSq += lij * lij;
      }
      mean += w[i] * rowSq;
    }
    let raw = 0;
    for (let j = 0; j < zn; j++) raw += v[zr + j] * v[zr + j];
    out.p[r] = p * s.beta;
    out.qRaw[r] = raw;
    out.qMean[r] = mean;
  }
}

/** Writes the L and e columns of dInner (n × m) from the forward's buffers and the per-row coefficients. */
export function angularHeadBackward(
  s: AngularHeadShape, n: number, o: Float64Array, fwd: AngularHeadBuffers, c: AngularHeadCoefficients, dInner: Float64Array,
): void {
  const { k, z: zn } = angularHeadSizes(s.decays, s.lMax);
  const w = evaluators(s.decays, s.lMax).tensor.weights;
  const { basis, z, v } = fwd;
  const twoAlpha = s.alpha * 2;
  for (let r = 0; r < n; r++) {
    const row = r * s.m;
    const ce = c.ce[r];
    const b = r * k;
    for (let j = 1; j < k; j++) dInner[row + s.eAt + j - 1] = ce * basis[b + j];
    const dRaw = c.cRaw[r];
    const dMean = c.cMean[r];
    const zr = r * zn;
    for (let i = 0; i < zn; i++) {
      const zi = z[zr + i];
      const wi = w[i];
      const at = row + s.lAt + i * zn;
      for (let j = 0; j < zn; j++) {
        const lij = (i === j ? 1 : 0) + s.alpha * o[at + j];
        dInner[at + j] = twoAlpha * (dRaw * zi * v[zr + j] + dMean * wi * lij);
      }
    }
  }
}
