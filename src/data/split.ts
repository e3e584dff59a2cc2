import { Rng } from '../util/rng.js';
import { AmpfitError } from '../util/errors.js';

export interface SplitFractions {
  /** Fraction of all rows held out for testing (paper 1: 0.2). */
  readonly test: number;
  /** Fraction of the remaining rows used for validation (paper 1: 0.4, giving 20/48/32). */
  readonly validation: number;
}

export interface SplitIndices {
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
  readonly test: Uint32Array;
}

export const PAPER_SPLIT: SplitFractions = { test: 0.2, validation: 0.4 };

/**
 * Seeded random split into test, then train/validation of the rest. The
 * indices of each part are sorted, so each part keeps the file order (which
 * makes the test rows easy to find again) — the training loop shuffles anyway.
 */
export function splitRows(n: number, seed: number, f: SplitFractions = PAPER_SPLIT): SplitIndices {
  if (!(f.test >= 0 && f.test < 1)) throw new AmpfitError(`test fraction must be in [0, 1), got ${f.test}`);
  if (!(f.validation > 0 && f.validation < 1)) throw new AmpfitError(`validation fraction must be in (0, 1), got ${f.validation}`);
  const perm = new Rng(seed).fork('split').permutation(n);
  const nTest = Math.round(n * f.test);
  const nVal = Math.round((n - nTest) * f.validation);
  const nTrain = n - nTest - nVal;
  if (nTrain < 1 || nVal < 1) throw new AmpfitError(`${n} rows are too few to split into train/validation/test`);
  const sorted = (a: Uint32Array): Uint32Array => a.sort();
  return {
    test: sorted(perm.slice(0, nTest)),
    train: sorted(perm.slice(nTest, nTest + nTrain)),
    validation: sorted(perm.slice(nTest + nTrain)),
  };
}
