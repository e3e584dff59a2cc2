// A network of paper 2's architectures (ArchConfig) as the Trainer sees it:
// one flat parameter vector and its gradient, forward/backward through a
// layer Chain, chunked prediction.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import type { Kernels } from '../../kernels/types.js';
import type { Rng } from '../../util/rng.js';
import type { TrainableNetwork } from '../trainable.js';
import type { Chain } from './chain.js';
import { buildChain, parseArchConfig, type ArchConfig } from './config.js';

/** Rows per predict() chunk: buffers stay small (≤ 1 MiB per 128-wide layer). */
const PREDICT_ROWS = 1024;

export class LayerNet implements TrainableNetwork {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly paramCount: number;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private readonly chain: Chain;
  private inferOut = new Float64Array(0);

  constructor(readonly config: ArchConfig, readonly kernels: Kernels) {
    this.chain = buildChain(config, kernels);
    this.inputDim = config.inputDim;
    this.outputDim = this.chain.nOut;
    this.paramCount = this.chain.paramCount;
    this.params = new Float64Array(this.paramCount);
    this.grads = new Float64Array(this.paramCount);
  }

  /** Rebuilds from stored JSON (a snapshot's or a model file's config). */
  static fromJSON(value: unknown, kernels: Kernels): LayerNet {
    return new LayerNet(parseArchConfig(value, 'model.regressor.network'), kernels);
  }

  init(rng: Rng): void {
    this.chain.init(this.params, rng);
  }

  get outputLayerStart(): number {
    return this.chain.lastLayerOffset;
  }

  spawn(rng: Rng): LayerNet {
    const net = new LayerNet(this.config, this.kernels);
    net.init(rng);
    return net;
  }

  forward(x: Float64Array, n: number): Float64Array {
    return this.chain.forward(this.params, this.input(x, n), n);
  }

  backward(dOut: Float64Array, dInput: Float64Array | null = null): void {
    this.chain.backward(this.params, this.grads, dOut, dInput);
  }

  /**
   * Inference over n rows; a view valid until the next infer. Large calls
   * (the trainer validates in chunks of 8192) run in PREDICT_ROWS-row pieces,
   * so a Deep Sets embedding never holds buffers for n × particles rows.
   */
  infer(x: Float64Array, n: number): Float64Array {
    if (n <= PREDICT_ROWS) return this.forward(x, n);
    const k = this.outputDim;
    if (this.inferOut.length < n * k) this.inferOut = new Float64Array(n * k);
    return this.predict(x, n, this.inferOut.subarray(0, n * k));
  }

  /** n × outputDim outputs, row-major. */
  predict(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    const k = this.outputDim;
    const result = out ?? new Float64Array(n * k);
    const d = this.inputDim;
    for (let r = 0; r < n; r += PREDICT_ROWS) {
      const m = Math.min(PREDICT_ROWS, n - r);
      result.set(this.forward(x.subarray(r * d, (r + m) * d), m), r * k);
    }
    return result;
  }

  emit(g: GraphBuilder, x: Buf, params: Float64Array = this.params): Buf {
    if (params.length !== this.paramCount) throw new RangeError(`LayerNet.emit: ${params.length} parameters for ${this.paramCount}`);
    return this.chain.emit(g, params, x);
  }

  private input(x: Float64Array, n: number): Float64Array {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`LayerNet: batch size must be a positive integer, got ${n}`);
    const len = n * this.inputDim;
    if (x.length < len) throw new RangeError(`LayerNet: x has ${x.length} values, need ${n}×${this.inputDim}`);
    return x.length === len ? x : x.subarray(0, len);
  }
}
