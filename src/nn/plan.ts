// A network as a flat list of dense operations over numbered activation
// buffers, plus the layout of every weight in ONE flat parameter vector.
//
// Both families compile to the same list, so one forward/backward executor
// serves both (an sk-DNN is the DNN builder with skip connections): buffer 0
// is the network input, op i writes buffer i + 1, and an op may add another
// buffer before its activation (the sk-DNN skip path, via denseForward's
// `residual` argument). The last op writes the n×outputs output (n×1 unless
// the config asks for more, as uncertainty models do).

import type { Activation } from '../kernels/types.js';
import { LINEAR, outputCount, type NetworkConfig } from './config.js';

export interface DenseOp {
  /** Stable, human-readable: "dense3", "block2.dense1", "block1.skip", "output". */
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  /** Offset of W (nIn×nOut, row-major) in the flat parameter vector. */
  readonly wOffset: number;
  /** Offset of the bias (nOut), or -1 for a bias-free map. */
  readonly bOffset: number;
  readonly act: Activation;
  /** Buffer read as x (0 = network input). */
  readonly input: number;
  /** Buffer added to x·W + b before the activation, or -1. */
  readonly residual: number;
  /** Buffer written (always the op's index + 1). */
  readonly output: number;
}

export interface NetworkPlan {
  readonly inputDim: number;
  readonly ops: readonly DenseOp[];
  /** Width of each buffer; index 0 is the input. */
  readonly bufferWidths: readonly number[];
  readonly paramCount: number;
}

class PlanBuilder {
  readonly ops: DenseOp[] = [];
  readonly widths: number[];
  private offset = 0;

  constructor(inputDim: number) {
    this.widths = [inputDim];
  }

  /** Appends a dense op reading `input`; returns the buffer it writes. */
  dense(name: string, input: number, nOut: number, act: Activation, bias: boolean, residual = -1): number {
    const nIn = this.widths[input];
    const wOffset = this.offset;
    this.offset += nIn * nOut;
    const bOffset = bias ? this.offset : -1;
    if (bias) this.offset += nOut;
    const output = this.ops.length + 1;
    this.ops.push({ name, nIn, nOut, wOffset, bOffset, act, input, residual, output });
    this.widths.push(nOut);
    return output;
  }

  finish(inputDim: number): NetworkPlan {
    return { inputDim, ops: this.ops, bufferWidths: this.widths, paramCount: this.offset };
  }
}

export function buildPlan(config: NetworkConfig): NetworkPlan {
  const { inputDim, depth, width, activation: g } = config;
  const b = new PlanBuilder(inputDim);
  let x = 0;
  if (config.type === 'dnn') {
    for (let l = 1; l <= depth; l++) x = b.dense(`dense${l}`, x, width, g, true);
  } else {
    for (let k = 1; k <= depth; k++) {
      const h1 = b.dense(`block${k}.dense1`, x, width, g, true);
      const h2 = b.dense(`block${k}.dense2`, h1, width, g, true);
      // The skip map must exist before dense3 consumes it as its residual.
      const skip = b.widths[x] === width ? x : b.dense(`block${k}.skip`, x, width, LINEAR, false);
      x = b.dense(`block${k}.dense3`, h2, width, g, true, skip);
    }
  }
  b.dense('output', x, outputCount(config), LINEAR, true);
  return b.finish(inputDim);
}

/** Number of trainable parameters (weights and biases) without building anything big. */
export function countParameters(config: NetworkConfig): number {
  return buildPlan(config).paramCount;
}
