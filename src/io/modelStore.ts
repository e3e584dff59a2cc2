import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import type { TargetTransformJSON } from '../transforms/target.js';
import type { PrecisionMetrics } from '../metrics/precision.js';
import type { EpochRecord, SerializedRegressor } from '../models/regressor.js';
import type { UncertaintyMetrics } from '../uncertainty/calibration.js';
import type { InputDomainJSON } from '../models/domain.js';
import { writeJsonAtomic } from './atomic.js';
import { readModelFile, writeModelFile } from './modelFile.js';
import { ModelFileError } from '../util/errors.js';
import { checkModelHeader } from './headerSchema.js';
import { GRAPH_ARRAY_PREFIX, type SerializedGraph } from '../graph/serialize.js';

// The layout every model type uses. A model directory holds
//   model.ampfit     the model itself, self-contained (see modelFile.ts)
//   config.json      the resolved run configuration
//   metrics.json     test and validation metrics
//   provenance.json  data files with hashes, seed, versions, time
//   history.json     per-epoch training history
//   checkpoint/      training state for --resume (model types that have one)
// The JSON files repeat what model.ampfit holds, for people and scripts.

export const MODEL_FILE = 'model.ampfit';

export interface DataFileRecord {
  readonly path: string;
  readonly bytes: number | null;
  readonly sha256: string | null;
  readonly rows: number;
  readonly skipped: number;
}

export interface Provenance {
  readonly ampfit_version: string;
  readonly created: string;
  readonly seed: number;
  readonly node: string;
  readonly host: string;
  readonly backend: string;
  readonly command: string;
  readonly data_files: DataFileRecord[];
  readonly rows_read: number;
  readonly rows_skipped: number;
  readonly skipped_by_problem: Record<string, number>;
  readonly split: { readonly train: number; readonly validation: number; readonly test: number };
  /** A model that is the mean of others (ampfit combine): each member's path, init_seed and metrics. */
  readonly combined_from?: readonly { readonly model: string; readonly init_seed: number; readonly metrics: ModelMetrics }[];
}

export interface ModelMetrics {
  readonly test: PrecisionMetrics | null;
  readonly validation: PrecisionMetrics;
  /** Models with learned uncertainties only: pulls and median σ per split. */
  readonly uncertainty?: { readonly test: UncertaintyMetrics | null; readonly validation: UncertaintyMetrics };
}

/** The JSON header of model.ampfit. */
export interface ModelHeader {
  readonly format: 'ampfit-model';
  readonly regressor: Record<string, unknown>;
  readonly inputs: string[];
  readonly target: {
    readonly column: string;
    readonly born: string | null;
    readonly transform: TargetTransformJSON;
    readonly require_positive: boolean;
  };
  /** Where predict and eval accept inputs (src/models/domain.ts); absent in models written before it was stored. */
  readonly input_domain?: InputDomainJSON;
  readonly parameter_count: number;
  readonly training: { readonly best_epoch: number; readonly epochs_run: number; readonly stopped_because: string; readonly seconds: number };
  readonly metrics: ModelMetrics;
  readonly provenance: Provenance;
  readonly config: RunConfig;
}

/**
 * Writes a model directory. `graph` (src/graph/serialize.ts), when given, goes
 * into model.ampfit under header key `graph` with its arrays (named graph/…)
 * beside the regressor's: what libampfit evaluates. The training layer builds
 * it from the live model, which io cannot see.
 */
export function saveModelDir(dir: string, header: ModelHeader, regressor: SerializedRegressor, history: EpochRecord[], graph: SerializedGraph | null = null): void {
  writeModelFileWithGraph(join(dir, MODEL_FILE), header, regressor, graph);
  writeJsonAtomic(join(dir, 'config.json'), header.config);
  writeJsonAtomic(join(dir, 'metrics.json'), header.metrics);
  writeJsonAtomic(join(dir, 'provenance.json'), header.provenance);
  writeJsonAtomic(join(dir, 'history.json'), history);
}

/** model.ampfit with the graph (if any) under header key `graph`, its arrays beside the regressor's. */
export function writeModelFileWithGraph(path: string, header: ModelHeader, regressor: SerializedRegressor, graph: SerializedGraph | null): void {
  for (const k of Object.keys(regressor.arrays)) if (k.startsWith(GRAPH_ARRAY_PREFIX)) throw new ModelFileError(`regressor array '${k}' uses the graph's prefix ${GRAPH_ARRAY_PREFIX}`);
  if (graph === null) {
    // A header read back from a file may hold an old graph whose arrays are not being written.
    const rest: Record<string, unknown> = { ...header };
    delete rest.graph;
    writeModelFile(path, rest, regressor.arrays);
    return;
  }
  writeModelFile(path, { ...header, graph: graph.json }, { ...regressor.arrays, ...graph.arrays });
}

/** Accepts a model directory or the model file itself. */
export function modelFilePath(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const f = join(path, MODEL_FILE);
    if (!existsSync(f)) throw new ModelFileError(`${path} holds no ${MODEL_FILE}: not a trained model directory (or training has not finished)`);
    return f;
  }
  return path;
}

export function readModel(path: string): { header: ModelHeader; regressor: SerializedRegressor } {
  const { header, arrays } = readModelFile<ModelHeader>(modelFilePath(path));
  if (header.format !== 'ampfit-model') throw new ModelFileError(`${path}: header format is '${String(header.format)}', not 'ampfit-model'`);
  checkModelHeader(header, path);
  // The graph's arrays are a second description of the model for other readers; the regressor has its own.
  const own = Object.fromEntries(Object.entries(arrays).filter(([k]) => !k.startsWith(GRAPH_ARRAY_PREFIX)));
  return { header, regressor: { spec: header.regressor, arrays: own } };
}
