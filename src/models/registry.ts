import type { ModelTypeName } from '../config/modelTypes.js';
import { AmpfitError } from '../util/errors.js';
import type { Regressor, RegressorType, SerializedRegressor } from './regressor.js';
import { AVERAGED_TYPE, loadAveraged } from './averaged.js';
import { loadSymmetric } from './symmetric.js';
import { polynomialType } from './polynomial.js';
import { dnnType, skdnnType } from './neural.js';
import { bdtType } from './gbdt/index.js';
import { MOMENTUM_TYPE, momentumType } from './momentumRegressor.js';
import { dsType, kanType, mlpType } from './layered.js';
import { lgatrType } from './lgatr.js';

// The factory of every model type, by config name: the compiler checks that
// each name of src/config/modelTypes.ts (where its capabilities are recorded)
// has one here. A new type is its module, its record there and its line here.
const TYPES: { readonly [K in ModelTypeName]: RegressorType } = {
  poly: polynomialType, dnn: dnnType, skdnn: skdnnType, bdt: bdtType, mlp: mlpType, kan: kanType, ds: dsType, lgatr: lgatrType,
};

/** Stored-only wrappers that are not config model types. */
const WRAPPERS: ReadonlyMap<string, RegressorType> = new Map([[MOMENTUM_TYPE, momentumType(regressorType)]]);

export function regressorType(name: string): RegressorType {
  const t = (TYPES as Readonly<Record<string, RegressorType | undefined>>)[name] ?? WRAPPERS.get(name);
  if (t === undefined) throw new AmpfitError(`unknown model type '${name}' (known: ${Object.keys(TYPES).join(', ')})`);
  return t;
}

/** Rebuilds a stored regressor of any type, including one wrapped in a symmetry and the mean of several (ampfit combine). */
export function loadRegressor(s: SerializedRegressor): Regressor {
  const type = String(s.spec.type);
  if (type === 'symmetric') return loadSymmetric(s, loadRegressor);
  if (type === AVERAGED_TYPE) return loadAveraged(s, loadRegressor);
  return regressorType(type).load(s);
}
