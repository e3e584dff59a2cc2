// Network features from four-momenta (paper 2): the scaled momenta (what an
// MLP or a Deep Sets embedding reads), the logs of all pair invariants
// s_ij = (p_i + p_j)² (MLP-I, DSI), or both. The spec is fitted on the
// training rows once and stored with the model, so predict computes exactly
// the features training saw.
//
// Layout of a feature row: [momenta: P×(E, px, py, pz) / momentum_scale]
// then [invariants: (log(s_ij) − shift_k) / scale_k, pairs i < j in order].
// Deep Sets rely on this order (src/nn/arch/plan.ts).

import {
  checkMomentumRow, invariantNames, invariantPairs, momentumColumns, rowInvariants, type MomentumLayout,
} from '../data/momenta.js';
import { AmpfitError } from '../util/errors.js';

export const FEATURE_KINDS = ['momenta', 'invariants', 'momenta+invariants'] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export interface MomentumFeatureSpec {
  readonly layout: MomentumLayout;
  readonly features: FeatureKind;
  /**
   * GeV; every momentum component is divided by it: the mean √ŝ of the
   * training rows. One scale for all particles keeps four-vectors comparable,
   * which a shared per-type embedding needs.
   */
  readonly momentum_scale: number;
  /** Per invariant: feature = (log s_ij − shift) / scale, from the training rows (scale 1 when s_ij is constant). */
  readonly invariant_shift: readonly number[];
  readonly invariant_scale: readonly number[];
}

export function hasMomenta(kind: FeatureKind): boolean {
  return kind !== 'invariants';
}

export function hasInvariants(kind: FeatureKind): boolean {
  return kind !== 'momenta';
}

export function featureNames(spec: Pick<MomentumFeatureSpec, 'layout' | 'features'>): string[] {
  return [
    ...(hasMomenta(spec.features) ? momentumColumns(spec.layout) : []),
    ...(hasInvariants(spec.features) ? invariantNames(spec.layout).map((s) => `log_${s}`) : []),
  ];
}

export function featureDim(spec: Pick<MomentumFeatureSpec, 'layout' | 'features'>): number {
  return featureNames(spec).length;
}

/**
 * Checks every row of x (n×4P raw momenta in GeV); returns √ŝ per row.
 * The first bad row throws MomentumRowError with its index.
 */
export function checkMomenta(x: Float64Array, n: number, layout: MomentumLayout, kind: FeatureKind): Float64Array {
  const rootS = new Float64Array(n);
  const needLog = hasInvariants(kind);
  for (let r = 0; r < n; r++) rootS[r] = checkMomentumRow(x, r, layout, needLog);
  return rootS;
}

/** Fits the scales on rows `train` of x (already checked). */
export function fitMomentumFeatures(
  layout: MomentumLayout, kind: FeatureKind, x: Float64Array, rootS: Float64Array, train: Uint32Array,
): MomentumFeatureSpec {
  if (train.length === 0) throw new AmpfitError('momentum features: no training rows to fit the scales on');
  let sum = 0;
  for (const r of train) sum += rootS[r];
  const momentumScale = sum / train.length;
  const nP = layout.particles.length;
  const nS = invariantPairs(nP).length;
  const shift = new Array<number>(nS).fill(0);
  const scale = new Array<number>(nS).fill(1);
  if (hasInvariants(kind)) {
    // Two passes (mean, then spread) so 5 decades of s_ij lose no digits.
    const s = new Float64Array(nS);
    const logs = new Float64Array(train.length * nS);
    train.forEach((r, k) => {
      rowInvariants(x, r, nP, s, 0);
      for (let m = 0; m < nS; m++) logs[k * nS + m] = Math.log(s[m]);
    });
    for (let m = 0; m < nS; m++) {
      // Offsets from the first row: exact for a constant invariant, and no large partial sums.
      const ref = logs[m];
      let offset = 0;
      for (let k = 0; k < train.length; k++) offset += logs[k * nS + m] - ref;
      const mean = ref + offset / train.length;
      let v = 0;
      for (let k = 0; k < train.length; k++) v += (logs[k * nS + m] - mean) ** 2;
      const sd = Math.sqrt(v / train.length);
      shift[m] = mean;
      // A constant invariant (√ŝ fixed, as in ggyyg) becomes a constant 0 feature.
      scale[m] = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
    }
  }
  return { layout, features: kind, momentum_scale: momentumScale, invariant_shift: shift, invariant_scale: scale };
}

/**
 * Features of n rows of raw momenta x (n×4P GeV), n×featureDim. Checks every
 * row first (MomentumRowError with the row index), so predict refuses the
 * same inputs training would have.
 */
export function applyMomentumFeatures(spec: MomentumFeatureSpec, x: Float64Array, n: number): Float64Array {
  const layout = spec.layout;
  const nP = layout.particles.length;
  const w = 4 * nP;
  if (x.length !== n * w) throw new AmpfitError(`momentum features: x has ${x.length} values, expected ${n} rows × ${w} momentum columns`);
  checkMomenta(x, n, layout, spec.features);
  const withP = hasMomenta(spec.features);
  const withS = hasInvariants(spec.features);
  const nS = withS ? invariantPairs(nP).length : 0;
  const f = (withP ? w : 0) + nS;
  const out = new Float64Array(n * f);
  const inv = 1 / spec.momentum_scale;
  const s = new Float64Array(invariantPairs(nP).length);
  for (let r = 0; r < n; r++) {
    const o = r * f;
    if (withP) for (let c = 0; c < w; c++) out[o + c] = x[r * w + c] * inv;
    if (withS) {
      rowInvariants(x, r, nP, s, 0);
      const base = o + (withP ? w : 0);
      for (let m = 0; m < nS; m++) out[base + m] = (Math.log(s[m]) - spec.invariant_shift[m]) / spec.invariant_scale[m];
    }
  }
  return out;
}

/** Validates a stored spec (from a model file). */
export function parseMomentumFeatureSpec(value: unknown, where: string): MomentumFeatureSpec {
  const bad = (what: string): never => {
    throw new AmpfitError(`${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected an object');
  const o = value as Record<string, unknown>;
  const layout = o.layout as Record<string, unknown> | undefined;
  if (typeof layout !== 'object' || layout === null || !Array.isArray(layout.particles)) return bad('layout.particles missing');
  const particles = (layout.particles as unknown[]).map((p, i) => {
    const q = p as Record<string, unknown>;
    if (typeof q?.name !== 'string' || typeof q?.type !== 'string') return bad(`layout.particles[${i}] needs name and type`);
    return { name: q.name, type: q.type };
  });
  if (!Number.isInteger(layout.incoming) || !(typeof layout.tolerance === 'number')) return bad('layout.incoming/tolerance missing');
  if (!(FEATURE_KINDS as readonly unknown[]).includes(o.features)) return bad(`features must be one of ${FEATURE_KINDS.join(', ')}`);
  const nS = invariantPairs(particles.length).length;
  const nums = (k: string): number[] => {
    const a = o[k];
    if (!Array.isArray(a) || a.length !== nS || !a.every((v) => typeof v === 'number' && Number.isFinite(v))) return bad(`${k} must hold ${nS} numbers`);
    return a as number[];
  };
  if (!(typeof o.momentum_scale === 'number' && o.momentum_scale > 0)) return bad('momentum_scale must be a positive number');
  return {
    layout: { particles, incoming: layout.incoming as number, tolerance: layout.tolerance },
    features: o.features as FeatureKind,
    momentum_scale: o.momentum_scale,
    invariant_shift: nums('invariant_shift'),
    invariant_scale: nums('invariant_scale'),
  };
}
