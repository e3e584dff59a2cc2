import type { ColumnRange } from '../data/readers/index.js';

// The input domain a model was trained on, stored in its header, so
// predict and eval refuse points it knows nothing about instead of returning
// a number (a network evaluated at x = 100 or 1e300 answers something).
//
//   unit-cube        hypercube coordinates (every config without data.momenta):
//                    the phase-space parametrisation is [0, 1]^D by construction,
//                    and training itself refuses rows outside it; the cube, not
//                    the training rows' min/max, so a point at 0.99999 is fine
//                    although no training row was that close to the edge.
//   training-range   momentum inputs (GeV, no natural box): per input, the
//                    smallest and largest value of the rows read for training.
//
// Models written before the domain was stored: unit-cube for hypercube
// models, none (no check) for momentum models.

export type InputDomainJSON =
  | { readonly kind: 'unit-cube' }
  | { readonly kind: 'training-range'; readonly lo: readonly number[]; readonly hi: readonly number[] };

export const UNIT_CUBE: InputDomainJSON = { kind: 'unit-cube' };
const UNIT_RANGE: ColumnRange = { lo: 0, hi: 1, what: 'the unit cube [0, 1] of hypercube coordinates' };

/** Per input: its smallest and largest value over the n rows of x (n × d). */
export function trainingRange(x: Float64Array, n: number, d: number): InputDomainJSON {
  const lo = new Array<number>(d).fill(Infinity);
  const hi = new Array<number>(d).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = x[r * d + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  return { kind: 'training-range', lo, hi };
}

/** The range of the columns named `inputs` (in the model's order), or null for no check. */
export function inputRanges(domain: InputDomainJSON | null, inputs: readonly string[]): (ColumnRange | null)[] {
  if (domain === null) return inputs.map(() => null);
  if (domain.kind === 'unit-cube') return inputs.map(() => UNIT_RANGE);
  return inputs.map((_, j) => ({ lo: domain.lo[j], hi: domain.hi[j], what: `the model's input domain [${domain.lo[j]}, ${domain.hi[j]}] (the training data's range)` }));
}

/** The domain a header states, or what an older model implies. */
export function storedDomain(header: { readonly input_domain?: InputDomainJSON; readonly config?: { readonly data?: { readonly momenta?: unknown } } }): InputDomainJSON | null {
  if (header.input_domain !== undefined) return header.input_domain;
  // A header built by hand in code may carry no config; only a declared momentum layout means "not hypercube coordinates".
  const momenta = header.config?.data?.momenta;
  return momenta === null || momenta === undefined ? UNIT_CUBE : null;
}

/** The unit-cube range for training on hypercube coordinates. */
export function unitCubeRange(): ColumnRange {
  return UNIT_RANGE;
}
