import { AmpfitError } from '../util/errors.js';

// Target transforms map the physical target y (after the optional Born ratio)
// to the space the regressor is trained in, and back. Sorted in order of
// increasing complexity. `log` is paper 1's baseline; `standardize` (zero
// mean, unit variance on the training set) is its recipe on top of the Born
// ratio; `log-standardize` suits targets spanning decades (ggyyg's msq) and
// makes the MSE weigh each point by its relative error, which is what R_τ
// counts. `asinh-standardize` is the same for targets that change sign (zz8d's
// one-loop ratio): asinh(y/u) is log(2y/u) for y ≫ u and linear through zero,
// with the unit u fitted as the median |y|.

export const TARGET_TRANSFORMS = ['none', 'standardize', 'log', 'log-standardize', 'asinh-standardize'] as const;
export type TargetTransformKind = (typeof TARGET_TRANSFORMS)[number];

/** Plain JSON, stored with every model. */
export interface TargetTransformJSON {
  readonly kind: TargetTransformKind;
  /** Shift and scale applied after the optional log or asinh: t = (g(y) − shift)/scale. */
  readonly shift: number;
  readonly scale: number;
  /** asinh-standardize only: g(y) = asinh(y/unit). */
  readonly unit?: number;
}

/**
 * asinh's linear range u in units of the median |y|. With u = median the bulk
 * sits where asinh bends, large ratios are weighed by their relative error,
 * and the ~1 % of sign-flipping points stay near the bulk; a much smaller u
 * (0.1 · median was tried on zz8d) throws them far out on the log scale, where
 * they dominate the MSE.
 */
const ASINH_UNIT_OF_MEDIAN = 1;

function medianAbs(y: Float64Array): number {
  const a = Float64Array.from(y, Math.abs).sort();
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m] : 0.5 * (a[m - 1] + a[m]);
}

export class TargetTransform {
  private constructor(
    readonly kind: TargetTransformKind, readonly shift: number, readonly scale: number, readonly unit = 1,
  ) {}

  /** Fits shift/scale on the training targets. */
  static fit(kind: TargetTransformKind, y: Float64Array): TargetTransform {
    refuseConstant(y);
    const usesLog = kind === 'log' || kind === 'log-standardize';
    if (usesLog) {
      for (let i = 0; i < y.length; i++) {
        if (!(y[i] > 0)) throw new AmpfitError(`target transform '${kind}' needs positive targets; row ${i} of the training set has ${y[i]}`);
      }
    }
    if (kind === 'none' || kind === 'log') return new TargetTransform(kind, 0, 1);
    let unit = 1;
    if (kind === 'asinh-standardize') {
      unit = ASINH_UNIT_OF_MEDIAN * medianAbs(y);
      if (!(unit > 0)) throw new AmpfitError(`target transform '${kind}': the median |target| of the training set is 0, so asinh has no scale`);
    }
    const g = usesLog ? y.map(Math.log) : kind === 'asinh-standardize' ? y.map((v) => Math.asinh(v / unit)) : y;
    let sum = 0;
    for (let i = 0; i < g.length; i++) sum += g[i];
    const mean = sum / g.length;
    let m2 = 0;
    for (let i = 0; i < g.length; i++) m2 += (g[i] - mean) * (g[i] - mean);
    const std = Math.sqrt(m2 / y.length);
    if (!(std > 0)) throw new AmpfitError(`target transform '${kind}': the training targets are constant, nothing to standardise`);
    return new TargetTransform(kind, mean, std, unit);
  }

  static fromJSON(j: TargetTransformJSON): TargetTransform {
    if (!TARGET_TRANSFORMS.includes(j.kind)) throw new AmpfitError(`unknown target transform '${j.kind}'`);
    if (!Number.isFinite(j.shift) || !(j.scale > 0)) throw new AmpfitError(`target transform '${j.kind}' has bad shift/scale ${j.shift}/${j.scale}`);
    const unit = j.unit ?? 1;
    if (!(unit > 0 && Number.isFinite(unit))) throw new AmpfitError(`target transform '${j.kind}' has bad unit ${unit}`);
    if (j.kind === 'asinh-standardize' && j.unit === undefined) throw new AmpfitError(`target transform '${j.kind}' has no unit`);
    return new TargetTransform(j.kind, j.shift, j.scale, unit);
  }

  toJSON(): TargetTransformJSON {
    const base = { kind: this.kind, shift: this.shift, scale: this.scale };
    return this.kind === 'asinh-standardize' ? { ...base, unit: this.unit } : base;
  }

  get usesLog(): boolean {
    return this.kind === 'log' || this.kind === 'log-standardize';
  }

  /** Physical target → training space (new array). */
  forward(y: Float64Array): Float64Array {
    const out = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = this.value(y[i]);
    return out;
  }

  /**
   * dy/dt of the inverse map at the physical value y = inverse(t), written
   * in y so callers need not keep t: 'none'/'standardize' scale; 'log',
   * 'log-standardize' scale·y; 'asinh-standardize' scale·√(unit² + y²).
   * A width σ_t in the training space is σ_y ≈ |dy/dt|·σ_t in physical units
   * (first order, accurate while σ_t·scale ≪ 1).
   */
  inverseSlope(y: number): number {
    if (this.usesLog) return this.scale * y;
    if (this.kind === 'asinh-standardize') return this.scale * Math.hypot(this.unit, y);
    return this.scale;
  }

  /** One physical value → training space. */
  value(y: number): number {
    if (this.usesLog) return (Math.log(y) - this.shift) / this.scale;
    if (this.kind === 'asinh-standardize') return (Math.asinh(y / this.unit) - this.shift) / this.scale;
    return (y - this.shift) / this.scale;
  }

  /** One training-space value → physical. */
  inverseValue(t: number): number {
    const g = t * this.scale + this.shift;
    if (this.usesLog) return Math.exp(g);
    if (this.kind === 'asinh-standardize') return this.unit * Math.sinh(g);
    return g;
  }

  /** d²y/dt² of the inverse map at y = inverse(t): scale²·y for log and asinh kinds, 0 for the linear ones. */
  inverseCurvature(y: number): number {
    return this.usesLog || this.kind === 'asinh-standardize' ? this.scale * this.scale * y : 0;
  }

  /** Training space → physical target, in place. */
  inverseInPlace(t: Float64Array): Float64Array {
    for (let i = 0; i < t.length; i++) t[i] = this.inverseValue(t[i]);
    return t;
  }
}

/**
 * Relative spread below which the training targets count as one constant.
 * A target/born ratio of a target that is c × born exactly differs only by
 * rounding (a few ulps, ~1e-16): its standard deviation is positive, so the
 * old 'std > 0' test passed it, the network fitted rounding noise and R²
 * came out as −4512. 1e-12 is thousands of ulps, and a million times finer
 * than the 0.1 % precision any surrogate here aims at.
 */
const CONSTANT_SPREAD = 1e-12;

function refuseConstant(y: Float64Array): void {
  if (y.length === 0) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < y.length; i++) {
    if (y[i] < lo) lo = y[i];
    if (y[i] > hi) hi = y[i];
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= CONSTANT_SPREAD * scale) {
    const spread = scale === 0 ? 0 : (hi - lo) / scale;
    throw new AmpfitError(
      `the training targets are constant: all ${y.length} lie in [${lo}, ${hi}] (relative spread ${spread.toExponential(1)}, rounding at most), ` +
        'so there is nothing to learn and R² would be meaningless; with data.born, the target is a fixed multiple of the Born term',
    );
  }
}
