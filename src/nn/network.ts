// The network executor: forward and backward passes of a NetworkPlan (every
// family's network) over a batch, using only the injected Kernels (dense,
// rational, KAN expansion, gemm) so the same code runs on the native addon
// and the TypeScript reference.
//
// Memory policy: all parameters live in ONE flat Float64Array (so Adam is one
// kernel call) and layers hold subarray views into it; gradients likewise.
// Never replace `params`/`grads`, only write into them (params.set(...)), or
// the views go stale. Work buffers are allocated once per batch size and
// cached, so a training step allocates nothing.

import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import type { Kernels } from '../kernels/types.js';
import { rationalCoefCount } from '../kernels/rational.js';
import type { Rng } from '../util/rng.js';
import type { TrainableNetwork } from './trainable.js';
import type { NetworkConfig } from './config.js';
import { initParameters } from './init.js';
import { BatchCache } from '../util/batchCache.js';
import { buildPlan, opInputs, type DenseOp, type NetworkPlan, type PlanOp } from './plan.js';
import { copyRowTails, moveMembers } from './rows.js';

/** Most rows per inference chunk (validation in the trainer uses this many); bounds the buffers (~chunk × width × 8 B each). */
export const PREDICT_CHUNK_ROWS = 8192;

/** Target size of one n×width activation buffer in predict(). */
const PREDICT_CHUNK_BYTES = 512 * 1024;

/**
 * Rows per predict() chunk for a network whose widest layer is maxWidth: as
 * many as keep one activation buffer near PREDICT_CHUNK_BYTES, so a layer's
 * input, pre-activation and output stay in a 1–2 MiB L2 cache. Measured on
 * Zen 4, 65536 points on one thread: 8192-row chunks cost 1.7× (sk-DNN 9-36)
 * to 2× (9-50) the CPU time of 1024–2048-row ones. Rows are independent, so
 * the chunk size never changes a result.
 */
export function predictChunkRows(maxWidth: number): number {
  const rows = Math.floor(PREDICT_CHUNK_BYTES / (8 * maxWidth) / 64) * 64;
  return Math.max(256, Math.min(PREDICT_CHUNK_ROWS, rows));
}


/** One op bound to its parameter and gradient views (empty for a parameter-free op). */
interface BoundOp {
  readonly op: PlanOp;
  /** Dense: W; rational: the coefficient blocks. */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
  readonly gw: Float64Array;
  readonly gb: Float64Array | null;
  /** In reverse order, is this op the first to write grad[input] (overwrite) or must it add? */
  readonly dxFirst: boolean;
  /** Same for the residual buffer; meaningless without one. */
  readonly residualFirst: boolean;
}

const NONE = new Float64Array(0);

/** Where an op's parameters sit in a flat vector (params or grads). */
function paramViews(op: PlanOp, v: Float64Array): { w: Float64Array; b: Float64Array | null } {
  switch (op.kind) {
    case 'dense':
      return {
        w: v.subarray(op.wOffset, op.wOffset + op.nIn * op.nOut),
        b: op.bOffset >= 0 ? v.subarray(op.bOffset, op.bOffset + op.nOut) : null,
      };
    case 'rational':
      return { w: v.subarray(op.offset, op.offset + op.groups * rationalCoefCount(op.degP, op.degQ)), b: null };
    default:
      return { w: NONE, b: null };
  }
}

/** A dense op with a non-linear activation keeps its pre-activation apart; every other op writes its output only. */
function keepsPreActivation(op: PlanOp): boolean {
  return op.kind === 'dense' && op.act.name !== 'linear';
}

/** Values of buffer b for n input rows. */
function bufferLength(plan: NetworkPlan, b: number, n: number): number {
  return n * plan.rowFactors[b] * plan.bufferWidths[b];
}

/** Buffers for training: every pre-activation and activation is kept for backward. */
class TrainWorkspace {
  readonly z: Float64Array[] = [];
  readonly y: Float64Array[] = [];
  readonly grad: Float64Array[] = [];

  constructor(readonly n: number, plan: NetworkPlan) {
    this.z.push(NONE);
    this.y.push(NONE); // buffer 0 is the caller's input, bound in forward()
    this.grad.push(NONE);
    for (const op of plan.ops) {
      const len = bufferLength(plan, op.output, n);
      const y = new Float64Array(len);
      this.y.push(y);
      this.z.push(keepsPreActivation(op) ? new Float64Array(len) : y);
      this.grad.push(new Float64Array(len));
    }
  }
}

/**
 * Buffers for inference only: pre-activations share one scratch array and
 * activation buffers are recycled once their last reader has run, so a large
 * chunk needs a handful of buffers instead of one per op.
 */
class InferWorkspace {
  readonly z: Float64Array[];
  readonly y: Float64Array[];

  constructor(readonly n: number, plan: NetworkPlan) {
    const ops = plan.ops;
    const nBuf = ops.length + 1;
    let maxLength = 1;
    for (const op of ops) maxLength = Math.max(maxLength, bufferLength(plan, op.output, n));
    const lastUse = new Array<number>(nBuf).fill(-1);
    ops.forEach((op, i) => {
      for (const b of opInputs(op)) lastUse[b] = i;
    });
    const scratch = new Float64Array(maxLength);
    const free: Float64Array[] = [];
    const slotOf: Float64Array[] = new Array<Float64Array>(nBuf);
    this.z = new Array<Float64Array>(nBuf);
    this.y = new Array<Float64Array>(nBuf);
    ops.forEach((op, i) => {
      const slot = free.pop() ?? new Float64Array(maxLength);
      slotOf[op.output] = slot;
      const len = bufferLength(plan, op.output, n);
      const y = slot.subarray(0, len);
      this.y[op.output] = y;
      this.z[op.output] = keepsPreActivation(op) ? scratch.subarray(0, len) : y;
      // Released only after this op, because it still reads them while writing its output.
      for (const b of opInputs(op)) {
        if (b > 0 && lastUse[b] === i && !free.includes(slotOf[b])) free.push(slotOf[b]);
      }
    });
  }
}

export interface LayerView {
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  readonly activation: DenseOp['act'];
  /** nIn×nOut row-major view into Network.params. */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
}

/**
 * Any family's network: C is the plain JSON of its architecture (paper 1's
 * NetworkConfig, or paper 2's ArchConfig with the plan src/nn/arch builds).
 */
export class Network<C = NetworkConfig> implements TrainableNetwork {
  readonly plan: NetworkPlan;
  readonly paramCount: number;
  readonly inputDim: number;
  /** Values per row of the output: 1, or 2 for uncertainty models (row-major n×outputDim). */
  readonly outputDim: number;
  /** All parameters; ops hold views into it. Write in place only. */
  readonly params: Float64Array;
  /** dLoss/dparams of the last backward(), same layout as params. */
  readonly grads: Float64Array;
  /** predict()'s chunk size for this network's widths. */
  readonly predictChunkRows: number;
  readonly config: C;

  private readonly bound: BoundOp[];
  /** Per buffer: does backward need its gradient, when dL/dx is asked for and when it is not. */
  private readonly needWithInput: boolean[];
  private readonly needWithoutInput: boolean[];
  private readonly trainCache = new BatchCache((n) => new TrainWorkspace(n, this.plan));
  private readonly inferCache = new BatchCache((n) => new InferWorkspace(n, this.plan));
  /** The workspace of the last forward(), which backward() differentiates. */
  private last: TrainWorkspace | null = null;
  /** Most recent inference workspace: the common case of repeated equal chunks skips the cache. */
  private lastInfer: InferWorkspace | null = null;

  constructor(config: NetworkConfig & C, kernels: Kernels);
  constructor(config: C, kernels: Kernels, plan: NetworkPlan);
  constructor(config: C, readonly kernels: Kernels, plan?: NetworkPlan) {
    this.config = config;
    // Without a plan the first signature applies: config is a NetworkConfig.
    this.plan = plan ?? buildPlan(config as NetworkConfig & C);
    const ops = this.plan.ops;
    this.paramCount = this.plan.paramCount;
    this.inputDim = this.plan.inputDim;
    this.outputDim = this.plan.bufferWidths[ops.length];
    this.params = new Float64Array(this.paramCount);
    this.grads = new Float64Array(this.paramCount);
    this.predictChunkRows = predictChunkRows(Math.max(...this.plan.bufferWidths.map((w, b) => w * this.plan.rowFactors[b])));
    const seen = new Set<number>();
    const firsts: { dx: boolean; res: boolean }[] = [];
    for (let i = ops.length - 1; i >= 0; i--) {
      const [input, residual] = opInputs(ops[i]);
      const dx = !seen.has(input);
      seen.add(input);
      const res = residual !== undefined && !seen.has(residual);
      if (residual !== undefined) seen.add(residual);
      firsts[i] = { dx, res };
    }
    this.needWithInput = this.gradientsNeeded(true);
    this.needWithoutInput = this.gradientsNeeded(false);
    this.bound = ops.map((op, i) => {
      const p = paramViews(op, this.params);
      const g = paramViews(op, this.grads);
      return { op, w: p.w, b: p.b, gw: g.w, gb: g.b, dxFirst: firsts[i].dx, residualFirst: firsts[i].res };
    });
  }

  /** Overwrites every parameter with its initial value, drawn from rng as the plan's ops say. */
  init(rng: Rng): void {
    initParameters(this.plan, this.params, rng);
  }

  /** Weight/bias views per dense op, in parameter order (for export and inspection). */
  layers(): LayerView[] {
    return this.bound.flatMap(({ op, w, b }) => (op.kind === 'dense' ? [{ name: op.name, nIn: op.nIn, nOut: op.nOut, activation: op.act, w, b }] : []));
  }

  get outputLayerStart(): number {
    return this.plan.outputLayerStart;
  }

  /**
   * Training forward pass over n rows of x (n×inputDim). Returns the
   * n×outputDim outputs as a view into a cached buffer, valid until the next forward()
   * with the same n. Keeps what backward() needs; x must not change until then.
   */
  forward(x: Float64Array, n: number): Float64Array {
    const xin = this.checkInput(x, n);
    const ws = this.last?.n === n ? this.last : this.trainCache.get(n);
    ws.y[0] = xin;
    this.run(ws.y, ws.z, n);
    this.last = ws;
    return ws.y[ws.y.length - 1];
  }

  /**
   * Backward pass of the last forward(): given dL/doutput (n×outputDim values),
   * overwrites `grads` with dL/dparams and, if dInput (n×inputDim) is given,
   * writes dL/dx into it (skipped otherwise: training never needs it).
   */
  backward(dOut: Float64Array, dInput: Float64Array | null = null): void {
    const ws = this.last;
    if (ws === null) throw new Error('Network.backward: no forward pass to differentiate');
    const n = ws.n;
    const nOutVals = n * this.outputDim;
    if (dOut.length < nOutVals) throw new RangeError(`Network.backward: dOut has ${dOut.length} values, need ${nOutVals}`);
    if (dInput !== null && dInput.length < n * this.inputDim) {
      throw new RangeError(`Network.backward: dInput has ${dInput.length} values, need ${n * this.inputDim}`);
    }
    // The kernels insist on exact lengths; a longer caller array is used through a view.
    const dOutN = dOut.length === nOutVals ? dOut : dOut.subarray(0, nOutVals);
    const dIn = dInput === null || dInput.length === n * this.inputDim ? dInput : dInput.subarray(0, n * this.inputDim);
    const need = dIn === null ? this.needWithoutInput : this.needWithInput;
    const gradOf = (b: number): Float64Array | null => (!need[b] ? null : b === 0 ? dIn : ws.grad[b]);
    const lastIndex = this.bound.length - 1;
    // A dense output op reads dL/doutput where it is; any other op finds it in its gradient buffer.
    if (this.bound[lastIndex].op.kind !== 'dense') ws.grad[lastIndex + 1].set(dOutN);
    for (let i = lastIndex; i >= 0; i--) this.backwardOp(this.bound[i], ws, i === lastIndex ? dOutN : null, gradOf);
  }

  /**
   * Inference forward over n rows (no backward possible). Returns a view
   * valid until the next infer() with the same n. Chunk large inputs with predict().
   */
  infer(x: Float64Array, n: number): Float64Array {
    const xin = this.checkInput(x, n);
    const ws = this.lastInfer?.n === n ? this.lastInfer : this.inferCache.get(n);
    this.lastInfer = ws;
    ws.y[0] = xin;
    this.run(ws.y, ws.z, n);
    return ws.y[ws.y.length - 1];
  }

  spawn(rng: Rng): Network<C> {
    const m = new Network<C>(this.config, this.kernels, this.plan);
    m.init(rng);
    return m;
  }

  emit(g: GraphBuilder, x: Buf, params: Float64Array = this.params): Buf {
    if (params.length !== this.paramCount) throw new RangeError(`Network.emit: ${params.length} parameters for ${this.paramCount}`);
    const ops = this.plan.ops;
    // A stacked segment's ops run on one particle at a time in the graph, emitted by their unstack op.
    const inSegment = new Set<number>();
    for (const op of ops) if (op.kind === 'unstack') for (const p of op.parts) for (let i = p.first; i <= p.last; i++) inSegment.add(i);
    const buffers: Buf[] = [x];
    ops.forEach((op, i) => {
      if (!inSegment.has(i)) buffers[op.output] = this.emitOp(g, op, buffers, params);
    });
    return buffers[buffers.length - 1];
  }

  /** Outputs (n×outputDim) for n rows of x, computed in chunks of `chunkRows` (default: predictChunkRows); writes into `out` if given. */
  predict(x: Float64Array, n: number, out?: Float64Array, chunkRows = this.predictChunkRows): Float64Array {
    const d = this.inputDim;
    const k = this.outputDim;
    const result = out ?? new Float64Array(n * k);
    if (result.length < n * k) throw new RangeError(`Network.predict: out has ${result.length} values, need ${n * k}`);
    if (x.length < n * d) throw new RangeError(`Network.predict: x has ${x.length} values, need ${n}×${d}`);
    for (let r = 0; r < n; r += chunkRows) {
      const m = Math.min(chunkRows, n - r);
      result.set(this.infer(x.subarray(r * d, (r + m) * d), m), r * k);
    }
    return result;
  }

  /** Every op over n input rows; y[0] is the input. */
  private run(y: Float64Array[], z: Float64Array[], n: number): void {
    const k = this.kernels;
    const { rowFactors, bufferWidths } = this.plan;
    for (const b of this.bound) {
      const op = b.op;
      const rows = n * rowFactors[op.input];
      switch (op.kind) {
        case 'dense':
          k.denseForward(
            y[op.input], rows, op.nIn, b.w, b.b, op.nOut, op.act, op.residual >= 0 ? y[op.residual] : null, z[op.output], y[op.output],
          );
          break;
        case 'rational':
          k.rationalForward(y[op.input], rows, op.width, op.groups, op.degP, op.degQ, b.w, y[op.output]);
          break;
        case 'kanExpand':
          k.kanExpand(y[op.input], rows, op.nIn, op.grid, op.lo, op.hi, y[op.output]);
          break;
        case 'stack':
          moveMembers('gather', y[op.input], y[op.output], rows, bufferWidths[op.input], op.members, op.columns);
          break;
        case 'unstack': {
          const width = bufferWidths[op.output];
          for (const p of op.parts) moveMembers('scatter', y[op.output], y[p.buffer], rows, width, p.members, op.columns);
          copyRowTails(y[op.input], bufferWidths[op.input], y[op.output], width, rows, op.extras);
          break;
        }
      }
    }
  }

  /** One op's backward: its parameter gradient (overwritten) and its share of its inputs' gradients. dOut: the caller's dL/doutput for the output op. */
  private backwardOp(b: BoundOp, ws: TrainWorkspace, dOut: Float64Array | null, gradOf: (buffer: number) => Float64Array | null): void {
    const k = this.kernels;
    const { rowFactors, bufferWidths } = this.plan;
    const op = b.op;
    const rows = ws.n * rowFactors[op.input];
    const dy = ws.grad[op.output];
    const gradIn = gradOf(op.input);
    switch (op.kind) {
      case 'dense': {
        // dz overwrites dy in place inside the net.
        const dxDirect = gradIn !== null && b.dxFirst ? gradIn : null;
        k.denseBackward(
          ws.y[op.input], rows, op.nIn, b.w, op.nOut, op.act, ws.z[op.output], ws.y[op.output], dOut ?? dy, dy, dxDirect, b.gw, b.gb, false,
        );
        if (gradIn !== null && !b.dxFirst) {
          // A second reader of the same buffer: grad[input] += dz·Wᵀ.
          k.gemm(false, true, rows, op.nIn, op.nOut, 1, dy, op.nOut, b.w, op.nOut, 1, gradIn, op.nIn);
        }
        const gradRes = op.residual >= 0 ? gradOf(op.residual) : null;
        if (gradRes !== null) {
          if (b.residualFirst) gradRes.set(dy);
          else for (let j = 0; j < dy.length; j++) gradRes[j] += dy[j];
        }
        return;
      }
      case 'rational':
        k.rationalBackward(ws.y[op.input], rows, op.width, op.groups, op.degP, op.degQ, b.w, dy, gradIn, b.gw);
        return;
      case 'kanExpand':
        if (gradIn !== null) k.kanExpandBackward(ws.y[op.input], rows, op.nIn, op.grid, op.lo, op.hi, dy, gradIn);
        return;
      case 'stack':
        if (gradIn !== null) moveMembers('scatter', gradIn, dy, rows, bufferWidths[op.input], op.members, op.columns);
        return;
      case 'unstack': {
        const width = bufferWidths[op.output];
        for (const p of op.parts) {
          const gp = gradOf(p.buffer);
          if (gp !== null) moveMembers('gather', dy, gp, rows, width, p.members, op.columns);
        }
        if (gradIn !== null) copyRowTails(dy, width, gradIn, bufferWidths[op.input], rows, op.extras);
        return;
      }
    }
  }

  /** Appends one op's inference to the model graph, reading buffers[i] for the plan's buffer i. */
  private emitOp(g: GraphBuilder, op: PlanOp, buffers: readonly Buf[], params: Float64Array): Buf {
    const { w, b } = paramViews(op, params);
    switch (op.kind) {
      case 'dense':
        return g.activation(g.dense(op.name, buffers[op.input], w, b, op.nOut, op.residual >= 0 ? buffers[op.residual] : null), op.act);
      case 'rational':
        return g.rational(op.name, buffers[op.input], op.groups, op.degP, op.degQ, w);
      case 'kanExpand':
        return g.kanExpand(buffers[op.input], op.grid, op.lo, op.hi);
      case 'stack':
        throw new Error(`Network.emit: ${op.name} is emitted by its unstack op`);
      case 'unstack': {
        // Per particle, in row order: its columns through its type's ops (shared weights), then the extras.
        const count = op.parts.reduce((s, p) => s + p.members.length, 0);
        const parts: Buf[] = [];
        for (let q = 0; q < count; q++) {
          const part = op.parts.find((p) => p.members.includes(q));
          const stack = part === undefined ? undefined : this.plan.ops[part.first];
          if (part === undefined || stack?.kind !== 'stack') throw new Error(`Network.emit: ${op.name} has no stacked segment for member ${q}`);
          const local = buffers.slice();
          local[stack.output] = g.gather(buffers[stack.input], Array.from({ length: stack.columns }, (_, c) => q * stack.columns + c));
          for (let i = part.first + 1; i <= part.last; i++) local[this.plan.ops[i].output] = this.emitOp(g, this.plan.ops[i], local, params);
          parts.push(local[part.buffer]);
        }
        const inWidth = this.plan.bufferWidths[op.input];
        if (op.extras > 0) parts.push(g.gather(buffers[op.input], Array.from({ length: op.extras }, (_, e) => inWidth - op.extras + e)));
        return g.concat(parts);
      }
    }
  }

  /**
   * Per buffer: whether backward computes dL/dbuffer — for the input when
   * asked, and for a buffer written by an op with parameters or reading a
   * buffer whose gradient is needed (a KAN expansion or Deep Sets stack of
   * the input needs none in training).
   */
  private gradientsNeeded(withInput: boolean): boolean[] {
    const need = [withInput];
    for (const op of this.plan.ops) {
      need[op.output] = op.kind === 'dense' || op.kind === 'rational' || opInputs(op).some((b) => need[b]);
    }
    return need;
  }

  private checkInput(x: Float64Array, n: number): Float64Array {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`Network: batch size must be a positive integer, got ${n}`);
    const len = n * this.inputDim;
    if (x.length < len) throw new RangeError(`Network: x has ${x.length} values, need ${n}×${this.inputDim}`);
    return x.length === len ? x : x.subarray(0, len);
  }
}
