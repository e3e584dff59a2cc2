// Multi-head attention over the particles of each point with L-GATr's
// invariant logits: logit_ij = Σ_(c ∈ head) ⟨q_ic, k_jc⟩ / √(16·C_head), the
// Minkowski inner product of multivectors, so the weights are Lorentz
// invariant and the output v-mixture equivariant. No positions enter, so the
// map is permutation equivariant; the particle types come in as features.
//
// Tensors are component-major [16][n·P][H·C_head] (src/nn/lgatr/equiLinear.ts);
// att holds the softmax weights [n][H][P][P] for the backward.

import { METRIC, MV } from './algebra.js';

export class Attention {
  readonly width: number;
  /** 1/√(16·C_head), the logits' scale. */
  readonly scale: number;

  constructor(readonly particles: number, readonly heads: number, readonly headChannels: number) {
    this.width = heads * headChannels;
    this.scale = 1 / Math.sqrt(MV * headChannels);
  }

  /** att (n·H·P·P) and o ([16][n·P][H·Ch], overwritten). */
  forward(q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, o: Float64Array): void {
    const { particles: P, heads: H, headChannels: Ch, width: W } = this;
    const plane = n * P * W;
    att.fill(0, 0, n * H * P * P);
    for (let a = 0; a < MV; a++) {
      const s = METRIC[a] * this.scale;
      const base = a * plane;
      for (let pt = 0; pt < n; pt++) {
        for (let h = 0; h < H; h++) {
          for (let i = 0; i < P; i++) {
            const qi = base + (pt * P + i) * W + h * Ch;
            const row = ((pt * H + h) * P + i) * P;
            for (let j = 0; j < P; j++) {
              const kj = base + (pt * P + j) * W + h * Ch;
              let d = 0;
              for (let c = 0; c < Ch; c++) d += q[qi + c] * k[kj + c];
              att[row + j] += s * d;
            }
          }
        }
      }
    }
    for (let row = 0; row < n * H * P; row++) softmaxInPlace(att, row * P, P);
    o.fill(0, 0, MV * plane);
    for (let a = 0; a < MV; a++) {
      const base = a * plane;
      for (let pt = 0; pt < n; pt++) {
        for (let h = 0; h < H; h++) {
          for (let i = 0; i < P; i++) {
            const oi = base + (pt * P + i) * W + h * Ch;
            const row = ((pt * H + h) * P + i) * P;
            for (let j = 0; j < P; j++) {
              const w = att[row + j];
              const vj = base + (pt * P + j) * W + h * Ch;
              for (let c = 0; c < Ch; c++) o[oi + c] += w * v[vj + c];
            }
          }
        }
      }
    }
  }

  /** dq, dk, dv (overwritten) from do; dAtt is scratch of att's size. */
  backward(
    q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, dout: Float64Array,
    dq: Float64Array, dk: Float64Array, dv: Float64Array, dAtt: Float64Array,
  ): void {
    const { particles: P, heads: H, headChannels: Ch, width: W } = this;
    const plane = n * P * W;
    dAtt.fill(0, 0, n * H * P * P);
    dv.fill(0, 0, MV * plane);
    for (let a = 0; a < MV; a++) {
      const base = a * plane;
      for (let pt = 0; pt < n; pt++) {
        for (let h = 0; h < H; h++) {
          for (let i = 0; i < P; i++) {
            const oi = base + (pt * P + i) * W + h * Ch;
            const row = ((pt * H + h) * P + i) * P;
            for (let j = 0; j < P; j++) {
              const vj = base + (pt * P + j) * W + h * Ch;
              const w = att[row + j];
              let d = 0;
              for (let c = 0; c < Ch; c++) {
                d += dout[oi + c] * v[vj + c];
                dv[vj + c] += w * dout[oi + c];
              }
              dAtt[row + j] += d;
            }
          }
        }
      }
    }
    // Softmax backward in place: dlogit_ij = a_ij (dA_ij − Σ_l a_il dA_il).
    for (let row = 0; row < n * H * P; row++) {
      const o = row * P;
      let s = 0;
      for (let j = 0; j < P; j++) s += att[o + j] * dAtt[o + j];
      for (let j = 0; j < P; j++) dAtt[o + j] = att[o + j] * (dAtt[o + j] - s);
    }
    dq.fill(0, 0, MV * plane);
    dk.fill(0, 0, MV * plane);
    for (let a = 0; a < MV; a++) {
      const s = METRIC[a] * this.scale;
      const base = a * plane;
      for (let pt = 0; pt < n; pt++) {
        for (let h = 0; h < H; h++) {
          for (let i = 0; i < P; i++) {
            const qi = base + (pt * P + i) * W + h * Ch;
            const row = ((pt * H + h) * P + i) * P;
            for (let j = 0; j < P; j++) {
              const kj = base + (pt * P + j) * W + h * Ch;
              const g = s * dAtt[row + j];
              for (let c = 0; c < Ch; c++) {
                dq[qi + c] += g * k[kj + c];
                dk[kj + c] += g * q[qi + c];
              }
            }
          }
        }
      }
    }
  }
}

function softmaxInPlace(x: Float64Array, o: number, m: number): void {
  let max = -Infinity;
  for (let j = 0; j < m; j++) max = Math.max(max, x[o + j]);
  let sum = 0;
  for (let j = 0; j < m; j++) {
    const e = Math.exp(x[o + j] - max);
    x[o + j] = e;
    sum += e;
  }
  for (let j = 0; j < m; j++) x[o + j] /= sum;
}
