// What the model reads, from the columns the dataset holds: the columns
// themselves, or — with data.momenta — features built from four-momenta
// (src/features/momentumFeatures.ts). Momentum rows are checked here, and a
// bad one is reported with its file and line.

import type { RunConfig } from '../config/schema.js';
import type { FormatOptions, ReadReport } from '../data/readers/index.js';
import type { Dataset } from '../data/dataset.js';
import { MomentumRowError, momentumColumns, type MomentumLayout } from '../data/momenta.js';
import {
  applyMomentumFeatures, checkMomenta, featureDim, fitMomentumFeatures, type MomentumFeatureSpec,
} from '../features/momentumFeatures.js';
import { MomentumRegressor } from '../models/momentumRegressor.js';
import type { Regressor } from '../models/regressor.js';
import { AmpfitError, DataError, RowError } from '../util/errors.js';

export interface ModelInputs {
  /** n × d features, row-major, for all rows of the dataset. */
  readonly x: Float64Array;
  readonly d: number;
  /** Names of the d columns of x. */
  readonly names: readonly string[];
  /** The fitted feature spec on momentum data, else null. */
  readonly features: MomentumFeatureSpec | null;
  /** The model as the pipeline stores it: on momentum data, a regressor of the raw columns. */
  wrap(model: Regressor): Regressor;
}

/** The columns to read: the momenta's, or data.inputs (null: the x<number> default). */
export function inputColumns(config: RunConfig): readonly string[] | null {
  return config.data.momenta === null ? config.data.inputs : momentumColumns(config.data.momenta);
}

/** Where the data files' columns are, for the formats that do not name them (see DataConfigSchema). */
export function formatOptions(data: Pick<RunConfig['data'], 'dataset' | 'columns' | 'momenta'>): FormatOptions {
  return { dataset: data.dataset, columns: data.columns, particles: data.momenta?.particles ?? null };
}

export function momentumLayout(config: RunConfig): MomentumLayout | null {
  const m = config.data.momenta;
  return m === null ? null : { particles: m.particles, incoming: m.incoming, tolerance: m.tolerance };
}

/** Checks the rows and builds the features, fitting their scales on the `train` rows. */
export function modelInputs(config: RunConfig, data: Dataset, train: Uint32Array): ModelInputs {
  const layout = momentumLayout(config);
  if (layout === null) return { x: data.x, d: data.d, names: data.inputNames, features: null, wrap: (r) => r };
  const kind = config.features ?? 'momenta';
  let rootS: Float64Array;
  try {
    rootS = checkMomenta(data.x, data.n, layout, kind);
  } catch (e) {
    throw e instanceof MomentumRowError ? locateRow(e, data.report) : e;
  }
  const spec = fitMomentumFeatures(layout, kind, data.x, rootS, train);
  return {
    x: applyMomentumFeatures(spec, data.x, data.n), d: featureDim(spec), names: Array.from({ length: featureDim(spec) }, (_, j) => `feature${j + 1}`),
    features: spec, wrap: (r) => new MomentumRegressor(spec, r),
  };
}

/**
 * The file and line of dataset row e.row. Rows follow the files in order and
 * each file's header is line 1, so the line is exact unless rows of that file
 * were skipped (skip_bad_rows), which shifts it by an unknown amount.
 */
export function locateRow(e: RowError, report: ReadReport): AmpfitError {
  let first = 0;
  for (const f of report.files) {
    if (e.row < first + f.rows) {
      const k = e.row - first;
      if (f.skipped === 0) return new DataError(f.path, k + 2, e.column, e.problem);
      return new AmpfitError(`${f.path}: data row ${k + 1} of the rows kept (${f.skipped} bad rows skipped, so the line is not known)${e.column === null ? '' : `, column '${e.column}'`}: ${e.problem}`);
    }
    first += f.rows;
  }
  return e;
}
