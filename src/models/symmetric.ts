// Any model type made exactly invariant under a symmetry group, in one of two
// ways (src/symmetry/group.ts says why both are exact in floating point):
//   fold     — train and predict on points folded into one fundamental
//              domain: the model sees 1/|G| of the volume at |G| times the
//              density, and costs nothing extra to evaluate;
//   average  — train on the points as they are and predict the mean over the
//              orbit: |G| evaluations per point, averaging out the part of the
//              error that is not symmetric.
// The wrapper owns only the coordinates; the inner model type is untouched,
// and the model file stores the inner model's own spec and arrays.

import type { GraphBuilder } from '../graph/builder.js';
import { uncertainPrediction, UncertainRegressor, type UncertainPrediction, type UncertaintyMethod } from '../uncertainty/regressor.js';
import type { Buf } from '../graph/ops.js';
import { AmpfitError, ModelFileError, RowError } from '../util/errors.js';
import { formatMap, type SignedPermutation } from '../symmetry/coordinateMap.js';
import { SymmetryGroup } from '../symmetry/group.js';
import type { EmittedOutput, FitContext, FitResult, Regressor, RegressorType, SerializedRegressor, TrainData } from './regressor.js';

export { SYMMETRY_MODES, type SymmetryMode } from '../symmetry/modes.js';

export interface NamedMap {
  readonly name: string;
  readonly map: SignedPermutation;
}

/** What a symmetric model's spec records of its symmetry. */
interface SymmetrySpecJSON {
  readonly mode: 'fold' | 'average';
  readonly maps: { name: string; image: string; src: number[]; reflect: number[] }[];
  readonly group_order: number;
}

export class SymmetricRegressor implements Regressor {
  readonly type = 'symmetric';
  readonly group: SymmetryGroup;

  constructor(
    readonly inner: Regressor,
    readonly mode: 'fold' | 'average',
    readonly maps: readonly NamedMap[],
    readonly d: number,
  ) {
    this.group = new SymmetryGroup(d, maps.map((m) => m.map));
  }

  parameterCount(): number {
    return this.inner.parameterCount();
  }

  predict(x: Float64Array, n: number): Float64Array {
    this.checkUnit(x, n);
    if (this.mode === 'fold') return this.inner.predict(this.group.fold(x, n), n);
    return this.group.averageOrbits(this.inner.predict(this.group.orbits(x, n), n * this.group.order), n);
  }

  /** The inner model's σ when it learned one: on the folded point, or averaged over the orbit like the value (predictUncertain). */
  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    const group = { elements: this.group.elements, reflectable: this.group.reflectable };
    if (this.mode === 'fold') return this.inner.emit(g, g.fold(x, group));
    const images = g.orbit(x, group).map((image) => this.inner.emit(g, image));
    const value = g.mean(images.map((o) => o.value), 'sum-then-divide');
    const sigmas = images.map((o) => o.sigma);
    if (sigmas.every((s) => s === null)) return { value, sigma: null };
    const first = sigmas[0];
    if (first === null || sigmas.some((s) => s === null)) throw new AmpfitError('symmetric model: some images have σ and some do not');
    return { value, sigma: { variance: g.mean(sigmas.map((s) => (s as NonNullable<typeof s>).variance), 'sum-then-divide'), scale: first.scale } };
  }

  /** Whether the inner model learned σ (predictUncertain works). */
  get uncertain(): UncertainRegressor | null {
    return this.inner instanceof UncertainRegressor ? this.inner : null;
  }

  get method(): UncertaintyMethod {
    return this.requireUncertain().method;
  }

  get sigmaScale(): number {
    return this.requireUncertain().sigmaScale;
  }

  /**
   * σ with the symmetry: on the folded point, or over the orbit with the
   * mean, ⟨σ_k²⟩ and each member's f_k averaged over the images exactly as
   * predict averages the value (so every one is as invariant as the value).
   */
  predictUncertain(x: Float64Array, n: number, withMembers = false): UncertainPrediction {
    const inner = this.requireUncertain();
    this.checkUnit(x, n);
    if (this.mode === 'fold') return inner.predictUncertain(this.group.fold(x, n), n, withMembers);
    const p = inner.predictParts(this.group.orbits(x, n), n * this.group.order);
    const average = (v: Float64Array): Float64Array => this.group.averageOrbits(v, n);
    return uncertainPrediction({ mean: average(p.mean), variance: average(p.variance), members: p.members.map(average) }, inner.sigmaScale, withMembers);
  }

  private requireUncertain(): UncertainRegressor {
    const u = this.uncertain;
    if (u === null) throw new AmpfitError(`this symmetric ${this.inner.type} model learned no uncertainties`);
    return u;
  }

  private checkUnit(x: Float64Array, n: number): void {
    const outside = this.group.firstOutsideUnit(x, n);
    if (outside !== null) {
      const [row, j] = outside;
      throw new RowError(row, null, `input ${j + 1} is ${x[row * this.d + j]}, outside [0, 1], where this model's symmetry reflects it (x → 1 − x)`, j);
    }
  }

  serialize(): SerializedRegressor {
    const inner = this.inner.serialize();
    const names = Array.from({ length: this.d }, (_, j) => `x${j + 1}`);
    const symmetry: SymmetrySpecJSON = {
      mode: this.mode,
      maps: this.maps.map((m) => ({ name: m.name, image: formatMap(m.map, names), src: Array.from(m.map.src), reflect: Array.from(m.map.reflect) })),
      group_order: this.group.order,
    };
    return { spec: { type: this.type, d: this.d, symmetry, inner: inner.spec }, arrays: inner.arrays };
  }
}

/** A model type trained with a symmetry: folds the training data, or leaves it and averages at prediction. */
export function withSymmetry(inner: RegressorType, mode: 'fold' | 'average', maps: readonly NamedMap[], d: number): Pick<RegressorType, 'fit'> {
  const group = new SymmetryGroup(d, maps.map((m) => m.map));
  return {
    async fit(data: TrainData, ctx: FitContext): Promise<FitResult> {
      const nTrain = data.yTrain.length;
      const nVal = data.yVal.length;
      const folded: TrainData =
        mode === 'fold'
          ? { ...data, xTrain: group.fold(data.xTrain, nTrain), xVal: group.fold(data.xVal, nVal) }
          : data;
      ctx.log.info(
        `symmetry: ${maps.map((m) => m.name).join(', ')} generate ${group.order} maps; ` +
          (mode === 'fold' ? `training on points folded into 1/${group.order} of the domain` : `predictions average over ${group.order} images`),
      );
      const fit = await inner.fit(folded, ctx);
      return { ...fit, model: new SymmetricRegressor(fit.model, mode, maps, d) };
    },
  };
}

/** Loads a 'symmetric' model; `loadInner` loads the wrapped one (passed in to keep the registry out of this module's imports). */
export function loadSymmetric(s: SerializedRegressor, loadInner: (inner: SerializedRegressor) => Regressor): Regressor {
  const { d, symmetry, inner } = s.spec as { d?: unknown; symmetry?: Partial<SymmetrySpecJSON>; inner?: Record<string, unknown> };
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || symmetry === undefined || inner === undefined) {
    throw new ModelFileError('symmetric model: spec lacks d, symmetry or inner');
  }
  if (symmetry.mode !== 'fold' && symmetry.mode !== 'average') throw new ModelFileError(`symmetric model: unknown mode '${String(symmetry.mode)}'`);
  const maps: NamedMap[] = (symmetry.maps ?? []).map((m, i) => {
    if (!Array.isArray(m.src) || !Array.isArray(m.reflect) || m.src.length !== d || m.reflect.length !== d) {
      throw new ModelFileError(`symmetric model: map ${i + 1} does not act on ${d} coordinates`);
    }
    const src = Int32Array.from(m.src);
    if ([...src].sort((a, b) => a - b).some((v, j) => v !== j)) throw new ModelFileError(`symmetric model: map ${i + 1} is not a permutation`);
    return { name: String(m.name), map: { src, reflect: Uint8Array.from(m.reflect, (r) => (r === 1 ? 1 : 0)) } };
  });
  const model = loadInner({ spec: inner, arrays: s.arrays });
  const result = new SymmetricRegressor(model, symmetry.mode, maps, d);
  if (symmetry.group_order !== undefined && symmetry.group_order !== result.group.order) {
    throw new ModelFileError(`symmetric model: the maps generate ${result.group.order} elements, the file says ${symmetry.group_order}`);
  }
  return result;
}
