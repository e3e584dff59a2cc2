// The Deep Sets embedding of paper 2: one small network per particle type,
// applied to every particle of that type (shared weights), the embeddings
// concatenated in the fixed particle order; any extra features (DSI's
// invariants) pass through after them. An MLP head follows in the Chain.
//
// Input row: [p_1 (4) … p_P (4), extras (E)]; output row: [φ(p_1) (L) … φ(p_P) (L), extras].
// Sharing is done by stacking: the n·k particles of a type become n·k rows of
// one batch through that type's chain, so its gradients sum over them.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import type { Rng } from '../../util/rng.js';
import { Chain } from './chain.js';
import { Scratch, type Layer } from './layer.js';

const MOMENTUM = 4;

interface TypeGroup {
  readonly type: string;
  /** Positions of this type's particles in the row, in order. */
  readonly members: readonly number[];
  readonly chain: Chain;
  readonly offset: number;
  readonly input: Scratch;
  readonly dInput: Scratch;
  readonly dOutput: Scratch;
}

export class ParticleEmbedding implements Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly paramCount: number;
  private readonly groups: TypeGroup[] = [];
  private readonly latent: number;

  /**
   * `types[q]` is particle q's type; `embed(type)` builds that type's chain
   * (4 inputs → latent outputs), called once per distinct type, in order of first appearance.
   */
  constructor(readonly name: string, private readonly types: readonly string[], private readonly extras: number, embed: (type: string) => Chain) {
    let offset = 0;
    let latent = -1;
    for (const type of types) {
      if (this.groups.some((g) => g.type === type)) continue;
      const members = types.flatMap((t, q) => (t === type ? [q] : []));
      const chain = embed(type);
      if (chain.nIn !== MOMENTUM) throw new RangeError(`${name}: the embedding of '${type}' takes ${chain.nIn} inputs, not 4`);
      if (latent >= 0 && chain.nOut !== latent) throw new RangeError(`${name}: embeddings must share one latent width`);
      latent = chain.nOut;
      const k = members.length;
      this.groups.push({
        type, members, chain, offset,
        input: new Scratch(k * MOMENTUM), dInput: new Scratch(k * MOMENTUM), dOutput: new Scratch(k * chain.nOut),
      });
      offset += chain.paramCount;
    }
    this.latent = latent;
    this.paramCount = offset;
    this.nIn = MOMENTUM * types.length + extras;
    this.nOut = latent * types.length + extras;
  }

  init(p: Float64Array, rng: Rng): void {
    for (const g of this.groups) g.chain.init(this.slice(p, g), rng.fork(`embed.${g.type}`));
  }

  forward(p: Float64Array, x: Float64Array, n: number, y: Float64Array): void {
    const L = this.latent;
    for (const g of this.groups) {
      const k = g.members.length;
      const xin = g.input.get(n);
      this.move(x, this.nIn, MOMENTUM, xin, g.members, n, 'gather');
      const out = g.chain.forward(this.slice(p, g), xin, n * k);
      this.move(out, this.nOut, L, y, g.members, n, 'scatter');
    }
    this.copyExtras(x, this.nIn, y, this.nOut, n);
  }

  backward(p: Float64Array, _x: Float64Array, n: number, _y: Float64Array, dy: Float64Array, gr: Float64Array, dx: Float64Array | null): void {
    const L = this.latent;
    for (const g of this.groups) {
      const dOut = g.dOutput.get(n);
      this.move(dy, this.nOut, L, dOut, g.members, n, 'gather');
      // The chain's last forward was with n·k rows of g.input: the batch being differentiated.
      const dIn = dx === null ? null : g.dInput.get(n);
      g.chain.backward(this.slice(p, g), this.slice(gr, g), dOut, dIn);
      if (dx !== null && dIn !== null) this.move(dIn, this.nIn, MOMENTUM, dx, g.members, n, 'scatter');
    }
    if (dx !== null) this.copyExtras(dy, this.nOut, dx, this.nIn, n);
  }

  /** Per row, exactly as forward: each particle through its type's chain (shared weights), in particle order, then the extras. */
  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf {
    const parts: Buf[] = this.types.map((type, q) => {
      const group = this.groups.find((t) => t.type === type) as TypeGroup;
      const momentum = g.gather(x, [0, 1, 2, 3].map((c) => q * MOMENTUM + c));
      return group.chain.emit(g, this.slice(p, group), momentum);
    });
    if (this.extras > 0) parts.push(g.gather(x, Array.from({ length: this.extras }, (_, e) => this.nIn - this.extras + e)));
    return g.concat(parts);
  }

  /**
   * Between a row layout (n rows of `rowWidth`, particle q's `w` values at
   * q·w) and a type's stacked layout (row r's m-th member at (r·k + m)·w):
   * 'gather' reads rows into the stack, 'scatter' writes the stack into rows.
   */
  private move(
    from: Float64Array, rowWidth: number, w: number, to: Float64Array, members: readonly number[], n: number, dir: 'gather' | 'scatter',
  ): void {
    const k = members.length;
    for (let r = 0; r < n; r++) {
      for (let m = 0; m < k; m++) {
        const rowAt = r * rowWidth + members[m] * w;
        const stackAt = (r * k + m) * w;
        if (dir === 'gather') for (let c = 0; c < w; c++) to[stackAt + c] = from[rowAt + c];
        else for (let c = 0; c < w; c++) to[rowAt + c] = from[stackAt + c];
      }
    }
  }

  private copyExtras(from: Float64Array, fromW: number, to: Float64Array, toW: number, n: number): void {
    if (this.extras === 0) return;
    for (let r = 0; r < n; r++) {
      to.set(from.subarray(r * fromW + fromW - this.extras, (r + 1) * fromW), r * toW + toW - this.extras);
    }
  }

  private slice(p: Float64Array, g: TypeGroup): Float64Array {
    return p.subarray(g.offset, g.offset + g.chain.paramCount);
  }
}
