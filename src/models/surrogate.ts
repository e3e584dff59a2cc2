import { storedDomain, type InputDomainJSON } from './domain.js';
import { TargetTransform } from '../transforms/target.js';
import { readModel, type ModelHeader } from '../io/modelStore.js';
import { AmpfitError, ModelFileError } from '../util/errors.js';
import { loadRegressor } from './registry.js';
import type { Regressor } from './regressor.js';
import { toPhysical, uncertaintyMetrics, type PhysicalPrediction, type UncertaintyMetrics } from '../uncertainty/calibration.js';
import { UncertainRegressor, type UncertainPredictor } from '../uncertainty/regressor.js';
import { SymmetricRegressor } from './symmetric.js';
import { applyMomentumFeatures, featureDim } from '../features/momentumFeatures.js';
import { MomentumRegressor } from './momentumRegressor.js';

/**
 * A trained model ready to evaluate: regressor + target transform. `predict`
 * returns the regressed quantity in physical units — the target column, or for
 * a Born-normalised model the ratio target/born (what an event generator
 * multiplies by its own exact Born term); `predictTarget` does that product.
 */
export class Surrogate {
  readonly d: number;
  readonly inputs: readonly string[];
  readonly born: string | null;
  /** Where predict and eval accept inputs; null: anywhere finite (src/models/domain.ts). */
  readonly domain: InputDomainJSON | null;

  constructor(readonly header: ModelHeader, readonly regressor: Regressor, private readonly transform: TargetTransform) {
    this.domain = storedDomain(header);
    this.inputs = header.inputs;
    this.d = header.inputs.length;
    this.born = header.target.born;
  }

  predict(x: Float64Array, n: number): Float64Array {
    if (x.length !== n * this.d) throw new AmpfitError(`predict: x has ${x.length} values, expected ${n} rows × ${this.d} inputs`);
    return this.transform.inverseInPlace(this.regressor.predict(x, n));
  }

  /** Whether the model learned uncertainties (predictUncertain works). */
  get hasUncertainty(): boolean {
    return this.uncertain() !== null;
  }

  /** The uncertainty model and what it reads of an input row: the row itself, or a momentum model's features. */
  private uncertain(): { model: UncertainPredictor; inputs: (x: Float64Array, n: number) => { x: Float64Array; d: number } } | null {
    const r = this.regressor;
    const plain = uncertainPredictorOf(r);
    if (plain !== null) return { model: plain, inputs: (x) => ({ x, d: this.d }) };
    const inner = r instanceof MomentumRegressor ? uncertainPredictorOf(r.inner) : null;
    if (r instanceof MomentumRegressor && inner !== null) {
      return { model: inner, inputs: (x, n) => ({ x: applyMomentumFeatures(r.spec, x, n), d: featureDim(r.spec) }) };
    }
    return null;
  }

  /**
   * Value (as predict) with the learned σ_syst — and for BNNs and ensembles
   * σ_stat — in the same physical units: the network's σ in the training
   * space times |dy/dt| of the inverse target transform at the predicted
   * value (first-order propagation; TargetTransform.inverseSlope), σ_syst
   * including the calibration scale stored in the model.
   */
  predictUncertain(x: Float64Array, n: number): PhysicalPrediction {
    const u = this.uncertain();
    if (u === null) {
      throw new AmpfitError(`this ${this.regressor.type} model learned no uncertainties (train it with config uncertainty: heteroscedastic, bnn or ensemble)`);
    }
    if (x.length !== n * this.d) throw new AmpfitError(`predict: x has ${x.length} values, expected ${n} rows × ${this.d} inputs`);
    return toPhysical(u.model.predictUncertain(u.inputs(x, n).x, n), this.transform);
  }

  /** Pulls and median σ on n rows against the truth (physical units), or null for a model without uncertainties. */
  uncertaintyMetrics(x: Float64Array, n: number, truth: Float64Array): UncertaintyMetrics | null {
    const u = this.uncertain();
    if (u === null) return null;
    if (x.length !== n * this.d || truth.length !== n) throw new AmpfitError(`uncertaintyMetrics: ${x.length} inputs and ${truth.length} truths for ${n} rows × ${this.d}`);
    const inputs = u.inputs(x, n);
    return uncertaintyMetrics(u.model, this.transform, inputs.x, truth, inputs.d);
  }

  /** Predictions of the target column itself: the ratio times the Born term for Born-normalised models. */
  predictTarget(x: Float64Array, n: number, born: Float64Array | null): Float64Array {
    const out = this.predict(x, n);
    if (this.born === null) return out;
    if (born === null || born.length !== n) throw new AmpfitError(`this model regresses ${this.header.target.column}/${this.born}: the Born column '${this.born}' is needed`);
    for (let i = 0; i < n; i++) out[i] *= born[i];
    return out;
  }
}

export function loadModel(path: string): Surrogate {
  const { header, regressor } = readModel(path);
  try {
    const loaded = loadRegressor(regressor);
    // A key the loaded regressor has but the file lacks was filled in with a default: the file is not the model that was saved.
    const missing = missingKeys(regressor.spec, loaded.serialize().spec, 'regressor');
    if (missing.length > 0) throw new AmpfitError(`the regressor description lacks ${missing.slice(0, 5).join(', ')}`);
    const model = new Surrogate(header, loaded, TargetTransform.fromJSON(header.target.transform));
    probe(model);
    return model;
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    // The header passed its schema, but the regressor's own parts contradict
    // each other or the arrays (a hand-edited file): a model-file error,
    // whichever check caught it, never a TypeError from deep inside.
    throw new ModelFileError(`model ${path}: the stored regressor cannot be used: ${(e as Error).message}`);
  }
}

/** Key paths of `rebuilt` that `stored` does not have. */
function missingKeys(stored: unknown, rebuilt: unknown, where: string): string[] {
  if (typeof rebuilt !== 'object' || rebuilt === null) return [];
  if (typeof stored !== 'object' || stored === null) return [where];
  const out: string[] = [];
  for (const [k, v] of Object.entries(rebuilt)) {
    if (!(k in stored)) out.push(`${where}.${k}`);
    else out.push(...missingKeys((stored as Record<string, unknown>)[k], v, `${where}.${k}`));
  }
  return out;
}

/** The regressor as a model with learned σ: itself, or a symmetric wrapper around one; null otherwise. */
export function uncertainPredictorOf(r: Regressor): UncertainPredictor | null {
  if (r instanceof UncertainRegressor) return r;
  if (r instanceof SymmetricRegressor && r.uncertain !== null) return r;
  return null;
}

/**
 * Two identical rows with distinct coordinates, predicted at load: arrays
 * that do not fit the description fail here rather than in the user's loop,
 * and a regressor built for another number of inputs than the header lists
 * reads the second row shifted (or past the end, giving NaN), so the two
 * answers differ. Momentum models are skipped: an arbitrary point is not
 * physical and their checks would refuse it.
 */
function probe(model: Surrogate): void {
  if (model.domain === null || model.domain.kind !== 'unit-cube') return;
  const d = model.d;
  const x = new Float64Array(2 * d);
  for (let j = 0; j < d; j++) x[j] = x[d + j] = (j + 1) / (d + 2);
  const y = model.predict(x, 2);
  if (!Number.isFinite(y[0]) || !Object.is(y[0], y[1])) {
    throw new AmpfitError(`the regressor does not fit the header's ${d} input${d === 1 ? '' : 's'} (${model.inputs.join(', ')}): a test prediction gave ${y[0]} and ${y[1]} for one point`);
  }
}
