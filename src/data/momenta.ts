// Momentum-level inputs (paper 2): every row holds the four-momenta
// (E, px, py, pz) of the external particles, incoming ones first. This module
// knows the column layout, checks each row's physics (positive energies,
// momentum conservation, positive invariants where a log is taken) and
// computes the pair invariants s_ij = (p_i + p_j)². It knows nothing about
// files: a failed check is a MomentumRowError carrying the row's index, which
// callers turn into a DataError naming file and line.

import { AmpfitError, RowError } from '../util/errors.js';

export interface Particle {
  /** Column prefix: columns are <name>_E, <name>_px, <name>_py, <name>_pz. */
  readonly name: string;
  /** Particle type (e.g. "g", "a"); Deep Sets share one embedding per type. */
  readonly type: string;
}

export interface MomentumLayout {
  readonly particles: readonly Particle[];
  /** The first `incoming` particles are incoming, the rest outgoing. */
  readonly incoming: number;
  /** Allowed |Σ p_in − Σ p_out| per component, relative to √ŝ. */
  readonly tolerance: number;
}

export const COMPONENTS = ['E', 'px', 'py', 'pz'] as const;

/** The input columns of a layout, particle by particle, in (E, px, py, pz) order. */
export function momentumColumns(layout: Pick<MomentumLayout, 'particles'>): string[] {
  return layout.particles.flatMap((p) => COMPONENTS.map((c) => `${p.name}_${c}`));
}

/** The pairs (i, j), i < j, of all particles, in the order features use. */
export function invariantPairs(nParticles: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < nParticles; i++) for (let j = i + 1; j < nParticles; j++) pairs.push([i, j]);
  return pairs;
}

/** Feature names of the invariants, e.g. "s_p1_p3". */
export function invariantNames(layout: Pick<MomentumLayout, 'particles'>): string[] {
  const ps = layout.particles;
  return invariantPairs(ps.length).map(([i, j]) => `s_${ps[i].name}_${ps[j].name}`);
}

/** A row that fails a physics check; `row` is its index in the batch checked. */
export class MomentumRowError extends RowError {
  override readonly name = 'MomentumRowError';
}

/** Minkowski square (metric +,−,−,−) of p_i + p_j, for momenta at x[o + 4i ..]. */
export function pairInvariant(x: Float64Array, o: number, i: number, j: number): number {
  const a = o + 4 * i;
  const b = o + 4 * j;
  const e = x[a] + x[b];
  const px = x[a + 1] + x[b + 1];
  const py = x[a + 2] + x[b + 2];
  const pz = x[a + 3] + x[b + 3];
  return e * e - px * px - py * py - pz * pz;
}

/**
 * Checks row r of x (n×4P) and returns √ŝ. Throws MomentumRowError when an
 * energy is not positive, when ŝ = (Σ p_in)² ≤ 0, when momentum is not
 * conserved to `tolerance`·√ŝ in some component, or — with `positiveInvariants`
 * — when some s_ij ≤ 0 (its log would be taken).
 */
export function checkMomentumRow(x: Float64Array, r: number, layout: MomentumLayout, positiveInvariants: boolean): number {
  const ps = layout.particles;
  const nP = ps.length;
  const o = r * 4 * nP;
  for (let i = 0; i < nP; i++) {
    const e = x[o + 4 * i];
    if (!(e > 0)) throw new MomentumRowError(r, `${ps[i].name}_E`, `energy ${e} GeV is not positive (physical momenta have E > 0)`);
  }
  const total = [0, 0, 0, 0];
  const incoming = [0, 0, 0, 0];
  for (let i = 0; i < nP; i++) {
    const sign = i < layout.incoming ? 1 : -1;
    for (let c = 0; c < 4; c++) {
      total[c] += sign * x[o + 4 * i + c];
      if (i < layout.incoming) incoming[c] += x[o + 4 * i + c];
    }
  }
  const shat = incoming[0] ** 2 - incoming[1] ** 2 - incoming[2] ** 2 - incoming[3] ** 2;
  if (!(shat > 0)) throw new MomentumRowError(r, null, `ŝ = (Σ incoming p)² = ${shat} GeV² is not positive`);
  const rootS = Math.sqrt(shat);
  const limit = layout.tolerance * rootS;
  for (let c = 0; c < 4; c++) {
    if (!(Math.abs(total[c]) <= limit)) {
      throw new MomentumRowError(
        r, null,
        `momentum not conserved: Σ incoming − Σ outgoing ${COMPONENTS[c]} = ${total[c]} GeV, more than ` +
          `tolerance ${layout.tolerance} × √ŝ (${rootS} GeV)`,
      );
    }
  }
  if (positiveInvariants) {
    for (const [i, j] of invariantPairs(nP)) {
      const s = pairInvariant(x, o, i, j);
      if (!(s > 0)) {
        throw new MomentumRowError(
          r, null, `s_${ps[i].name}_${ps[j].name} = (${ps[i].name} + ${ps[j].name})² = ${s} GeV² is not positive; its log is a feature`,
        );
      }
    }
  }
  return rootS;
}

/** All s_ij of row r, in invariantPairs order, into out[k..]. */
export function rowInvariants(x: Float64Array, r: number, nP: number, out: Float64Array, k: number): void {
  const o = r * 4 * nP;
  let m = k;
  for (let i = 0; i < nP; i++) for (let j = i + 1; j < nP; j++) out[m++] = pairInvariant(x, o, i, j);
}
