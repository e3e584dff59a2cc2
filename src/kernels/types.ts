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

import type { MvNative } from './mv.js';
import type { AngularHeadBuffers, AngularHeadCoefficients, AngularHeadShape } from './angularHead.js';

/**
 * Row-major bin indices of a binned feature matrix for histogram trees (row i,
 * feature f at i*d + f): Uint8Array when every feature has at most 256 bins,
 * Uint16Array otherwise.
 */
export type BinMatrix = Uint8Array | Uint16Array;

/**
 * Histograms of nodes with more rows than this are summed in blocks of this
 * many rows (in rows order), and the block sums added in block order. The
 * constant fixes the summation order, so histograms — and the trees grown from
 * them — have the same bits on every backend and thread count.
 */
export const HIST_BLOCK_ROWS = 8192;

/** splitFind's direct path (no histogram) takes nodes of at most this many rows. */
export const DIRECT_MAX_ROWS = 65536;

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

  /** L-GATr's multivector ops (src/kernels/mv.ts), native builds only: their reference lives with L-GATr. */
  readonly mv?: MvNative;

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

  /**
   * Rational activation y = P(x)/Q(x) with learnable coefficients, element by
   * element over an n×width matrix whose channels form `groups` contiguous
   * groups sharing coef[g·(degP+1+degQ) ..] = a_0..a_degP, b_1..b_degQ;
   * Q = 1 + Σ|b_k x^k| (src/kernels/rational.ts has the formulas).
   */
  rationalForward(
    x: Float64Array, n: number, width: number, groups: number, degP: number, degQ: number,
    coef: Float64Array, y: Float64Array,
  ): void;

  /**
   * Its backward pass: dx = dy ⊙ dF/dx (skipped when dx is null; dx may be
   * dy) and gcoef (overwritten) = dL/dcoef, each group's terms per row added in
   * laneSum's fixed order (src/kernels/rational.ts).
   */
  rationalBackward(
    x: Float64Array, n: number, width: number, groups: number, degP: number, degQ: number,
    coef: Float64Array, dy: Float64Array, dx: Float64Array | null, gcoef: Float64Array,
  ): void;

  /**
   * KAN feature expansion (src/kernels/kan.ts): each of the n×nIn values of x
   * becomes grid + 4 features in f — silu, then the cubic B-splines of a
   * uniform grid of `grid` intervals on [lo, hi] extended by 3 knots a side.
   */
  kanExpand(x: Float64Array, n: number, nIn: number, grid: number, lo: number, hi: number, f: Float64Array): void;

  /** Its backward: dx[e] = Σ_m df[e·(grid+4) + m] · dF_m/dv at x[e]. */
  kanExpandBackward(
    x: Float64Array, n: number, nIn: number, grid: number, lo: number, hi: number, df: Float64Array, dx: Float64Array,
  ): void;

  /**
   * The harmonic angular head's contractions for n rows (src/kernels/angularHead.ts):
   * from the decay angles (n × 2·decays) and the inner outputs o (n × m),
   * the basis, z, v = (I + αL)ᵀz and per row p, qRaw, qMean. Every buffer
   * has exactly its rows' length (n × K, n × Z, n).
   */
  angularHeadForward(s: AngularHeadShape, n: number, angles: Float64Array, o: Float64Array, out: AngularHeadBuffers): void;

  /** Its backward: the L and e columns of dInner (n × m) from the forward's buffers and the per-row coefficients. */
  angularHeadBackward(
    s: AngularHeadShape, n: number, o: Float64Array, fwd: AngularHeadBuffers, c: AngularHeadCoefficients, dInner: Float64Array,
  ): void;

  // ---- histogram gradient-boosted trees (src/models/gbdt) ----
  //
  // Shared arguments: `bins` is the n×d BinMatrix of the training (or
  // validation) rows; `binOffset` (d+1 ascending int32, from 0) places feature
  // f's bins at binOffset[f]..binOffset[f+1]) of a node histogram of
  // B = binOffset[d] bins; `gpair` holds (gradient, hessian) of row r at 2r,
  // 2r+1; `rows` is the row index array the tree partitions, node j owning
  // rows[begin[j] .. end[j]). A node histogram is 2·B doubles, (G, H) per bin,
  // in slot s of `hist` at offset 2·B·s. Node lists that write must not
  // overlap (ranges ascending and disjoint, slots distinct). Every node's
  // result is computed by one fixed sequence of operations, whatever the
  // thread count, so results have the same bits on both backends.

  /**
   * Gradient histograms of nodes: slot[j] of hist = per bin, the sums of the
   * gradient pairs of node j's rows, taken in rows order; nodes of more than
   * HIST_BLOCK_ROWS rows are summed per block of that many rows and the block
   * sums added in block order.
   */
  histBuild(
    bins: BinMatrix, d: number, binOffset: Int32Array, gpair: Float64Array, rows: Uint32Array,
    begin: Int32Array, end: Int32Array, slot: Int32Array, hist: Float64Array,
  ): void;

  /**
   * The histogram subtraction trick: slot dst[j] = slot a[j] − slot b[j],
   * element by element, for histograms of nBins bins. dst[j] may equal a[j];
   * no dst may be read by another entry.
   */
  histSubtract(hist: Float64Array, nBins: number, dst: Int32Array, a: Int32Array, b: Int32Array): void;

  /**
   * Best split of each node, XGBoost hist's exact rule (src/models/gbdt/params.ts):
   * for each feature f with features[f] = 1 and each bin b in ascending order,
   * left = bins ≤ b, (GL, HL) summed bin by bin from the left, (GR, HR) =
   * (G, H) − (GL, HL), valid when HL ≥ minChildWeight and HR ≥ minChildWeight,
   * lossChg = (score(GL, HL) + score(GR, HR)) − score(G, H) with
   * score(g, h) = h ≤ 0 ? 0 : g²/(h + lambda); the first candidate with the
   * largest lossChg > 0 wins (lowest feature, then lowest bin). Node totals
   * (G, H) = (sumG[j], sumH[j]). Bin sums come from histogram slot[j], or
   * when slot[j] = −1 directly from the node's rows (at most DIRECT_MAX_ROWS),
   * summed in rows order like histBuild — so a directly summed node gives the
   * bits its histogram would. Out: feature[j] (−1: no split with lossChg > 0),
   * bin[j], gain[j] = lossChg, left[2j], left[2j+1] = GL, HL.
   */
  splitFind(
    hist: Float64Array, bins: BinMatrix, d: number, binOffset: Int32Array, gpair: Float64Array, rows: Uint32Array,
    slot: Int32Array, begin: Int32Array, end: Int32Array, sumG: Float64Array, sumH: Float64Array,
    features: Uint8Array, lambda: number, minChildWeight: number,
    outFeature: Int32Array, outBin: Int32Array, outGain: Float64Array, outLeft: Float64Array,
  ): void;

  /**
   * Stable partition of each node's rows: rows r with columns[feature[j]·n + r]
   * ≤ bin[j] first, the others after, each side in its previous order;
   * mid[j] = begin[j] + number on the left. `columns` is the bin matrix
   * column-major (binColumns in src/models/gbdt/binning.ts): n rows, d =
   * columns.length / n features, feature f of row r at f·n + r — a split reads
   * one feature of each row, and a node's rows ascend, so the reads walk one
   * column upward.
   */
  partition(
    columns: BinMatrix, n: number, rows: Uint32Array, begin: Int32Array, end: Int32Array,
    feature: Int32Array, bin: Int32Array, mid: Int32Array,
  ): void;

  /** pred[rows[i]] += value[j] for every i in node j's range (a tree's leaves). */
  leafAdd(rows: Uint32Array, begin: Int32Array, end: Int32Array, value: Float64Array, pred: Float64Array): void;

  /**
   * Forest prediction for n rows of x (n×d): out[i] = base + Σ_t value[leaf_t(x_i)],
   * added in tree order. Tree t holds nodes treeOffset[t]..treeOffset[t+1])
   * with tree-local child indices; a node with left < 0 is a leaf, otherwise
   * the row goes to left iff float32(x[feature]) < threshold, else to left + 1
   * (XGBoost's rule: thresholds and compared inputs are float32).
   */
  forestPredict(
    x: Float64Array, n: number, d: number, treeOffset: Int32Array, feature: Uint16Array,
    threshold: Float32Array, left: Int32Array, value: Float64Array, base: number, out: Float64Array,
  ): void;

  /**
   * One tree on binned rows (the BinMatrix of n = bins.length / d rows, binned
   * with the cuts the tree was grown on): out[i] = value[leaf], where row i
   * walks from node 0 to left[k] iff bins[i·d + feature[k]] ≤ bin[k], else to
   * left[k] + 1; a node with left < 0 is a leaf. For such rows this is the leaf
   * forestPredict's float32(x) < threshold reaches (binning.ts), so boosting
   * tracks its validation predictions from bytes instead of doubles. Every
   * internal node's children must follow it inside the tree and its feature
   * be < d (checked node by node before any row is walked).
   */
  treePredictBinned(
    bins: BinMatrix, d: number, feature: Int32Array, bin: Int32Array, left: Int32Array, value: Float64Array, out: Float64Array,
  ): void;
}
