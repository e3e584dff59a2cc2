// Where L-GATr's parameter-free ops and its attention run: the TypeScript of
// ops.ts and attention.ts (the reference, backend 'typescript'), or the
// native addon's fused kernels (native/kernels/mv.c) when the kernels are
// native and built with them. Both have the same semantics; the native ones
// agree with the reference to rounding (test/nn/lgatr/backend.test.ts).

import type { Kernels } from '../../kernels/types.js';
import type { MvNative } from '../../kernels/mv.js';
import { DUAL_SIGN, GEOMETRIC_PRODUCT, GRADE, JOIN, METRIC, type BilinearTable } from './algebra.js';
import type { Attention } from './attention.js';
import { bilinearBackward, bilinearForward, gateBackward, gateForward, layerNormBackward, layerNormForward } from './ops.js';

/** The ops a block runs between its linear maps, with ops.ts's and Attention's signatures. */
export interface MvOps {
  normForward(x: Float64Array, rows: number, c: number, y: Float64Array, norm: Float64Array, sq: Float64Array): void;
  normBackward(x: Float64Array, rows: number, c: number, norm: Float64Array, sq: Float64Array, dy: Float64Array, dx: Float64Array, dot: Float64Array): void;
  gateForward(x: Float64Array, rows: number, c: number, y: Float64Array): void;
  gateBackward(x: Float64Array, rows: number, c: number, dy: Float64Array, dx: Float64Array): void;
  bilinearForward(t: BilinearTable, x: Float64Array, y: Float64Array, plane: number, z: Float64Array): void;
  bilinearBackward(t: BilinearTable, x: Float64Array, y: Float64Array, plane: number, dz: Float64Array, dx: Float64Array, dy: Float64Array): void;
  attentionForward(a: Attention, q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, o: Float64Array): void;
  attentionBackward(
    a: Attention, q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, dout: Float64Array,
    dq: Float64Array, dk: Float64Array, dv: Float64Array, dAtt: Float64Array,
  ): void;
}

export const REFERENCE_OPS: MvOps = {
  normForward: layerNormForward,
  normBackward: layerNormBackward,
  gateForward,
  gateBackward,
  bilinearForward,
  bilinearBackward,
  attentionForward: (a, q, k, v, n, att, o) => a.forward(q, k, v, n, att, o),
  attentionBackward: (a, q, k, v, n, att, dout, dq, dk, dv, dAtt) => a.backward(q, k, v, n, att, dout, dq, dk, dv, dAtt),
};

/** GRADE, DUAL_SIGN, METRIC: the algebra as the native kernels read it. */
export const ALGEBRA = Float64Array.from([...GRADE, ...DUAL_SIGN, ...METRIC]);

/** A bilinear table as (left, right, out, sign) per term. */
function packTable(t: BilinearTable): Float64Array {
  const p = new Float64Array(4 * t.sign.length);
  for (let k = 0; k < t.sign.length; k++) p.set([t.left[k], t.right[k], t.out[k], t.sign[k]], 4 * k);
  return p;
}

const PACKED = new Map<BilinearTable, Float64Array>([
  [GEOMETRIC_PRODUCT, packTable(GEOMETRIC_PRODUCT)],
  [JOIN, packTable(JOIN)],
]);

function packed(t: BilinearTable): Float64Array {
  let p = PACKED.get(t);
  if (p === undefined) {
    p = packTable(t);
    PACKED.set(t, p);
  }
  return p;
}

/** The native ops; `eps` is the layer norm's (ops.ts NORM_EPS). */
function nativeOps(mv: MvNative, eps: number): MvOps {
  return {
    normForward: (x, rows, c, y, norm, sq) => mv.mvNormForward(ALGEBRA, eps, x, rows, c, y, norm, sq),
    normBackward: (x, rows, c, norm, sq, dy, dx, dot) => mv.mvNormBackward(ALGEBRA, x, rows, c, norm, sq, dy, dx, dot),
    gateForward: (x, rows, c, y) => mv.mvGateForward(x, rows, c, y),
    gateBackward: (x, rows, c, dy, dx) => mv.mvGateBackward(x, rows, c, dy, dx),
    bilinearForward: (t, x, y, plane, z) => mv.mvBilinearForward(packed(t), x, y, plane, z),
    bilinearBackward: (t, x, y, plane, dz, dx, dy) => mv.mvBilinearBackward(packed(t), x, y, plane, dz, dx, dy),
    attentionForward: (a, q, k, v, n, att, o) =>
      mv.mvAttentionForward(ALGEBRA, a.particles, a.heads, a.headChannels, a.scale, q, k, v, n, att, o),
    attentionBackward: (a, q, k, v, n, att, dout, dq, dk, dv, dAtt) =>
      mv.mvAttentionBackward(ALGEBRA, a.particles, a.heads, a.headChannels, a.scale, q, k, v, n, att, dout, dq, dk, dv, dAtt),
  };
}

/** The ops for these kernels: native when they have them, else the reference. */
export function mvOps(kernels: Kernels, eps: number): MvOps {
  return kernels.mv === undefined ? REFERENCE_OPS : nativeOps(kernels.mv, eps);
}
