import {
  applyMomentumFeatures, parseMomentumFeatureSpec, type MomentumFeatureSpec,
} from '../features/momentumFeatures.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import { AmpfitError } from '../util/errors.js';
import type { EmittedOutput, Regressor, RegressorType, SerializedRegressor } from './regressor.js';

// A regressor on momentum features, seen from outside as a regressor on the raw
// four-momentum columns: predict() checks the rows and builds the features with
// the spec fitted at training time, then calls the inner model. The model file
// stores {type: 'momentum-features', features: spec, inner: inner spec} and the
// inner model's arrays, so every consumer of a Surrogate (predict, eval,
// report) works unchanged; in the model graph the features are one op, so
// exports take the raw momenta too.

export const MOMENTUM_TYPE = 'momentum-features';

export class MomentumRegressor implements Regressor {
  readonly type = MOMENTUM_TYPE;

  constructor(readonly spec: MomentumFeatureSpec, readonly inner: Regressor) {}

  parameterCount(): number {
    return this.inner.parameterCount();
  }

  predict(x: Float64Array, n: number): Float64Array {
    return this.inner.predict(applyMomentumFeatures(this.spec, x, n), n);
  }

  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    return this.inner.emit(g, g.momentumFeatures(x, this.spec));
  }

  serialize(): SerializedRegressor {
    const inner = this.inner.serialize();
    return { spec: { type: MOMENTUM_TYPE, features: this.spec, inner: inner.spec }, arrays: inner.arrays };
  }
}

/** The registry entry; `lookup` finds the inner model's type (passed in to keep the registry the only map of types). */
export function momentumType(lookup: (name: string) => RegressorType): RegressorType {
  return {
    type: MOMENTUM_TYPE,
    fit: () => {
      throw new AmpfitError(`'${MOMENTUM_TYPE}' is not a model_type: set data.momenta and a model_type, and the features are built for it`);
    },
    load: (s: SerializedRegressor): Regressor => {
      const spec = parseMomentumFeatureSpec(s.spec.features, 'model.regressor.features');
      const innerSpec = s.spec.inner as Record<string, unknown> | undefined;
      if (typeof innerSpec !== 'object' || innerSpec === null) throw new AmpfitError('model.regressor.inner: missing');
      const inner = lookup(String(innerSpec.type)).load({ spec: innerSpec, arrays: s.arrays });
      return new MomentumRegressor(spec, inner);
    },
  };
}
