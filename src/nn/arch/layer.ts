// Layers of the general network executor (src/nn/arch): paper 2's
// architectures need pieces the dense-op plan cannot express — learnable
// activations, KAN layers, per-particle embeddings — so each is a Layer, and a
// Chain runs a list of them. All numerics go through the injected Kernels
// where a kernel exists (dense maps, rational activations).
//
// Conventions: a layer sees only its own slice of the flat parameter and
// gradient vectors; x is n×nIn and y n×nOut, row-major; backward overwrites
// the gradient slice (never accumulates) and may overwrite dy.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import type { Activation, Kernels } from '../../kernels/types.js';
import type { Rng } from '../../util/rng.js';
import { BatchCache } from '../../util/batchCache.js';

export interface Layer {
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  readonly paramCount: number;
  /** Writes initial values into this layer's parameter slice. */
  init(p: Float64Array, rng: Rng): void;
  /** y = layer(x) for n rows; keeps what backward needs for this n. */
  forward(p: Float64Array, x: Float64Array, n: number, y: Float64Array): void;
  /**
   * Backward of the last forward with the same n and x: overwrites g with
   * dL/dp, writes dL/dx into dx unless null. May overwrite dy.
   */
  backward(p: Float64Array, x: Float64Array, n: number, y: Float64Array, dy: Float64Array, g: Float64Array, dx: Float64Array | null): void;
  /** Appends this layer's inference on buffer x to the model graph, with parameters p (this layer's slice). */
  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf;
}

/** Per-batch-size scratch arrays of perRow values a row (training batch, validation chunks). */
export class Scratch extends BatchCache<Float64Array> {
  constructor(perRow: number) {
    super((n) => new Float64Array(n * perRow));
  }
}

/** x·W + b then a fixed activation, through the fused dense kernels. W is nIn×nOut, then b. */
export class DenseLayer implements Layer {
  readonly paramCount: number;
  private readonly z: Scratch;

  constructor(
    private readonly kernels: Kernels, readonly name: string, readonly nIn: number, readonly nOut: number,
    private readonly act: Activation,
  ) {
    this.paramCount = nIn * nOut + nOut;
    this.z = new Scratch(nOut);
  }

  /** Glorot uniform, biases zero (as src/nn/init.ts for paper 1's networks). */
  init(p: Float64Array, rng: Rng): void {
    const limit = Math.sqrt(6 / (this.nIn + this.nOut));
    const nw = this.nIn * this.nOut;
    for (let i = 0; i < nw; i++) p[i] = -limit + 2 * limit * rng.uniform();
    p.fill(0, nw);
  }

  forward(p: Float64Array, x: Float64Array, n: number, y: Float64Array): void {
    const nw = this.nIn * this.nOut;
    const linear = this.act.name === 'linear';
    const z = linear ? y : this.z.get(n);
    this.kernels.denseForward(x, n, this.nIn, p.subarray(0, nw), p.subarray(nw), this.nOut, this.act, null, z, y);
  }

  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf {
    const nw = this.nIn * this.nOut;
    return g.activation(g.dense(this.name, x, p.subarray(0, nw), p.subarray(nw, nw + this.nOut), this.nOut), this.act);
  }

  backward(p: Float64Array, x: Float64Array, n: number, y: Float64Array, dy: Float64Array, g: Float64Array, dx: Float64Array | null): void {
    const nw = this.nIn * this.nOut;
    const z = this.act.name === 'linear' ? y : this.z.get(n);
    this.kernels.denseBackward(
      x, n, this.nIn, p.subarray(0, nw), this.nOut, this.act, z, y, dy, dy, dx, g.subarray(0, nw), g.subarray(nw), false,
    );
  }
}
