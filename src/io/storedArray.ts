import { AmpfitError } from '../util/errors.js';
import type { StoredArray } from './modelFile.js';

/** A float64 array of a serialized regressor, or an error naming it. */
export function float64Array(s: { readonly arrays: Record<string, StoredArray> }, name: string, type: string): Float64Array {
  const a = s.arrays[name];
  if (!(a instanceof Float64Array)) throw new AmpfitError(`${type}: model lacks the float64 array '${name}'`);
  return a;
}
