// `ampfit split`: the rows of a model's own test (or validation, or training)
// split, read again from its config's data files and split with its seed and
// fractions, as a CSV that `ampfit eval` can take — so that an evaluation is
// a test. The data files must be the ones the model was trained on (their
// SHA-256 is in the model's provenance).

import { resolveDataFiles } from '../data/files.js';
import { splitRows } from '../data/split.js';
import { loadModel } from '../models/surrogate.js';
import { AmpfitError } from '../util/errors.js';
import { trainingDataset } from './run.js';

export type SplitPart = 'test' | 'validation' | 'train';

export interface SplitRows {
  readonly columns: readonly string[];
  /** Row-major, columns.length values a row. */
  readonly values: Float64Array;
  readonly rows: number;
}

export async function modelSplitRows(modelPath: string, part: SplitPart): Promise<SplitRows> {
  const model = loadModel(modelPath);
  const config = model.header.config;
  if (config === undefined) throw new AmpfitError(`${modelPath}: the model records no config to split its data by`);
  const files = resolveDataFiles(config.data.files);
  const data = await trainingDataset(config, files, true);
  const recorded = model.header.provenance?.data_files ?? [];
  for (const f of data.report.files) {
    const then = recorded.find((r) => r.path === f.path);
    if (then !== undefined && then.sha256 !== null && f.sha256 !== null && then.sha256 !== f.sha256) {
      throw new AmpfitError(`${f.path} has changed since the model was trained (SHA-256 ${f.sha256.slice(0, 12)}…, was ${then.sha256.slice(0, 12)}…): its split would not be the model's`);
    }
  }
  const split = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction });
  const idx = split[part];
  const weight = config.data.weight ?? null;
  const columns = [...data.inputNames, config.data.target, ...(config.data.born === null ? [] : [config.data.born]), ...(weight === null ? [] : [weight])];
  const w = columns.length;
  const values = new Float64Array(idx.length * w);
  idx.forEach((r, k) => {
    values.set(data.x.subarray(r * data.d, (r + 1) * data.d), k * w);
    // The target column as read (y is target/born for a Born-normalised model).
    values[k * w + data.d] = (data.target ?? data.y)[r];
    if (data.born !== null) values[k * w + data.d + 1] = data.born[r];
    // The weights as read, so `eval --weight` on the split weighs as training did.
    if (data.weight !== null && data.weight !== undefined) values[k * w + w - 1] = data.weight[r];
  });
  return { columns, values, rows: idx.length };
}
