import { AmpfitError } from '../util/errors.js';
import type { Regressor, RegressorType, SerializedRegressor } from './regressor.js';
import { loadSymmetric } from './symmetric.js';
import { polynomialType } from './polynomial.js';
import { dnnType, skdnnType } from './neural.js';
import { bdtType } from './gbdt/index.js';
import { momentumType } from './momentumRegressor.js';
import { dsType, kanType, mlpType } from './layered.js';

// Model types by config name. New types register here and nowhere else.
const TYPES: ReadonlyMap<string, RegressorType> = new Map<string, RegressorType>(
  [polynomialType, dnnType, skdnnType, bdtType, mlpType, kanType, dsType, momentumType(regressorType)].map((t) => [t.type, t]),
);

export function regressorType(name: string): RegressorType {
  const t = TYPES.get(name);
  if (t === undefined) throw new AmpfitError(`unknown model type '${name}' (known: ${[...TYPES.keys()].join(', ')})`);
  return t;
}

/** Rebuilds a stored regressor of any type, including one wrapped in a symmetry. */
export function loadRegressor(s: SerializedRegressor): Regressor {
  const type = String(s.spec.type);
  return type === 'symmetric' ? loadSymmetric(s, loadRegressor) : regressorType(type).load(s);
}
