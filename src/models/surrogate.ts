import { TargetTransform } from '../transforms/target.js';
import { readModel, type ModelHeader } from '../io/modelStore.js';
import { AmpfitError } from '../util/errors.js';
import { loadRegressor } from './registry.js';
import type { Regressor } from './regressor.js';

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

  constructor(readonly header: ModelHeader, readonly regressor: Regressor, private readonly transform: TargetTransform) {
    this.inputs = header.inputs;
    this.d = header.inputs.length;
    this.born = header.target.born;
  }

  predict(x: Float64Array, n: number): Float64Array {
    if (x.length !== n * this.d) throw new AmpfitError(`predict: x has ${x.length} values, expected ${n} rows × ${this.d} inputs`);
    return this.transform.inverseInPlace(this.regressor.predict(x, n));
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
  return new Surrogate(header, loadRegressor(regressor), TargetTransform.fromJSON(header.target.transform));
}
