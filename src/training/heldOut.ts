// The rows a trained model is judged on, for every command that judges one
// again after training (report, symmetry check): its test split exactly as
// runTraining made it (the config's data files, seed and split fractions), or
// rows the user names.

import { loadDataset, take, takeRows, type Dataset } from '../data/dataset.js';
import { resolveDataFiles } from '../data/files.js';
import { splitRows } from '../data/split.js';
import type { ModelHeader } from '../io/modelStore.js';
import { AmpfitError } from '../util/errors.js';
import { formatOptions } from './modelInputs.js';

/** Which rows: the model's test split, its validation split (models trained without a test split), or the user's files. */
export type HeldOutSplit = 'test' | 'validation' | 'data';

export interface HeldOutRows {
  readonly x: Float64Array;
  readonly truth: Float64Array;
  readonly split: HeldOutSplit;
  /** Set when the data files no longer give the rows training read. */
  readonly warning: string | null;
}

/** Datasets already read, by their spec: several models usually share one. */
export type DatasetCache = Map<string, Promise<Dataset>>;

/** The rows a model is judged on: its test split (as runTraining made it), or the --data files. */
export async function heldOutRows(h: Pick<ModelHeader, 'inputs' | 'target' | 'config' | 'provenance'>, dataFiles: string[] | null, cache: DatasetCache, label: string): Promise<HeldOutRows> {
  const t = h.target;
  if (dataFiles !== null) {
    const data = await cached(cache, { files: dataFiles, inputs: h.inputs, target: t.column, born: t.born, requirePositiveTarget: t.require_positive, skipBadRows: false });
    return { x: data.x, truth: data.y, split: 'data', warning: null };
  }
  const c = h.config;
  let data: Dataset;
  try {
    data = await cached(cache, {
      files: resolveDataFiles(c.data.files),
      inputs: h.inputs,
      target: t.column,
      born: t.born,
      requirePositiveTarget: c.data.require_positive_target,
      skipBadRows: c.data.skip_bad_rows,
      maxRows: c.data.max_rows ?? undefined,
      format: formatOptions(c.data),
    });
  } catch (e) {
    if (!(e instanceof AmpfitError)) throw e;
    throw new AmpfitError(`${label}: cannot reload the data it was trained on (${e.message}); give the rows to evaluate on with --data`);
  }
  const rowsRead = h.provenance?.rows_read;
  const warning =
    rowsRead !== undefined && rowsRead !== data.n
      ? `${label}: its data files now give ${data.n} rows, training read ${rowsRead}: the test split is not the one it was tested on`
      : null;
  const split = splitRows(data.n, c.seed, { test: c.test_fraction, validation: c.validation_fraction });
  // Models trained without a test split are shown on their validation split, and the table says so.
  const idx = split.test.length > 0 ? split.test : split.validation;
  return { x: takeRows(data.x, data.d, idx), truth: take(data.y, idx), split: split.test.length > 0 ? 'test' : 'validation', warning };
}

/** Several models usually share one dataset: read it once. */
function cached(cache: DatasetCache, spec: Parameters<typeof loadDataset>[0]): Promise<Dataset> {
  const key = JSON.stringify(spec);
  let p = cache.get(key);
  if (p === undefined) {
    p = loadDataset(spec);
    cache.set(key, p);
  }
  return p;
}

