// What the Trainer needs of a network: every family's Network (src/nn/network.ts)
// and the wrappers around one (the structured input stage) train with the
// same loop, schedules, early stopping and checkpoints.

import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import type { Kernels } from '../kernels/types.js';
import type { Rng } from '../util/rng.js';

export interface TrainableNetwork {
  /** Plain JSON that rebuilds the architecture (stored in snapshots and model files). */
  readonly config: unknown;
  readonly kernels: Kernels;
  readonly inputDim: number;
  /** Values per output row: 1, or 2 for a (mean, log σ²) head. */
  readonly outputDim: number;
  readonly paramCount: number;
  /** Index in params of the output layer's first parameter (a BNN that is Bayesian in its last layer only). */
  readonly outputLayerStart: number;
  /** All parameters in one flat vector; write in place only. */
  readonly params: Float64Array;
  /** dLoss/dparams of the last backward(), same layout as params. */
  readonly grads: Float64Array;
  /** Training forward over n rows; the result stays valid until the next forward with the same n. */
  forward(x: Float64Array, n: number): Float64Array;
  /** Overwrites grads with dL/dparams of the last forward (and dL/dx into dInput if given). */
  backward(dOut: Float64Array, dInput?: Float64Array | null): void;
  /** Inference forward over n rows (a view, valid until the next infer with the same n). */
  infer(x: Float64Array, n: number): Float64Array;
  /** Outputs for n rows, chunked. */
  predict(x: Float64Array, n: number, out?: Float64Array): Float64Array;
  /**
   * Appends the network's inference to the model graph on buffer x and
   * returns its output buffer (outputDim wide); `params` replaces the
   * network's own parameters (an ensemble member, a BNN weight sample).
   */
  emit(g: GraphBuilder, x: Buf, params?: Float64Array): Buf;
  /** A new network of the same architecture and kernels, initialised from rng as the family initialises (ensemble members). */
  spawn(rng: Rng): TrainableNetwork;
}

/** Rebuilds a network from the `config` its snapshot stored. */
export type NetworkFactory = (config: unknown, kernels: Kernels) => TrainableNetwork;
