// Runs a list of layers in sequence over one slice of a flat parameter vector:
// layer l reads buffer l (0 = the caller's input) and writes buffer l + 1.
// Buffers are kept per batch size (the training batch and validation chunks
// alternate) so a training step allocates nothing.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import type { Rng } from '../../util/rng.js';
import { BatchCache } from '../../util/batchCache.js';
import type { Layer } from './layer.js';

interface Workspace {
  /** acts[l + 1] is layer l's output; acts[0] is set to the input at each forward. */
  readonly acts: Float64Array[];
  /** grads[l + 1]: dL/d(layer l's output); grads[0] unused (the caller's dx). */
  readonly grads: Float64Array[];
}

export class Chain {
  readonly nIn: number;
  readonly nOut: number;
  readonly paramCount: number;
  private readonly offsets: number[] = [];
  private readonly cache = new BatchCache((n): Workspace => {
    const empty = new Float64Array(0);
    return {
      acts: [empty, ...this.layers.map((layer) => new Float64Array(n * layer.nOut))],
      grads: [empty, ...this.layers.map((layer) => new Float64Array(n * layer.nOut))],
    };
  });
  private last: Workspace | null = null;
  private lastN = 0;

  constructor(readonly layers: readonly Layer[]) {
    if (layers.length === 0) throw new RangeError('Chain: no layers');
    let off = 0;
    for (let l = 0; l < layers.length; l++) {
      if (l > 0 && layers[l].nIn !== layers[l - 1].nOut) {
        throw new RangeError(`Chain: ${layers[l].name} takes ${layers[l].nIn} inputs but ${layers[l - 1].name} gives ${layers[l - 1].nOut}`);
      }
      this.offsets.push(off);
      off += layers[l].paramCount;
    }
    this.paramCount = off;
    this.nIn = layers[0].nIn;
    this.nOut = layers[layers.length - 1].nOut;
  }

  /** Offset of the last layer's parameters. */
  get lastLayerOffset(): number {
    return this.offsets[this.offsets.length - 1];
  }

  init(p: Float64Array, rng: Rng): void {
    this.layers.forEach((layer, l) => layer.init(this.slice(p, l), rng.fork(`${layer.name}`)));
  }

  /** The output buffer (n × nOut), valid until the next forward with this n. */
  forward(p: Float64Array, x: Float64Array, n: number): Float64Array {
    const ws = this.workspace(n);
    ws.acts[0] = x;
    this.layers.forEach((layer, l) => layer.forward(this.slice(p, l), ws.acts[l], n, ws.acts[l + 1]));
    this.last = ws;
    this.lastN = n;
    return ws.acts[this.layers.length];
  }

  /** Backward of the last forward: g (this chain's slice) overwritten, dx written unless null; dOut is left as it was. */
  backward(p: Float64Array, g: Float64Array, dOut: Float64Array, dx: Float64Array | null): void {
    const ws = this.last;
    if (ws === null) throw new Error('Chain.backward: no forward pass to differentiate');
    const n = this.lastN;
    const L = this.layers.length;
    // Layers may overwrite their dy; the caller's array is copied first (n × nOut values, cheap).
    ws.grads[L].set(dOut.subarray(0, n * this.nOut));
    for (let l = L - 1; l >= 0; l--) {
      const dy = ws.grads[l + 1];
      const dIn = l === 0 ? dx : ws.grads[l];
      this.layers[l].backward(this.slice(p, l), ws.acts[l], n, ws.acts[l + 1], dy, this.slice(g, l), dIn);
    }
  }

  /** The layers' inference on buffer x, in the model graph. */
  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf {
    return this.layers.reduce((b, layer, l) => layer.emit(g, this.slice(p, l), b), x);
  }

  private slice(p: Float64Array, l: number): Float64Array {
    return p.subarray(this.offsets[l], this.offsets[l] + this.layers[l].paramCount);
  }

  private workspace(n: number): Workspace {
    return this.cache.get(n);
  }
}
