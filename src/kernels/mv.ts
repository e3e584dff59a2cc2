// The native addon's L-GATr multivector ops (native/kernels/mv.h), as the
// addon exports them. They have no reference here: the reference is L-GATr's
// own TypeScript in src/nn/lgatr (ops.ts, attention.ts, equiLinear.ts), which
// binds the algebra's tables and chooses between the two
// (src/nn/lgatr/backend.ts). Tensors are component-major [16][rows][channels];
// `algebra` is GRADE, DUAL_SIGN and METRIC (48 numbers), `table` a bilinear
// product as (left, right, out, sign) per term. The addon checks every length.

export interface MvNative {
  mvLinearForward(algebra: Float64Array, cin: number, cout: number, w: Float64Array, x: Float64Array, rows: number, y: Float64Array): void;
  mvLinearBackward(
    algebra: Float64Array, cin: number, cout: number, w: Float64Array, x: Float64Array, rows: number,
    dy: Float64Array, g: Float64Array, dx: Float64Array | null,
  ): void;
  mvNormForward(
    algebra: Float64Array, eps: number, x: Float64Array, rows: number, c: number, y: Float64Array, norm: Float64Array, sq: Float64Array,
  ): void;
  mvNormBackward(
    algebra: Float64Array, x: Float64Array, rows: number, c: number, norm: Float64Array, sq: Float64Array,
    dy: Float64Array, dx: Float64Array, dot: Float64Array,
  ): void;
  mvGateForward(x: Float64Array, rows: number, c: number, y: Float64Array): void;
  mvGateBackward(x: Float64Array, rows: number, c: number, dy: Float64Array, dx: Float64Array): void;
  mvBilinearForward(table: Float64Array, x: Float64Array, y: Float64Array, plane: number, z: Float64Array): void;
  mvBilinearBackward(
    table: Float64Array, x: Float64Array, y: Float64Array, plane: number, dz: Float64Array, dx: Float64Array, dy: Float64Array,
  ): void;
  mvAttentionForward(
    algebra: Float64Array, particles: number, heads: number, headChannels: number, scale: number,
    q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, o: Float64Array,
  ): void;
  mvAttentionBackward(
    algebra: Float64Array, particles: number, heads: number, headChannels: number, scale: number,
    q: Float64Array, k: Float64Array, v: Float64Array, n: number, att: Float64Array, dout: Float64Array,
    dq: Float64Array, dk: Float64Array, dv: Float64Array, dAtt: Float64Array,
  ): void;
}

export const MV_FUNCTIONS = [
  'mvLinearForward', 'mvLinearBackward', 'mvNormForward', 'mvNormBackward', 'mvGateForward', 'mvGateBackward',
  'mvBilinearForward', 'mvBilinearBackward', 'mvAttentionForward', 'mvAttentionBackward',
] as const satisfies readonly (keyof MvNative)[];

/** The addon's multivector ops, or null when this build has none. */
export function mvOf(addon: object): MvNative | null {
  const rec = addon as Record<string, unknown>;
  if (!MV_FUNCTIONS.every((name) => typeof rec[name] === 'function')) return null;
  const fns = Object.fromEntries(MV_FUNCTIONS.map((name) => [name, (rec[name] as (...a: unknown[]) => void).bind(addon)]));
  return fns as unknown as MvNative;
}
