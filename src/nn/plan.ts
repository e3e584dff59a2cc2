// A network as a flat list of typed operations over numbered buffers, plus
// the layout of every parameter in ONE flat vector: the one form every
// network family compiles to, so one forward/backward executor (network.ts)
// serves paper 1's DNN and sk-DNN and paper 2's MLP, GroupKAN, KAN and Deep
// Sets alike.
//
// Buffer 0 is the network input, op i writes buffer i + 1, and the last op
// writes the n×outputs output. A buffer holds n × rowFactor rows: a Deep Sets
// embedding stacks the k particles of one type as k rows per event ('stack'),
// runs the type's shared layers on those n·k rows, and puts them back in
// particle order ('unstack'). Ops sorted by increasing complexity:
// - dense: x·W + b (+ another buffer, the sk-DNN skip path) then a fixed activation;
// - rational: GroupKAN's learnable P/Q activation per channel group;
// - kanExpand: a KAN layer's [silu, B-splines] feature expansion (a bias-free
//   dense op follows it);
// - stack / unstack: the particle layout changes of a Deep Sets embedding.

import type { Activation } from '../kernels/types.js';
import { rationalCoefCount } from '../kernels/rational.js';
import { kanFeatures } from '../kernels/kan.js';
import { LINEAR, outputCount, type NetworkConfig } from './config.js';

/**
 * How an op's parameters start. `stream` names the random stream they are
 * drawn from: [] draws from the network's generator in op order (paper 1's
 * networks), [a, b] from rng.fork(a).fork(b), each fork taken once, in op
 * order (paper 2's networks fork one stream per layer, and per embedding).
 */
export interface InitStream {
  readonly stream: readonly string[];
}

/** Keras' Glorot uniform weights and zero biases, or a KAN layer's (SiLU weights Glorot-uniform, spline coefficients small). */
export type DenseInit = InitStream & ({ readonly kind: 'glorot' } | { readonly kind: 'kan'; readonly per: number });

/** The same block of coefficients in every group (a fit to a fixed activation); the stream is forked but not drawn from. */
export type RationalInit = InitStream & { readonly block: Float64Array };

interface OpBase {
  /** Stable, human-readable: "dense3", "block2.skip", "embed.g.dense1.rational", "output". */
  readonly name: string;
  /** Buffer read (0 = network input). */
  readonly input: number;
  /** Buffer written (always the op's index + 1). */
  readonly output: number;
}

export interface DenseOp extends OpBase {
  readonly kind: 'dense';
  readonly nIn: number;
  readonly nOut: number;
  /** Offset of W (nIn×nOut, row-major) in the flat parameter vector. */
  readonly wOffset: number;
  /** Offset of the bias (nOut), or -1 for a bias-free map. */
  readonly bOffset: number;
  readonly act: Activation;
  /** Buffer added to x·W + b before the activation, or -1. */
  readonly residual: number;
  readonly init: DenseInit;
}

export interface RationalOp extends OpBase {
  readonly kind: 'rational';
  readonly width: number;
  readonly groups: number;
  readonly degP: number;
  readonly degQ: number;
  /** Offset of the groups' coefficient blocks. */
  readonly offset: number;
  readonly init: RationalInit;
}

export interface KanExpandOp extends OpBase {
  readonly kind: 'kanExpand';
  readonly nIn: number;
  readonly grid: number;
  readonly lo: number;
  readonly hi: number;
}

/** Rows of `columns` values per member: member m of event r becomes row r·k + m. */
export interface StackOp extends OpBase {
  readonly kind: 'stack';
  /** Positions, in units of `columns`, of the stacked members in an input row. */
  readonly members: readonly number[];
  readonly columns: number;
}

/** One stacked segment of an unstack: the rows of `buffer` go back to positions `members`. */
export interface UnstackPart {
  readonly buffer: number;
  readonly members: readonly number[];
  /** Index of the segment's stack op and of its last op (the one writing `buffer`). */
  readonly first: number;
  readonly last: number;
}

/** Output row: [part rows in member order (columns each) …, the last `extras` columns of `input`]. */
export interface UnstackOp extends OpBase {
  readonly kind: 'unstack';
  readonly parts: readonly UnstackPart[];
  readonly columns: number;
  readonly extras: number;
}

export type PlanOp = DenseOp | RationalOp | KanExpandOp | StackOp | UnstackOp;

export interface NetworkPlan {
  readonly inputDim: number;
  readonly ops: readonly PlanOp[];
  /** Width of each buffer; index 0 is the input. */
  readonly bufferWidths: readonly number[];
  /** Rows of each buffer per input row (1 except inside a Deep Sets embedding). */
  readonly rowFactors: readonly number[];
  readonly paramCount: number;
  /** Index of the output op's first parameter (a BNN Bayesian in its last layer only). */
  readonly outputLayerStart: number;
}

/** Every buffer an op reads. */
export function opInputs(op: PlanOp): number[] {
  switch (op.kind) {
    case 'dense':
      return op.residual >= 0 ? [op.input, op.residual] : [op.input];
    case 'unstack':
      return [...op.parts.map((p) => p.buffer), op.input];
    default:
      return [op.input];
  }
}

/** Whether the op's gradient into `buffer` covers only some of its columns (the others come from other readers). */
function readsPart(op: PlanOp, buffer: number): boolean {
  return op.kind === 'stack' || (op.kind === 'unstack' && op.input === buffer);
}

const GLOROT: DenseInit = { kind: 'glorot', stream: [] };

export class PlanBuilder {
  private readonly ops: PlanOp[] = [];
  private readonly widths: number[];
  private readonly factors: number[] = [1];
  private offset = 0;
  private lastParams = 0;

  constructor(private readonly inputDim: number) {
    this.widths = [inputDim];
  }

  width(buffer: number): number {
    return this.widths[buffer];
  }

  /** Index the next op will get (an unstack part's `first`). */
  get nextOp(): number {
    return this.ops.length;
  }

  /** Appends a dense op reading `input`; returns the buffer it writes. */
  dense(name: string, input: number, nOut: number, act: Activation, bias: boolean, residual = -1, init: DenseInit = GLOROT): number {
    const nIn = this.widths[input];
    const wOffset = this.take(nIn * nOut);
    const bOffset = bias ? this.offset : -1;
    if (bias) this.offset += nOut;
    return this.push({ kind: 'dense', name, nIn, nOut, wOffset, bOffset, act, input, residual, output: this.ops.length + 1, init }, nOut, input);
  }

  rational(name: string, input: number, groups: number, degP: number, degQ: number, init: RationalInit): number {
    const width = this.widths[input];
    if (width % groups !== 0) throw new RangeError(`${name}: ${groups} groups do not divide width ${width}`);
    if (init.block.length !== rationalCoefCount(degP, degQ)) throw new RangeError(`${name}: initial coefficients have the wrong length`);
    const offset = this.take(groups * rationalCoefCount(degP, degQ));
    return this.push({ kind: 'rational', name, input, output: this.ops.length + 1, width, groups, degP, degQ, offset, init }, width, input);
  }

  kanExpand(name: string, input: number, grid: number, lo: number, hi: number): number {
    const nIn = this.widths[input];
    return this.push({ kind: 'kanExpand', name, input, output: this.ops.length + 1, nIn, grid, lo, hi }, nIn * kanFeatures(grid), input);
  }

  stack(name: string, input: number, members: readonly number[], columns: number): number {
    for (const m of members) {
      if (!(Number.isInteger(m) && m >= 0 && (m + 1) * columns <= this.widths[input])) throw new RangeError(`${name}: member ${m} is outside buffer ${input}`);
    }
    const output = this.push({ kind: 'stack', name, input, output: this.ops.length + 1, members: [...members], columns }, columns, input);
    this.factors[output] = this.factors[input] * members.length;
    return output;
  }

  unstack(name: string, input: number, parts: readonly UnstackPart[], columns: number, extras: number): number {
    const count = parts.reduce((s, p) => s + p.members.length, 0);
    for (const p of parts) {
      if (this.widths[p.buffer] !== columns || this.factors[p.buffer] !== this.factors[input] * p.members.length) {
        throw new RangeError(`${name}: buffer ${p.buffer} is not ${p.members.length} stacked rows of ${columns}`);
      }
    }
    return this.push({ kind: 'unstack', name, input, output: this.ops.length + 1, parts, columns, extras }, count * columns + extras, input);
  }

  finish(): NetworkPlan {
    this.checkReaders();
    return {
      inputDim: this.inputDim, ops: this.ops, bufferWidths: this.widths, rowFactors: this.factors,
      paramCount: this.offset, outputLayerStart: this.lastParams,
    };
  }

  private take(count: number): number {
    this.lastParams = this.offset;
    this.offset += count;
    return this.lastParams;
  }

  private push(op: PlanOp, width: number, rowsOf: number): number {
    this.ops.push(op);
    this.widths.push(width);
    this.factors.push(this.factors[rowsOf]);
    return op.output;
  }

  /**
   * The backward pass writes a gradient buffer once and adds later
   * contributions, which is right when every reader's gradient covers the
   * whole buffer (dense ops: the first writes, the others add) or when the
   * readers each cover their own columns (a Deep Sets input); a rational or
   * KAN expansion writes its whole gradient, so it must be its input's only reader.
   */
  private checkReaders(): void {
    const readers = new Map<number, PlanOp[]>();
    for (const op of this.ops) for (const b of opInputs(op)) readers.set(b, [...(readers.get(b) ?? []), op]);
    for (const [b, ops] of readers) {
      const parts = ops.filter((op) => readsPart(op, b)).length;
      const sole = ops.some((op) => op.kind === 'rational' || op.kind === 'kanExpand');
      if ((parts > 0 && parts < ops.length) || (sole && ops.length > 1)) {
        throw new RangeError(`network plan: buffer ${b} is read by ${ops.map((op) => op.name).join(', ')}, whose gradients cannot be combined`);
      }
    }
  }
}

/** Paper 1's families: `depth` dense layers, or `depth` sk-DNN blocks; then the linear output op. */
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
      const skip = b.width(x) === width ? x : b.dense(`block${k}.skip`, x, width, LINEAR, false);
      x = b.dense(`block${k}.dense3`, h2, width, g, true, skip);
    }
  }
  b.dense('output', x, outputCount(config), LINEAR, true);
  return b.finish();
}

/** Number of trainable parameters (weights and biases) without building anything big. */
export function countParameters(config: NetworkConfig): number {
  return buildPlan(config).paramCount;
}
