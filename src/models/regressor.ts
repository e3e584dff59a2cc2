import type { RunConfig } from '../config/schema.js';
import type { Rng } from '../util/rng.js';
import type { Logger } from '../util/log.js';
import type { StoredArray } from '../io/modelFile.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import type { TargetTransform } from '../transforms/target.js';
import type { TrainingData } from '../nn/trainer.js';

// Every model type plugs into the pipeline through these two interfaces: the
// pipeline owns data, transforms, metrics and files; a model type owns only
// how to fit and how to predict in the (transformed) training space.

/** A trained regressor, working in the transformed target space. */
export interface Regressor {
  readonly type: string;
  /** Trainable numbers (weights and biases, coefficients, tree nodes). */
  parameterCount(): number;
  /** Predictions for n rows of x (n × d, row-major). */
  predict(x: Float64Array, n: number): Float64Array;
  /** Plain-JSON description plus typed arrays: enough to rebuild it exactly. */
  serialize(): SerializedRegressor;
  /**
   * Appends what predict computes on buffer x to the model graph
   * (src/graph/): the prediction (1 wide, transformed space) and, for a
   * model that learned σ, the mean variance of its members (1 wide) with the
   * calibration scale of σ.
   */
  emit(g: GraphBuilder, x: Buf): EmittedOutput;
}

export interface EmittedOutput {
  readonly value: Buf;
  readonly sigma: { readonly variance: Buf; readonly scale: number } | null;
}

export interface SerializedRegressor {
  readonly spec: Record<string, unknown>;
  /** float64 for every number a prediction computes with; narrower dtypes only for what is exact in them. */
  readonly arrays: Record<string, StoredArray>;
}

export { float64Array } from '../io/storedArray.js';

/**
 * Training inputs with targets already in the transformed space: the rows and
 * weights a network trainer reads (nn/trainer.ts, xTrain, yTrain, xVal, yVal
 * row-major; wTrain, wVal normalised to mean 1 over the training rows from
 * config data.weight), with their width and Born column.
 */
export interface TrainData extends TrainingData {
  readonly d: number;
  /** The Born column of the same rows, when the target is a Born ratio (physical units). */
  readonly bornTrain?: Float64Array | null;
  readonly bornVal?: Float64Array | null;
}

/** One row of a training history (per epoch or boosting round). */
export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valR2: number;
  readonly lr: number;
  readonly elapsedS: number;
  /** Epochs of the finishing phase: Levenberg–Marquardt's damping μ after the iteration (lr is then 0). */
  readonly damping?: number;
}

export interface FitContext {
  readonly config: RunConfig;
  readonly rng: Rng;
  readonly log: Logger;
  /** Aborted on Ctrl-C / SIGTERM: stop at the next safe point and keep the best so far. */
  readonly signal: AbortSignal;
  /** Where the model type may keep checkpoints (null: none). */
  readonly checkpointDir: string | null;
  /** Continue from the checkpoint in checkpointDir. */
  readonly resume: boolean;
  /** The transform that made TrainData's targets (a model whose head computes in physical units needs it). */
  readonly transform: TargetTransform;
  /** Names of the TrainData columns, for config keys that name inputs (data.periodic, angular). */
  readonly inputNames: readonly string[];
}

export interface FitResult {
  readonly model: Regressor;
  readonly history: EpochRecord[];
  /** Why training ended, for the run's report ("early stopping", "time budget", ...). */
  readonly stoppedBecause: string;
}

export interface RegressorType {
  readonly type: string;
  fit(data: TrainData, ctx: FitContext): Promise<FitResult>;
  load(serialized: SerializedRegressor): Regressor;
}
