// L-GATr (Spinner et al., arXiv:2405.14806) as the Trainer sees a network:
// one flat parameter vector, forward/backward over a batch, chunked predict.
// Each particle is a token: its four-momentum is the vector part of
// multivector channel 0 and its class a one-hot scalar channel; an
// equivariant linear map embeds the tokens, transformer blocks
// (src/nn/lgatr/block.ts) follow, and the output is the mean over tokens of
// the scalar parts of a last layer norm + linear map. The scalar part is
// Lorentz invariant and the mean permutation invariant, so the prediction is
// invariant under both.
//
// Input rows: 4P scaled momenta (E, px, py, pz per particle), as
// src/features/momentumFeatures.ts builds them with features 'momenta'.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import type { Kernels } from '../../kernels/types.js';
import { BatchCache } from '../../util/batchCache.js';
import type { Rng } from '../../util/rng.js';
import type { TrainableNetwork } from '../trainable.js';
import { METRIC, MV, VECTOR_BLADES } from './algebra.js';
import { Block, BlockBuffers, BlockScratch } from './block.js';
import { classList, parseLGATrConfig, type LGATrConfig } from './config.js';
import { EquiLinear } from './equiLinear.js';
import { mvOps, type MvOps } from './backend.js';
import { NORM_EPS } from './ops.js';

/** Rows per predict() chunk: a chunk's buffers stay near 100 MB for 8 channels and 2 blocks of 5 tokens. */
const PREDICT_ROWS = 512;

/** What one forward keeps for its backward, per batch size. */
class Workspace {
  readonly input: Float64Array;
  /** The residual stream before each block and after the last. */
  readonly stream: Float64Array[];
  readonly blocks: BlockBuffers[];
  readonly final: Float64Array;
  readonly finalNorm: Float64Array;
  readonly finalSq: Float64Array;
  readonly readout: Float64Array;
  readonly out: Float64Array;
  private scratchCache: BlockScratch | null = null;
  private gradCache: { a: Float64Array; b: Float64Array; input: Float64Array; readout: Float64Array } | null = null;

  constructor(private readonly net: LGATrNet, readonly n: number) {
    const rows = n * net.particles;
    const C = net.config.channels;
    this.input = new Float64Array(MV * rows * net.inputChannels);
    this.stream = Array.from({ length: net.blocks.length + 1 }, () => new Float64Array(MV * rows * C));
    this.blocks = net.blocks.map((b) => new BlockBuffers(b, n));
    this.final = new Float64Array(MV * rows * C);
    this.finalNorm = new Float64Array(rows);
    this.finalSq = new Float64Array(rows * C);
    this.readout = new Float64Array(MV * rows * net.outputDim);
    this.out = new Float64Array(n * net.outputDim);
  }

  /** Backward-only buffers, made on the first backward (validation batches never need them). */
  scratch(): BlockScratch {
    this.scratchCache ??= new BlockScratch(this.net.blocks[0], this.n);
    return this.scratchCache;
  }

  grads(): { a: Float64Array; b: Float64Array; input: Float64Array; readout: Float64Array } {
    const rows = this.n * this.net.particles;
    const C = this.net.config.channels;
    this.gradCache ??= {
      a: new Float64Array(MV * rows * C), b: new Float64Array(MV * rows * C),
      input: new Float64Array(MV * rows * this.net.inputChannels), readout: new Float64Array(MV * rows * this.net.outputDim),
    };
    return this.gradCache;
  }
}

export class LGATrNet implements TrainableNetwork {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly paramCount: number;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly particles: number;
  /** Channel 0: the momentum; then one scalar channel per particle class. */
  readonly inputChannels: number;
  readonly blocks: Block[];
  private readonly embed: EquiLinear;
  private readonly readout: EquiLinear;
  private readonly classOf: Int32Array;
  private readonly blockOffsets: number[] = [];
  private readonly readoutOffset: number;
  private readonly workspaces: BatchCache<Workspace>;
  private last: Workspace | null = null;
  private inferOut = new Float64Array(0);
  private readonly ops: MvOps;

  constructor(readonly config: LGATrConfig, readonly kernels: Kernels) {
    const classes = classList(config);
    this.ops = mvOps(kernels, NORM_EPS);
    this.particles = config.particleClasses.length;
    this.classOf = Int32Array.from(config.particleClasses.map((c) => classes.indexOf(c)));
    this.inputChannels = 1 + classes.length;
    this.inputDim = config.inputDim;
    this.outputDim = config.outputs;
    const C = config.channels;
    this.embed = new EquiLinear(this.inputChannels, C, kernels);
    let offset = this.embed.paramCount;
    this.blocks = [];
    for (let b = 0; b < config.blocks; b++) {
      const block = new Block(this.particles, C, config.heads, config.headChannels, config.bilinearChannels, kernels);
      this.blocks.push(block);
      this.blockOffsets.push(offset);
      offset += block.paramCount;
    }
    this.readout = new EquiLinear(C, config.outputs, kernels);
    this.readoutOffset = offset;
    this.paramCount = offset + this.readout.paramCount;
    this.params = new Float64Array(this.paramCount);
    this.grads = new Float64Array(this.paramCount);
    // Training batch, last validation chunk and prediction chunk: the three sizes that alternate.
    this.workspaces = new BatchCache((n) => new Workspace(this, n), 3);
  }

  static fromJSON(value: unknown, kernels: Kernels): LGATrNet {
    return new LGATrNet(parseLGATrConfig(value, 'model.regressor.network'), kernels);
  }

  get outputLayerStart(): number {
    return this.readoutOffset;
  }

  init(rng: Rng): void {
    this.embed.init(this.embedParams(this.params), rng.fork('embed'));
    this.blocks.forEach((b, i) => b.init(this.blockParams(this.params, i), rng.fork(`block${i}`)));
    this.readout.init(this.readoutParams(this.params), rng.fork('readout'));
  }

  spawn(rng: Rng): LGATrNet {
    const net = new LGATrNet(this.config, this.kernels);
    net.init(rng);
    return net;
  }

  forward(x: Float64Array, n: number): Float64Array {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`LGATrNet: batch size must be a positive integer, got ${n}`);
    if (x.length < n * this.inputDim) throw new RangeError(`LGATrNet: x has ${x.length} values, need ${n}×${this.inputDim}`);
    const ws = this.workspaces.get(n);
    this.last = ws;
    const rows = n * this.particles;
    const C = this.config.channels;
    this.embedTokens(x, n, ws.input);
    this.embed.forward(this.embedParams(this.params), ws.input, rows, ws.stream[0]);
    this.blocks.forEach((b, i) => b.forward(this.blockParams(this.params, i), ws.stream[i], n, ws.blocks[i], ws.stream[i + 1]));
    this.ops.normForward(ws.stream[this.blocks.length], rows, C, ws.final, ws.finalNorm, ws.finalSq);
    this.readout.forward(this.readoutParams(this.params), ws.final, rows, ws.readout);
    // The scalar plane (blade 0) comes first: readout[r·K + o] is token r's invariant o.
    const K = this.outputDim;
    const P = this.particles;
    ws.out.fill(0);
    for (let pt = 0; pt < n; pt++) {
      for (let i = 0; i < P; i++) for (let o = 0; o < K; o++) ws.out[pt * K + o] += ws.readout[(pt * P + i) * K + o];
      for (let o = 0; o < K; o++) ws.out[pt * K + o] /= P;
    }
    return ws.out;
  }

  backward(dOut: Float64Array, dInput: Float64Array | null = null): void {
    const ws = this.last;
    if (ws === null) throw new Error('LGATrNet.backward before forward');
    const n = ws.n;
    const rows = n * this.particles;
    const C = this.config.channels;
    const K = this.outputDim;
    const P = this.particles;
    const s = ws.scratch();
    const d = ws.grads();
    this.grads.fill(0);
    d.readout.fill(0);
    for (let pt = 0; pt < n; pt++) for (let i = 0; i < P; i++) for (let o = 0; o < K; o++) d.readout[(pt * P + i) * K + o] = dOut[pt * K + o] / P;
    this.readout.backward(this.readoutParams(this.params), ws.final, rows, d.readout, this.readoutParams(this.grads), d.a);
    let cur = d.b;
    this.ops.normBackward(ws.stream[this.blocks.length], rows, C, ws.finalNorm, ws.finalSq, d.a, cur, s.dC.subarray(0, rows));
    let other = d.a;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      this.blocks[i].backward(this.blockParams(this.params, i), this.blockParams(this.grads, i), ws.stream[i], n, ws.blocks[i], s, cur, other);
      [cur, other] = [other, cur];
    }
    this.embed.backward(this.embedParams(this.params), ws.input, rows, cur, this.embedParams(this.grads), dInput === null ? null : d.input);
    if (dInput !== null) this.momentumGradient(d.input, n, dInput);
  }

  infer(x: Float64Array, n: number): Float64Array {
    if (n <= PREDICT_ROWS) return this.forward(x, n);
    const k = this.outputDim;
    if (this.inferOut.length < n * k) this.inferOut = new Float64Array(n * k);
    return this.predict(x, n, this.inferOut.subarray(0, n * k));
  }

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

  /** The network as multivector graph ops on one row of scaled momenta, in forward's order. */
  emit(g: GraphBuilder, x: Buf, params: Float64Array = this.params): Buf {
    const P = this.particles;
    const C = this.config.channels;
    const tokens = g.mvEmbed(x, { tokens: P, channels: this.inputChannels, blades: VECTOR_BLADES, classOf: Array.from(this.classOf) });
    let s = this.embed.emit(g, 'embed', tokens, this.embedParams(params), P);
    this.blocks.forEach((b, i) => {
      s = b.emit(g, this.blockParams(params, i), s, `block${i}`);
    });
    const final = g.mvNorm(s, { tokens: P, channels: C, metric: METRIC, eps: NORM_EPS });
    return g.mvReadout(this.readout.emit(g, 'readout', final, this.readoutParams(params), P), P, this.outputDim);
  }

  /** Tokens [16][n·P][1 + classes]: the momentum as the vector part of channel 0, the class one-hot in the scalar parts. */
  private embedTokens(x: Float64Array, n: number, t: Float64Array): void {
    const P = this.particles;
    const ch = this.inputChannels;
    const plane = n * P * ch;
    t.fill(0);
    for (let pt = 0; pt < n; pt++) {
      for (let i = 0; i < P; i++) {
        const r = pt * P + i;
        for (let mu = 0; mu < 4; mu++) t[VECTOR_BLADES[mu] * plane + r * ch] = x[pt * this.inputDim + 4 * i + mu];
        t[r * ch + 1 + this.classOf[i]] = 1;
      }
    }
  }

  /** dL/d(momenta) from dL/d(tokens): the vector parts of channel 0. */
  private momentumGradient(dt: Float64Array, n: number, dInput: Float64Array): void {
    const P = this.particles;
    const ch = this.inputChannels;
    const plane = n * P * ch;
    for (let pt = 0; pt < n; pt++) {
      for (let i = 0; i < P; i++) for (let mu = 0; mu < 4; mu++) dInput[pt * this.inputDim + 4 * i + mu] = dt[VECTOR_BLADES[mu] * plane + (pt * P + i) * ch];
    }
  }

  private embedParams(p: Float64Array): Float64Array {
    return p.subarray(0, this.embed.paramCount);
  }

  private blockParams(p: Float64Array, i: number): Float64Array {
    return p.subarray(this.blockOffsets[i], this.blockOffsets[i] + this.blocks[i].paramCount);
  }

  private readoutParams(p: Float64Array): Float64Array {
    return p.subarray(this.readoutOffset, this.paramCount);
  }
}
