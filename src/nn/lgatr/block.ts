// One L-GATr transformer block on the residual stream x ([16][rows][C]):
//   x ← x + Lo(attention(Lq h, Lk h, Lv h)),          h = LN(x)
//   x ← x + Lg(gate(Ll h ⋅ Lr h)) + Lj(gate(Lp h ∨ Lq′ h)),  h = LN(x)
// (⋅ the geometric product, ∨ the join, channel by channel). Every piece is
// Lorentz equivariant, and no piece mixes tokens except the attention, whose
// weights depend on invariants only — so the block is equivariant under both
// Lorentz transformations and permutations of identical particles.

import type { Kernels } from '../../kernels/types.js';
import type { Rng } from '../../util/rng.js';
import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import { GEOMETRIC_PRODUCT, graphTable, JOIN, METRIC, MV } from './algebra.js';
import { Attention } from './attention.js';
import { EquiLinear } from './equiLinear.js';
import { mvOps, type MvOps } from './backend.js';
import { GATE, NORM_EPS } from './ops.js';

/** The per-batch buffers of one block (the forward's values the backward reads, and its scratch). */
export class BlockBuffers {
  readonly norm1: Float64Array;
  readonly norm2: Float64Array;
  readonly dot: Float64Array;
  readonly sq1: Float64Array;
  readonly sq2: Float64Array;
  readonly h1: Float64Array;
  readonly h2: Float64Array;
  readonly x1: Float64Array;
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;
  readonly att: Float64Array;
  readonly o: Float64Array;
  /** l, r (geometric product) and lj, rj (join) factors, then their products and the gated products. */
  readonly l: Float64Array;
  readonly r: Float64Array;
  readonly lj: Float64Array;
  readonly rj: Float64Array;
  readonly gp: Float64Array;
  readonly jn: Float64Array;
  readonly ggp: Float64Array;
  readonly gjn: Float64Array;
  /** The join branch's output before it joins the stream. */
  readonly joinOut: Float64Array;

  constructor(b: Block, n: number) {
    const rows = n * b.particles;
    const mv = (c: number): Float64Array => new Float64Array(MV * rows * c);
    const { channels: C } = b;
    const W = b.attention.width;
    const B = b.bilinearChannels;
    this.norm1 = new Float64Array(rows);
    this.norm2 = new Float64Array(rows);
    this.dot = new Float64Array(rows);
    this.sq1 = new Float64Array(rows * C);
    this.sq2 = new Float64Array(rows * C);
    this.h1 = mv(C);
    this.h2 = mv(C);
    this.x1 = mv(C);
    this.q = mv(W);
    this.k = mv(W);
    this.v = mv(W);
    this.o = mv(W);
    this.att = new Float64Array(n * b.attention.heads * b.particles * b.particles);
    this.l = mv(B);
    this.r = mv(B);
    this.lj = mv(B);
    this.rj = mv(B);
    this.gp = mv(B);
    this.jn = mv(B);
    this.ggp = mv(B);
    this.gjn = mv(B);
    this.joinOut = mv(C);
  }
}

/** Backward scratch, shared by all blocks of a network (they run one after another). */
export class BlockScratch {
  readonly dC: Float64Array;
  readonly dC2: Float64Array;
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
  readonly dW: Float64Array;
  readonly dAtt: Float64Array;
  readonly dB: Float64Array[];

  constructor(b: Block, n: number) {
    const rows = n * b.particles;
    const mv = (c: number): Float64Array => new Float64Array(MV * rows * c);
    const W = b.attention.width;
    this.dC = mv(b.channels);
    this.dC2 = mv(b.channels);
    this.dq = mv(W);
    this.dk = mv(W);
    this.dv = mv(W);
    this.dW = mv(W);
    this.dAtt = new Float64Array(n * b.attention.heads * b.particles * b.particles);
    this.dB = Array.from({ length: 4 }, () => mv(b.bilinearChannels));
  }
}

export class Block {
  readonly attention: Attention;
  readonly paramCount: number;
  private readonly linears: { readonly lin: EquiLinear; readonly offset: number }[] = [];
  private readonly lq: number;
  private readonly lk: number;
  private readonly lv: number;
  private readonly lo: number;
  private readonly factors: readonly number[];
  private readonly lgp: number;
  private readonly ljn: number;
  private readonly ops: MvOps;

  constructor(
    readonly particles: number, readonly channels: number, heads: number, headChannels: number,
    readonly bilinearChannels: number, kernels: Kernels,
  ) {
    this.attention = new Attention(particles, heads, headChannels);
    this.ops = mvOps(kernels, NORM_EPS);
    const W = this.attention.width;
    let offset = 0;
    const add = (cin: number, cout: number): number => {
      const lin = new EquiLinear(cin, cout, kernels);
      this.linears.push({ lin, offset });
      offset += lin.paramCount;
      return this.linears.length - 1;
    };
    this.lq = add(channels, W);
    this.lk = add(channels, W);
    this.lv = add(channels, W);
    this.lo = add(W, channels);
    this.factors = [0, 1, 2, 3].map(() => add(channels, bilinearChannels));
    this.lgp = add(bilinearChannels, channels);
    this.ljn = add(bilinearChannels, channels);
    this.paramCount = offset;
  }

  init(p: Float64Array, rng: Rng): void {
    this.linears.forEach(({ lin }, i) => lin.init(this.part(p, i), rng.fork(`linear${i}`)));
  }

  /** out = block(x), both [16][n·P][C]; buf keeps what backward needs. */
  forward(p: Float64Array, x: Float64Array, n: number, buf: BlockBuffers, out: Float64Array): void {
    const rows = n * this.particles;
    const C = this.channels;
    const B = this.bilinearChannels;
    this.ops.normForward(x, rows, C, buf.h1, buf.norm1, buf.sq1);
    this.lin(this.lq, p, buf.h1, rows, buf.q);
    this.lin(this.lk, p, buf.h1, rows, buf.k);
    this.lin(this.lv, p, buf.h1, rows, buf.v);
    this.ops.attentionForward(this.attention, buf.q, buf.k, buf.v, n, buf.att, buf.o);
    this.lin(this.lo, p, buf.o, rows, buf.x1);
    addInto(buf.x1, x);
    this.ops.normForward(buf.x1, rows, C, buf.h2, buf.norm2, buf.sq2);
    const [fl, fr, fjl, fjr] = this.factors;
    this.lin(fl, p, buf.h2, rows, buf.l);
    this.lin(fr, p, buf.h2, rows, buf.r);
    this.lin(fjl, p, buf.h2, rows, buf.lj);
    this.lin(fjr, p, buf.h2, rows, buf.rj);
    this.ops.bilinearForward(GEOMETRIC_PRODUCT, buf.l, buf.r, rows * B, buf.gp);
    this.ops.bilinearForward(JOIN, buf.lj, buf.rj, rows * B, buf.jn);
    this.ops.gateForward(buf.gp, rows, B, buf.ggp);
    this.ops.gateForward(buf.jn, rows, B, buf.gjn);
    this.lin(this.lgp, p, buf.ggp, rows, out);
    addInto(out, buf.x1);
    this.lin(this.ljn, p, buf.gjn, rows, buf.joinOut);
    addInto(out, buf.joinOut);
  }

  /**
   * Backward of the last forward with buf: g += dL/dp, dx (overwritten) = dL/dx
   * from dOut (not modified). Needs x, the forward's input.
   */
  backward(p: Float64Array, g: Float64Array, x: Float64Array, n: number, buf: BlockBuffers, s: BlockScratch, dOut: Float64Array, dx: Float64Array): void {
    const rows = n * this.particles;
    const C = this.channels;
    const B = this.bilinearChannels;
    const [dl, dr, dlj, drj] = s.dB;
    // MLP half: dx1 = dOut + (the path through LN₂).
    this.linBack(this.lgp, p, g, buf.ggp, rows, dOut, dl);
    this.ops.gateBackward(buf.gp, rows, B, dl, dr);
    this.ops.bilinearBackward(GEOMETRIC_PRODUCT, buf.l, buf.r, rows * B, dr, dlj, drj);
    // dlj, drj now hold d(l), d(r); push them to dh2 before reusing the buffers for the join.
    this.linBack(this.factors[0], p, g, buf.h2, rows, dlj, s.dC);
    this.linBack(this.factors[1], p, g, buf.h2, rows, drj, s.dC2);
    addInto(s.dC, s.dC2);
    this.linBack(this.ljn, p, g, buf.gjn, rows, dOut, dl);
    this.ops.gateBackward(buf.jn, rows, B, dl, dr);
    this.ops.bilinearBackward(JOIN, buf.lj, buf.rj, rows * B, dr, dlj, drj);
    this.linBack(this.factors[2], p, g, buf.h2, rows, dlj, s.dC2);
    addInto(s.dC, s.dC2);
    this.linBack(this.factors[3], p, g, buf.h2, rows, drj, s.dC2);
    addInto(s.dC, s.dC2);
    // dx1 into dx: dOut + LN₂ backward of dh2 (s.dC).
    this.ops.normBackward(buf.x1, rows, C, buf.norm2, buf.sq2, s.dC, dx, buf.dot);
    addInto(dx, dOut);
    // Attention half: dx = dx1 + (the path through LN₁).
    this.linBack(this.lo, p, g, buf.o, rows, dx, s.dW);
    this.ops.attentionBackward(this.attention, buf.q, buf.k, buf.v, n, buf.att, s.dW, s.dq, s.dk, s.dv, s.dAtt);
    this.linBack(this.lq, p, g, buf.h1, rows, s.dq, s.dC);
    this.linBack(this.lk, p, g, buf.h1, rows, s.dk, s.dC2);
    addInto(s.dC, s.dC2);
    this.linBack(this.lv, p, g, buf.h1, rows, s.dv, s.dC2);
    addInto(s.dC, s.dC2);
    this.ops.normBackward(x, rows, C, buf.norm1, buf.sq1, s.dC, s.dC2, buf.dot);
    addInto(dx, s.dC2);
  }

  /** The block as graph ops on one point's tokens, statement for statement as forward. */
  emit(g: GraphBuilder, p: Float64Array, x: Buf, name: string): Buf {
    const P = this.particles;
    const C = this.channels;
    const B = this.bilinearChannels;
    const lin = (i: number, input: Buf, label: string, residual: Buf | null = null): Buf =>
      this.linears[i].lin.emit(g, `${name}.${label}`, input, this.part(p, i), P, residual);
    const h1 = g.mvNorm(x, { tokens: P, channels: C, metric: METRIC, eps: NORM_EPS });
    const { heads, headChannels } = this.attention;
    const o = g.mvAttention(lin(this.lq, h1, 'q'), lin(this.lk, h1, 'k'), lin(this.lv, h1, 'v'), {
      tokens: P, channels: this.attention.width, heads, headChannels, scale: this.attention.scale, metric: METRIC,
    });
    const x1 = lin(this.lo, o, 'o', x);
    const h2 = g.mvNorm(x1, { tokens: P, channels: C, metric: METRIC, eps: NORM_EPS });
    const [fl, fr, fjl, fjr] = this.factors;
    const gp = g.mvBilinear(lin(fl, h2, 'l'), lin(fr, h2, 'r'), { tokens: P, channels: B, product: 'geometric', table: graphTable(GEOMETRIC_PRODUCT) });
    const jn = g.mvBilinear(lin(fjl, h2, 'jl'), lin(fjr, h2, 'jr'), { tokens: P, channels: B, product: 'join', table: graphTable(JOIN) });
    const afterGp = lin(this.lgp, g.mvGate(gp, P, B, GATE), 'gp', x1);
    // forward adds the join branch to (gp branch + x1): the same sum, a + b = b + a exactly.
    return lin(this.ljn, g.mvGate(jn, P, B, GATE), 'join', afterGp);
  }

  private lin(i: number, p: Float64Array, x: Float64Array, rows: number, y: Float64Array): void {
    this.linears[i].lin.forward(this.part(p, i), x, rows, y);
  }

  private linBack(i: number, p: Float64Array, g: Float64Array, x: Float64Array, rows: number, dy: Float64Array, dx: Float64Array): void {
    this.linears[i].lin.backward(this.part(p, i), x, rows, dy, this.part(g, i), dx);
  }

  private part(p: Float64Array, i: number): Float64Array {
    const { lin, offset } = this.linears[i];
    return p.subarray(offset, offset + lin.paramCount);
  }
}

function addInto(y: Float64Array, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += x[i];
}
