// The model graph: what a trained model computes, as a list of typed ops over
// numbered buffers (the lwtnn / ONNX idea). Every model — each regressor and
// each wrapper (symmetry, momentum features, uncertainty members) — emits its
// own ops through a GraphBuilder, and every exporter walks the list with one
// exhaustive `switch` over `op.kind`, so a new op is a compile error in every
// exporter until it is handled there.
//
// Semantics are per row: buffer b holds `width[b]` doubles of one point;
// buffer 0 is the model's input row. Ops run in list order; an op reads only
// buffers written before it and writes one (or, for `orbit`, several) new
// buffers. Each op's comment states the exact floating-point evaluation
// order ampfit uses, which exporters reproduce so that exports agree with
// `ampfit predict` to rounding (tests check 1e-12 relative).

import type { Activation } from '../kernels/types.js';
import type { MomentumFeatureSpec } from '../features/momentumFeatures.js';
import type { SignedPermutation } from '../symmetry/coordinateMap.js';
import type { TargetTransformJSON } from '../transforms/target.js';

/** A buffer's number: 0 is the input row. */
export type Buf = number;

/** z = x·W (summed over inputs in order) + b (+ residual), then nothing else: activations are their own op. */
export interface DenseOp {
  readonly kind: 'dense';
  readonly name: string;
  readonly input: Buf;
  readonly output: Buf;
  readonly nIn: number;
  readonly nOut: number;
  /** nIn×nOut, row-major. Shared weights (Deep Sets embeddings, orbit images) are the same array. */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
  /** Added after the bias; null: none. */
  readonly residual: Buf | null;
}

/** Elementwise fixed activation (src/kernels/activations.ts). */
export interface ActivationOp {
  readonly kind: 'activation';
  readonly input: Buf;
  readonly output: Buf;
  readonly width: number;
  readonly activation: Activation;
}

/**
 * GroupKAN's rational activation (src/kernels/rational.ts): channel c of
 * group g = ⌊c / (width/groups)⌋ gives P(v)/Q(v), P by Horner from a_m down,
 * Q = 1 + Σ_k |b_k|·|v|^k accumulated k = 1, 2, … with |v|^k by repeated products.
 */
export interface RationalOp {
  readonly kind: 'rational';
  readonly name: string;
  readonly input: Buf;
  readonly output: Buf;
  readonly width: number;
  readonly groups: number;
  readonly degP: number;
  readonly degQ: number;
  /** groups × (degP + 1 + degQ): a_0..a_m, b_1..b_l per group. */
  readonly coef: Float64Array;
}

/**
 * KAN feature expansion (src/kernels/kan.ts): each input v becomes
 * silu(v) and the grid + 3 cubic B-splines on [lo, hi] extended by 3 knots,
 * input-major (width nIn·(grid + 4)). A KAN layer is this op and a bias-free dense op.
 */
export interface KanExpandOp {
  readonly kind: 'kanExpand';
  readonly input: Buf;
  readonly output: Buf;
  readonly nIn: number;
  readonly grid: number;
  readonly lo: number;
  readonly hi: number;
}

/** out[j] = in[columns[j]]. */
export interface GatherOp {
  readonly kind: 'gather';
  readonly input: Buf;
  readonly output: Buf;
  readonly columns: readonly number[];
}

/** The inputs side by side, in order. */
export interface ConcatOp {
  readonly kind: 'concat';
  readonly inputs: readonly Buf[];
  readonly output: Buf;
}

/**
 * Network features of raw four-momenta (src/features/momentumFeatures.ts),
 * after the same physics checks predict makes (positive energies, ŝ > 0,
 * momentum conservation to the layout's tolerance, positive invariants
 * when their logs are features). Exports report a failed check instead of a value.
 */
export interface MomentumFeaturesOp {
  readonly kind: 'momentumFeatures';
  readonly input: Buf;
  readonly output: Buf;
  readonly spec: MomentumFeatureSpec;
}

/**
 * Edge logarithms (src/features/angular.ts stageInputs): for each input x_j in
 * [0, 1], out = (ln max(x_j, floor) + 1, ln max(1 − x_j, floor) + 1, …).
 */
export interface LogEdgesOp {
  readonly kind: 'logEdges';
  readonly input: Buf;
  readonly output: Buf;
  readonly floor: number;
}

/** Periodic inputs (src/features/angular.ts stageInputs): a_j = (2π·x_j)/P_j, out = (cos a_0, sin a_0, cos a_1, …). */
export interface PeriodicOp {
  readonly kind: 'periodic';
  readonly input: Buf;
  readonly output: Buf;
  readonly periods: readonly number[];
}

/**
 * The harmonic head of an angular model (src/nn/structuredNetwork.ts
 * evaluateHead, statement for statement): from the raw row's decay angles
 * the product harmonics B (l ≤ lMax per decay) and the decay tensor z; from
 * the inner network's outputs o = (t0, L, e): y0 = T⁻¹(t0), Q = ‖(I + αL)ᵀz‖²
 * over its angular mean, ŷ = y0 + T⁻¹′(y0)·β Σ_k e_k B_k / Q; the output is
 * T(ŷ) (1 wide, training space).
 */
export interface AngularHeadOp {
  readonly kind: 'angularHead';
  /** The raw input row (the decay angles are read from it). */
  readonly row: Buf;
  /** The inner network's outputs. */
  readonly inner: Buf;
  readonly output: Buf;
  readonly lMax: number;
  readonly decays: readonly DecayAngleMap[];
  readonly transform: TargetTransformJSON;
  readonly alpha: number;
  readonly beta: number;
  /** Offsets of L and e in the inner outputs. */
  readonly lAt: number;
  readonly eAt: number;
}

/** cos θ = offset + scale·x[index] (clamped to [−1, 1]) and φ = offset + scale·x[index]. */
export interface DecayAngleMap {
  readonly cos: { readonly index: number; readonly offset: number; readonly scale: number };
  readonly phi: { readonly index: number; readonly offset: number; readonly scale: number };
}

/** Σ_t coef[t]·Π_j P_{terms[t][j]}(2x_j − 1) (src/models/polynomial.ts), one output. */
export interface LegendreOp {
  readonly kind: 'legendre';
  readonly input: Buf;
  readonly output: Buf;
  readonly inputDim: number;
  readonly degree: number;
  readonly terms: readonly Uint8Array[];
  readonly coef: Float64Array;
}

/**
 * Boosted trees (src/models/gbdt/forest.ts): tree t owns nodes
 * treeOffset[t] .. treeOffset[t+1]; children are tree-local, left[k] < 0 marks
 * a leaf, right = left + 1; a row goes left iff float32(x[feature]) <
 * threshold (NaN goes right). One output: baseScore + Σ_t value[leaf_t],
 * summed in float64, base score first, then the trees in order.
 */
export interface ForestBody {
  readonly inputDim: number;
  readonly baseScore: number;
  readonly treeOffset: Int32Array;
  readonly feature: Uint16Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly value: Float64Array;
  /**
   * What tree-model formats record besides the decisions (XGBoost JSON's
   * sum_hessian, loss_changes, and base_weight = value/eta): not used to predict.
   */
  readonly statistics?: { readonly cover: Float32Array; readonly gain: Float32Array; readonly learningRate: number };
}

export interface ForestOp {
  readonly kind: 'forest';
  readonly input: Buf;
  readonly output: Buf;
  readonly forest: ForestBody;
}

/**
 * The mean of equally wide buffers: 'sum-then-divide' is (Σ_k in_k)/K (an
 * orbit average, src/symmetry/group.ts), 'divide-then-sum' is Σ_k (in_k/K)
 * (ensemble members, src/uncertainty/regressor.ts); sums run in input order.
 */
export interface MeanOp {
  readonly kind: 'mean';
  readonly inputs: readonly Buf[];
  readonly output: Buf;
  readonly order: 'sum-then-divide' | 'divide-then-sum';
}

/** A symmetry group (src/symmetry/group.ts): every element, identity first. */
export interface GroupSpec {
  readonly elements: readonly SignedPermutation[];
  readonly reflectable: Uint8Array;
}

/**
 * Every image of the input under the group, largest first in the
 * lexicographic (m, s) order of src/symmetry/group.ts, so a mean over them
 * is exactly invariant. outputs[r] is the r-th largest image.
 */
export interface OrbitOp {
  readonly kind: 'orbit';
  readonly input: Buf;
  readonly outputs: readonly Buf[];
  readonly group: GroupSpec;
}

/** The input folded into the fundamental domain: its largest image. */
export interface FoldOp {
  readonly kind: 'fold';
  readonly input: Buf;
  readonly output: Buf;
  readonly group: GroupSpec;
}

/** Per column, exp(clamp(u, logVarMin, logVarMax)): a log σ² output as a variance. */
export interface VarianceOp {
  readonly kind: 'variance';
  readonly input: Buf;
  readonly output: Buf;
  readonly width: number;
  readonly logVarMin: number;
  readonly logVarMax: number;
}

/** The training-space value back in physical units (TargetTransform.inverseValue). */
export interface InverseTransformOp {
  readonly kind: 'inverseTransform';
  readonly input: Buf;
  readonly output: Buf;
  readonly transform: TargetTransformJSON;
}

/**
 * σ_syst in physical units from the mean variance v (training space) and the
 * physical value y: scale · √v · |dy/dt| (src/uncertainty/calibration.ts toPhysical).
 */
export interface SigmaOp {
  readonly kind: 'sigma';
  readonly variance: Buf;
  readonly value: Buf;
  readonly output: Buf;
  readonly scale: number;
  readonly transform: TargetTransformJSON;
}

// ---------------------------------------------------------------------------
// Multivector ops (L-GATr, src/nn/lgatr): a buffer of T tokens × C channels of
// the spacetime algebra G(1,3) holds 16·T·C values component-major,
// value (a, t, c) at a·T·C + t·C + c (blade a as src/nn/lgatr/algebra.ts
// numbers them). The algebra's constants (grades, signs, the metric, the
// product tables) travel in the ops, derived once in algebra.ts, so no
// exporter or reader needs an algebra of its own.

/** How every op names its tokens × channels. */
export interface MvShape {
  readonly tokens: number;
  readonly channels: number;
}

/**
 * The tokens of a row of 4T (scaled) four-momenta: token t's channel 0 has
 * component blades[μ] = x[4t + μ], channel 1 + classOf[t] has scalar part 1,
 * every other value is 0 (channels = 1 + number of classes).
 */
export interface MvEmbedOp extends MvShape {
  readonly kind: 'mvEmbed';
  readonly input: Buf;
  readonly output: Buf;
  readonly blades: readonly number[];
  readonly classOf: readonly number[];
}

/**
 * The equivariant linear map (src/nn/lgatr/equiLinear.ts): with W_k the k-th
 * cin×cout block of w (row-major, blocks 0–4 the grade projections, 5–9 the
 * pseudoscalar products, then cout biases),
 *   y[a,t,o] = (Σ_i x[a,t,i]·W_grade[a][i,o]) + dualSign[a]·(Σ_i x[a^15,t,i]·W_(9−grade[a])[i,o])
 * (sums ascending i, from 0), then + bias[o] on blade 0, then + residual.
 */
export interface MvLinearOp {
  readonly kind: 'mvLinear';
  readonly name: string;
  readonly input: Buf;
  readonly output: Buf;
  readonly tokens: number;
  readonly cin: number;
  readonly cout: number;
  readonly w: Float64Array;
  readonly residual: Buf | null;
  readonly grade: readonly number[];
  readonly dualSign: readonly number[];
}

/**
 * The equivariant layer norm (src/nn/lgatr/ops.ts): per token,
 * sq_c = Σ_a (metric[a]·x[a,t,c])·x[a,t,c] (blades ascending),
 * N = (Σ_c |sq_c|)/C + eps, y = x · (1/√N).
 */
export interface MvNormOp extends MvShape {
  readonly kind: 'mvNorm';
  readonly input: Buf;
  readonly output: Buf;
  readonly metric: readonly number[];
  readonly eps: number;
}

/** The scalar gate: y[a,t,c] = act(x[0,t,c])·x[a,t,c]. */
export interface MvGateOp extends MvShape {
  readonly kind: 'mvGate';
  readonly input: Buf;
  readonly output: Buf;
  readonly activation: Activation;
}

/** A bilinear product's terms z[out] += (sign·x[left])·y[right], in list order (algebra.ts BilinearTable). */
export interface MvProductTable {
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly out: readonly number[];
  readonly sign: readonly number[];
}

/** Channel by channel z = x ∘ y (geometric product or join): z starts at 0 and takes the table's terms in order. */
export interface MvBilinearOp extends MvShape {
  readonly kind: 'mvBilinear';
  readonly product: 'geometric' | 'join';
  readonly left: Buf;
  readonly right: Buf;
  readonly output: Buf;
  readonly table: MvProductTable;
}

/**
 * Multi-head attention over the tokens (src/nn/lgatr/attention.ts), channels
 * = heads·headChannels, head h owning channels h·Ch … h·Ch + Ch − 1:
 * logit[h,i,j] = Σ_a (metric[a]·scale)·(Σ_c q[a,i,hc]·k[a,j,hc]) (blades
 * ascending, from 0), w = softmax_j (max subtracted, exp, sum ascending j,
 * divide), o[a,i,hc] = Σ_j w[h,i,j]·v[a,j,hc] (ascending j, from 0).
 */
export interface MvAttentionOp extends MvShape {
  readonly kind: 'mvAttention';
  readonly q: Buf;
  readonly k: Buf;
  readonly v: Buf;
  readonly output: Buf;
  readonly heads: number;
  readonly headChannels: number;
  readonly scale: number;
  readonly metric: readonly number[];
}

/** The invariant readout: out[o] = (Σ_t x[0,t,o]) / T, tokens ascending; channels outputs. */
export interface MvReadoutOp extends MvShape {
  readonly kind: 'mvReadout';
  readonly input: Buf;
  readonly output: Buf;
}

export type MvOp = MvEmbedOp | MvLinearOp | MvNormOp | MvGateOp | MvBilinearOp | MvAttentionOp | MvReadoutOp;

export type GraphOp =
  | DenseOp | ActivationOp | RationalOp | KanExpandOp | GatherOp | ConcatOp | MomentumFeaturesOp
  | LegendreOp | ForestOp | MeanOp | OrbitOp | FoldOp | VarianceOp | InverseTransformOp | SigmaOp | PeriodicOp | LogEdgesOp | AngularHeadOp
  | MvOp;

export type OpKind = GraphOp['kind'];

/** What the model's input row is: hypercube coordinates, or raw four-momenta (GeV) when a momentumFeatures op reads it. */
export interface GraphInput {
  readonly kind: 'coordinates' | 'momenta';
  readonly names: readonly string[];
}

export interface ModelGraph {
  readonly input: GraphInput;
  /** Width of every buffer; width[0] is the input's. */
  readonly widths: readonly number[];
  readonly ops: readonly GraphOp[];
  /** The physical value (1 wide) and, for models that learned it, σ_syst (1 wide) in the same units. */
  readonly outputs: { readonly value: Buf; readonly sigma: Buf | null };
}

/** The buffers an op reads. */
export function opInputs(op: GraphOp): Buf[] {
  switch (op.kind) {
    case 'dense':
      return op.residual === null ? [op.input] : [op.input, op.residual];
    case 'concat':
    case 'mean':
      return [...op.inputs];
    case 'sigma':
      return [op.variance, op.value];
    case 'angularHead':
      return [op.row, op.inner];
    case 'periodic': case 'logEdges':
      return [op.input];
    case 'mvLinear':
      return op.residual === null ? [op.input] : [op.input, op.residual];
    case 'mvBilinear':
      return [op.left, op.right];
    case 'mvAttention':
      return [op.q, op.k, op.v];
    case 'mvEmbed': case 'mvNorm': case 'mvGate': case 'mvReadout':
      return [op.input];
    case 'activation': case 'rational': case 'kanExpand': case 'gather': case 'momentumFeatures':
    case 'legendre': case 'forest': case 'orbit': case 'fold': case 'variance': case 'inverseTransform':
      return [op.input];
  }
}

/** The buffers an op writes. */
export function opOutputs(op: GraphOp): Buf[] {
  return op.kind === 'orbit' ? [...op.outputs] : [op.output];
}
