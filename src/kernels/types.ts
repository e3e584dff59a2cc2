// The contract between the numerical kernels and everything above them.
//
// Two implementations exist with identical semantics: the pure-TypeScript
// reference (src/kernels/reference.ts, obvious loops, the oracle in tests) and
// the native Node-API addon (native/, loaded by src/kernels/native.ts). Code
// above this line never knows which one it runs on.
//
// Conventions, fixed for every kernel:
// - float64 only; all matrices are dense row-major Float64Arrays.
// - A batch of n samples with d features is an n×d matrix (sample i at row i).
// - A dense layer's weight matrix W is nIn×nOut (so z = x·W + b), bias has nOut.
// - Output buffers are owned by the caller and fully overwritten unless the
//   kernel says it accumulates.
// - Results are deterministic: the native side partitions work statically
//   across threads (split over the batch) and reduces in a fixed order, so the
//   same inputs and thread count give the same bits.

/** Activations, in the order of their integer codes (the native ABI uses the codes). */
export const ACTIVATIONS = ['linear', 'relu', 'leaky_relu', 'elu', 'softplus', 'gelu', 'silu', 'tanh'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function activationCode(name: ActivationName): number {
  return ACTIVATIONS.indexOf(name);
}

/**
 * An activation with its one parameter: the negative slope for leaky_relu
 * (paper 1 uses Keras' LeakyReLU, slope 0.3 by default there; ampfit's default
 * is set by the model config), alpha for elu; ignored by the others.
 * gelu is the exact erf form, softplus is log(1 + e^z) computed stably.
 */
export interface Activation {
  readonly name: ActivationName;
  readonly param: number;
}

export interface Kernels {
  readonly backend: 'native' | 'typescript';

  /** Number of threads the kernels split batches over (1 for the reference). */
  threads(): number;
  setThreads(n: number): void;

  /**
   * General matrix product, BLAS semantics on row-major storage:
   * C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, leading
   * dimensions lda/ldb/ldc (row strides). beta = 0 means C is not read.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Float64Array, lda: number, b: Float64Array, ldb: number,
    beta: number, c: Float64Array, ldc: number,
  ): void;

  /**
   * Dense layer forward for n samples: z = x·W + b (+ residual, if given),
   * y = act(z). x is n×nIn, W nIn×nOut, b nOut, residual/z/y n×nOut.
   * z is kept because the backward pass needs the pre-activation.
   * When act is linear, y may be the same array as z.
   */
  denseForward(
    x: Float64Array, n: number, nIn: number, w: Float64Array, b: Float64Array | null,
    nOut: number, act: Activation, residual: Float64Array | null,
    z: Float64Array, y: Float64Array,
  ): void;

  /**
   * Dense layer backward, given dL/dy (n×nOut) and the forward's z and y:
   * dz = dy ⊙ act'(z) is written into dz (n×nOut; may be the same array as dy),
   * gw (nIn×nOut) = xᵀ·dz and gb (nOut) = column sums of dz — both accumulated
   * into (+=) when accumulate is true, overwritten otherwise —
   * and dx (n×nIn) = dz·Wᵀ unless dx is null (first layer).
   */
  denseBackward(
    x: Float64Array, n: number, nIn: number, w: Float64Array, nOut: number, act: Activation,
    z: Float64Array, y: Float64Array, dy: Float64Array, dz: Float64Array,
    dx: Float64Array | null, gw: Float64Array, gb: Float64Array | null, accumulate: boolean,
  ): void;

  /**
   * One Adam step (Kingma & Ba, with bias correction; no weight decay) on a
   * flat parameter vector: m, v are the moment buffers, step is the 1-based
   * step count after this update.
   */
  adamStep(
    p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array,
    lr: number, beta1: number, beta2: number, eps: number, step: number,
  ): void;
}
