// L-GATr's parameter-free equivariant operations on component-major tensors
// [16][rows][channels] (src/nn/lgatr/equiLinear.ts has the layout), each a
// forward and its backward: the equivariant layer norm, the scalar-gated
// GELU, and a channel-wise bilinear product (geometric product or join).

import { activate, derivative } from '../../kernels/activations.js';
import { activationCode, type Activation } from '../../kernels/types.js';
import { METRIC, MV, type BilinearTable } from './algebra.js';

/** The gate's activation, as the model graph names it. */
export const GATE: Activation = { name: 'gelu', param: 0 };

const GELU = activationCode(GATE.name);

/**
 * Keeps the norm away from 0: a channel of lightlike vectors (massless
 * momenta) has ⟨x, x⟩ = 0, and all channels of a token can be nearly so.
 */
export const NORM_EPS = 1e-6;

/**
 * y = x / √(N_r) per token r, N_r = (1/C) Σ_c |⟨x_rc, x_rc⟩| + NORM_EPS: the
 * invariant inner product's absolute value, since it is indefinite. `norm`
 * (rows) keeps N_r for the backward.
 */
export function layerNormForward(x: Float64Array, rows: number, c: number, y: Float64Array, norm: Float64Array, sq: Float64Array): void {
  channelSquares(x, rows, c, sq);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.abs(sq[r * c + k]);
    norm[r] = s / c + NORM_EPS;
  }
  const plane = rows * c;
  for (let a = 0; a < MV; a++) {
    for (let r = 0; r < rows; r++) {
      const inv = 1 / Math.sqrt(norm[r]);
      const o = a * plane + r * c;
      for (let k = 0; k < c; k++) y[o + k] = x[o + k] * inv;
    }
  }
}

/** dx from dy; sq must still hold the forward's ⟨x_rc, x_rc⟩ and norm its N_r. */
export function layerNormBackward(
  x: Float64Array, rows: number, c: number, norm: Float64Array, sq: Float64Array, dy: Float64Array, dx: Float64Array, dot: Float64Array,
): void {
  // dL/dx = dy/√N − (dy·x) / (2 N^{3/2}) · ∂N/∂x, ∂N/∂x_rcA = 2 sign(⟨x_rc,x_rc⟩) η_A x_rcA / C.
  dot.fill(0, 0, rows);
  const plane = rows * c;
  for (let a = 0; a < MV; a++) {
    for (let r = 0; r < rows; r++) {
      const o = a * plane + r * c;
      let s = 0;
      for (let k = 0; k < c; k++) s += dy[o + k] * x[o + k];
      dot[r] += s;
    }
  }
  for (let a = 0; a < MV; a++) {
    const eta = METRIC[a];
    for (let r = 0; r < rows; r++) {
      const n = norm[r];
      const inv = 1 / Math.sqrt(n);
      const coef = (dot[r] * inv) / (n * c);
      const o = a * plane + r * c;
      for (let k = 0; k < c; k++) dx[o + k] = dy[o + k] * inv - coef * Math.sign(sq[r * c + k]) * eta * x[o + k];
    }
  }
}

/** sq[r·c + k] = ⟨x_rk, x_rk⟩. */
function channelSquares(x: Float64Array, rows: number, c: number, sq: Float64Array): void {
  const plane = rows * c;
  sq.fill(0, 0, plane);
  for (let a = 0; a < MV; a++) {
    const eta = METRIC[a];
    const o = a * plane;
    for (let i = 0; i < plane; i++) sq[i] += eta * x[o + i] * x[o + i];
  }
}

/** y = GELU(⟨x⟩_0) · x per channel: the gate reads the invariant scalar part only. */
export function gateForward(x: Float64Array, rows: number, c: number, y: Float64Array): void {
  const plane = rows * c;
  for (let i = 0; i < plane; i++) {
    const g = activate(GELU, 0, x[i]);
    for (let a = 0; a < MV; a++) y[a * plane + i] = g * x[a * plane + i];
  }
}

export function gateBackward(x: Float64Array, rows: number, c: number, dy: Float64Array, dx: Float64Array): void {
  const plane = rows * c;
  for (let i = 0; i < plane; i++) {
    const s = x[i];
    const g = activate(GELU, 0, s);
    let dot = 0;
    for (let a = 0; a < MV; a++) {
      dot += dy[a * plane + i] * x[a * plane + i];
      dx[a * plane + i] = g * dy[a * plane + i];
    }
    dx[i] += derivative(GELU, 0, s) * dot;
  }
}

/** z_c = x_c ∘ y_c channel by channel (∘ the table's product); z is overwritten. */
export function bilinearForward(t: BilinearTable, x: Float64Array, y: Float64Array, plane: number, z: Float64Array): void {
  z.fill(0, 0, MV * plane);
  for (let k = 0; k < t.sign.length; k++) {
    const s = t.sign[k];
    const xa = t.left[k] * plane;
    const yb = t.right[k] * plane;
    const zo = t.out[k] * plane;
    for (let i = 0; i < plane; i++) z[zo + i] += s * x[xa + i] * y[yb + i];
  }
}

/** dx, dy (overwritten) from dz. */
export function bilinearBackward(t: BilinearTable, x: Float64Array, y: Float64Array, plane: number, dz: Float64Array, dx: Float64Array, dy: Float64Array): void {
  dx.fill(0, 0, MV * plane);
  dy.fill(0, 0, MV * plane);
  for (let k = 0; k < t.sign.length; k++) {
    const s = t.sign[k];
    const xa = t.left[k] * plane;
    const yb = t.right[k] * plane;
    const zo = t.out[k] * plane;
    for (let i = 0; i < plane; i++) {
      const d = s * dz[zo + i];
      dx[xa + i] += d * y[yb + i];
      dy[yb + i] += d * x[xa + i];
    }
  }
}
