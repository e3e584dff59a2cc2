import type { RunConfig } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import { rowOrigin } from '../data/dataset.js';
import type { NamedMap } from '../models/symmetric.js';
import { AmpfitError } from '../util/errors.js';
import { parseMap } from './coordinateMap.js';
import { SymmetryGroup } from './group.js';

/** The config's declared symmetries resolved over the dataset's input names. */
export function resolveSymmetries(declared: RunConfig['symmetries'], inputNames: readonly string[]): NamedMap[] {
  return declared.map((s) => ({ name: s.name, map: parseMap(s.map, inputNames, `symmetry '${s.name}'`) }));
}

/**
 * Reflections assume coordinates in the unit hypercube: a reflected input
 * outside [0, 1] means the declared map does not fit the data (or the data are
 * not hypercube coordinates), which must not pass silently.
 */
export function checkSymmetryDomain(maps: readonly NamedMap[], data: Pick<Dataset, 'x' | 'n' | 'd' | 'inputNames' | 'report'>): void {
  if (maps.length === 0) return;
  const group = new SymmetryGroup(data.d, maps.map((m) => m.map));
  const bad = group.firstOutsideUnit(data.x, data.n);
  if (bad === null) return;
  const [row, j] = bad;
  throw new AmpfitError(
    `${rowOrigin(data.report, row)}, column '${data.inputNames[j]}': value ${data.x[row * data.d + j]} lies outside [0, 1], ` +
      `but the declared symmetries (${maps.map((m) => m.name).join(', ')}) reflect it as x → 1 − x`,
  );
}
