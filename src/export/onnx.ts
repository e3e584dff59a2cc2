// ExportModel → ONNX (opset 17, IR 8), every tensor float64, by walking the
// model graph: one `switch` over the op kinds, each op a few nodes on [N, width] tensors. Forests add
// ai.onnx.ml opset 5 (IR 10) for their TreeEnsemble node, and round x through
// float32 (exactly, as ampfit's decisions do); see forest() for how its
// decisions and sums stay ampfit's.
//
// Input  x: double [N, D], hypercube coordinates in the model's input order.
// Output y: double [N, 1], the physical value Surrogate.predict returns (the
//           ratio target/born for a Born-normalised model).
// Output sigma_syst: double [N, 1], heteroscedastic models only: the learned
//           σ_syst in y's units, as Surrogate.predictUncertain (SigmaMap).
//
// onnxruntime's CPU provider has float64 kernels for Gemm, MatMul, Add, Sub,
// Mul, Div, Max, Min, Relu, Abs, Neg, Exp, Log, Tanh, Floor, comparisons and
// Where, but not for Erf, Elu, Softplus, Sinh, Asinh or Gelu; its LeakyRelu
// takes a float32 slope and its double Sigmoid loses relative accuracy in
// its tails (5e-8 measured).
// So every activation and the output map are written with the first set, in
// the same case splits as src/kernels/activations.ts (Cody's erfc included),
// which keeps the graph within rounding of ampfit (tests check 1e-12).
//
// Protobuf encoding comes from onnx-proto: static code generated from the
// official onnx.proto, with types.

import onnxProto from 'onnx-proto';
import type { Activation } from '../kernels/types.js';
import { hasInvariants, hasMomenta } from '../features/momentumFeatures.js';
import { invariantPairs } from '../data/momenta.js';
import { kanFeatures } from '../kernels/kan.js';
import type {
  AngularHeadOp, ForestBody, GraphOp, KanExpandOp, LegendreOp, MomentumFeaturesOp, MvAttentionOp, MvBilinearOp, MvEmbedOp, MvLinearOp, MvNormOp, PeriodicOp, LogEdgesOp,
  RationalOp,
} from '../graph/ops.js';
import { DecayTensor, normalisation } from '../features/harmonics.js';
import type { TargetTransformJSON } from '../transforms/target.js';
import { A, B, C, D, P, Q, SQRPI, THRESH } from '../kernels/activations.js';
import { AmpfitError } from '../util/errors.js';
import { forestLayout, type ExportModel } from './describe.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const ONNX_OPSET = 17;
/** IR version 8 (ONNX 1.10+), the newest the bundled onnx.proto describes. */
export const ONNX_IR_VERSION = 8;
/** Forests use ai.onnx.ml's TreeEnsemble, new in ai.onnx.ml opset 5 (ONNX 1.16, IR 10). */
export const ONNX_ML_OPSET = 5;
/**
 * IR version of a forest's graph: 10, which ai.onnx.ml opset 5 requires
 * (onnx's VERSION_TABLE). Nothing the bundled IR 8 onnx.proto lacks is used.
 */
export const ONNX_IR_VERSION_ML = 10;

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
const INT64 = onnx.TensorProto.DataType.INT64;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const UINT8 = onnx.TensorProto.DataType.UINT8;
const ML_DOMAIN = 'ai.onnx.ml';
const AttrType = onnx.AttributeProto.AttributeType;

/** Appends nodes and initializers; every op returns the name of its single output. */
class GraphBuilder {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  private readonly scalars = new Map<string, string>();
  private count = 0;

  private readonly storage = new WeakMap<ArrayBufferLike, number>();
  private storages = 0;
  private readonly shared = new Map<string, string>();

  /** A float64 constant holding a model's array: views of the same storage (shared weights) become one initializer. */
  weights(name: string, dims: readonly number[], data: Float64Array): string {
    let id = this.storage.get(data.buffer);
    if (id === undefined) {
      id = this.storages++;
      this.storage.set(data.buffer, id);
    }
    const key = `${id}:${data.byteOffset}:${data.length}:${dims.join('x')}`;
    let t = this.shared.get(key);
    if (t === undefined) {
      t = this.tensor(this.fresh(name), dims, data);
      this.shared.set(key, t);
    }
    return t;
  }

  /** A float64 constant of the given shape. */
  tensor(name: string, dims: readonly number[], data: Float64Array): string {
    // raw_data is little-endian; so is every host ampfit runs on (modelFile.ts refuses others).
    if (!LITTLE_ENDIAN) throw new AmpfitError('export --format onnx: big-endian hosts are not supported');
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push({ name, dims: [...dims], dataType: DOUBLE, rawData: bytes });
    return name;
  }

  int64s(prefix: string, values: readonly number[]): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, dims: [values.length], dataType: INT64, int64Data: [...values] });
    return name;
  }

  /** A float64 scalar (shape []), shared by every use of the same value. */
  scalar(v: number): string {
    const key = Object.is(v, -0) ? '-0' : String(v);
    let name = this.scalars.get(key);
    if (name === undefined) {
      name = `c${this.scalars.size}`;
      this.scalars.set(key, name);
      this.tensor(name, [], new Float64Array([v]));
    }
    return name;
  }

  /** Domains other than the default one that the graph uses. */
  readonly domains = new Set<string>();

  op(type: string, inputs: readonly string[], attribute: IAttributeProto[] = [], domain = ''): string {
    const out = this.fresh(type.toLowerCase());
    this.nodes.push({ opType: type, name: out, input: [...inputs], output: [out], attribute, ...(domain === '' ? {} : { domain }) });
    if (domain !== '') this.domains.add(domain);
    return out;
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  // Elementwise shorthands; number arguments become shared scalars.
  add(a: string | number, b: string | number): string {
    return this.op('Add', [this.v(a), this.v(b)]);
  }
  sub(a: string | number, b: string | number): string {
    return this.op('Sub', [this.v(a), this.v(b)]);
  }
  mul(a: string | number, b: string | number): string {
    return this.op('Mul', [this.v(a), this.v(b)]);
  }
  div(a: string | number, b: string | number): string {
    return this.op('Div', [this.v(a), this.v(b)]);
  }
  where(cond: string, a: string, b: string): string {
    return this.op('Where', [cond, a, b]);
  }
  unary(type: string, a: string): string {
    return this.op(type, [a]);
  }
  compare(type: 'Less' | 'LessOrEqual' | 'Greater' | 'GreaterOrEqual' | 'Equal', a: string | number, b: string | number): string {
    return this.op(type, [this.v(a), this.v(b)]);
  }

  private v(a: string | number): string {
    return typeof a === 'number' ? this.scalar(a) : a;
  }
}

// W. J. Cody's erfc coefficients: the same numbers as the kernels', so the graph rounds like ampfit.

/** Cody's erfc, all three intervals evaluated and the right one selected per element. */
function erfc(g: GraphBuilder, x: string): string {
  const y = g.unary('Abs', x);
  // |x| <= THRESH: 1 − x·R(x²)
  const ysq = g.mul(x, x);
  let num = g.mul(A[4], ysq);
  let den = ysq;
  for (let i = 0; i < 3; i++) {
    num = g.mul(g.add(num, A[i]), ysq);
    den = g.mul(g.add(den, B[i]), ysq);
  }
  const small = g.sub(1, g.div(g.mul(x, g.add(num, A[3])), g.add(den, B[3])));
  // |x| > THRESH: erfc(|x|) = exp(−|x|²)·R(|x|), with |x| clamped where erfc underflows anyway.
  const yc = g.op('Min', [y, g.scalar(30)]);
  num = g.mul(C[8], yc);
  den = yc;
  for (let i = 0; i < 7; i++) {
    num = g.mul(g.add(num, C[i]), yc);
    den = g.mul(g.add(den, D[i]), yc);
  }
  const rMid = g.div(g.add(num, C[7]), g.add(den, D[7]));
  const inv = g.div(1, g.mul(yc, yc));
  num = g.mul(P[5], inv);
  den = inv;
  for (let i = 0; i < 4; i++) {
    num = g.mul(g.add(num, P[i]), inv);
    den = g.mul(g.add(den, Q[i]), inv);
  }
  const rTail = g.div(g.sub(SQRPI, g.div(g.mul(inv, g.add(num, P[4])), g.add(den, Q[4]))), yc);
  const r = g.where(g.compare('LessOrEqual', yc, 4), rMid, rTail);
  // exp(−y²) as exp(−t²)·exp(−(y−t)(y+t)), t = y truncated to 1/16 (floor, as y ≥ 0).
  const t = g.div(g.unary('Floor', g.mul(yc, 16)), 16);
  const del = g.mul(g.sub(yc, t), g.add(yc, t));
  const large = g.mul(g.mul(g.unary('Exp', g.unary('Neg', g.mul(t, t))), g.unary('Exp', g.unary('Neg', del))), r);
  const signed = g.where(g.compare('Less', x, 0), g.sub(2, large), large);
  return g.where(g.compare('LessOrEqual', y, THRESH), small, signed);
}

/** sigmoid(z) from e = exp(−|z|) without overflow, as activations.ts. */
function sigmoid(g: GraphBuilder, z: string): string {
  const e = g.unary('Exp', g.unary('Neg', g.unary('Abs', z)));
  const d = g.add(1, e);
  return g.where(g.compare('GreaterOrEqual', z, 0), g.div(1, d), g.div(e, d));
}

/** expm1(v) for v <= 0 as 2t/(1 − t), t = tanh(v/2): no cancellation near 0 (Exp(v) − 1 would lose it). */
function expm1NonPositive(g: GraphBuilder, v: string): string {
  const t = g.unary('Tanh', g.mul(v, 0.5));
  return g.div(g.mul(2, t), g.sub(1, t));
}

/** log1p(e) as log(u)·e/(u − 1), u = 1 + e (Goldberg), exact where u rounds to 1. */
function log1p(g: GraphBuilder, e: string): string {
  const u = g.add(1, e);
  return g.where(g.compare('Equal', u, 1), e, g.mul(g.unary('Log', u), g.div(e, g.sub(u, 1))));
}

function activation(g: GraphBuilder, z: string, act: Activation): string {
  switch (act.name) {
    case 'linear':
      return z;
    case 'relu':
      return g.unary('Relu', z);
    case 'leaky_relu': {
      // z > 0 ? z : a·z is max(z, a·z) for a <= 1 and min(z, a·z) above: exact either way.
      const az = g.mul(z, act.param);
      return g.op(act.param <= 1 ? 'Max' : 'Min', [z, az]);
    }
    case 'elu': {
      const em1 = expm1NonPositive(g, g.op('Min', [z, g.scalar(0)]));
      return g.where(g.compare('Greater', z, 0), z, g.mul(act.param, em1));
    }
    case 'softplus':
      return g.add(g.unary('Relu', z), log1p(g, g.unary('Exp', g.unary('Neg', g.unary('Abs', z)))));
    case 'gelu':
      return g.mul(g.mul(0.5, z), erfc(g, g.mul(g.unary('Neg', z), Math.SQRT1_2)));
    case 'silu':
      return g.mul(z, sigmoid(g, z));
    case 'tanh':
      return g.unary('Tanh', z);
  }
}

/** Little-endian bytes of a typed array (tensor raw_data). */
function rawBytes(a: Float64Array | Uint8Array): Uint8Array {
  if (!LITTLE_ENDIAN) throw new AmpfitError('export --format onnx: big-endian hosts are not supported');
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

const intsAttr = (name: string, values: ArrayLike<number>): IAttributeProto => ({ name, type: AttrType.INTS, ints: Array.from(values) });
const intAttr = (name: string, i: number): IAttributeProto => ({ name, type: AttrType.INT, i });
const tensorAttr = (name: string, dataType: number, data: Float64Array | Uint8Array): IAttributeProto => ({
  name, type: AttrType.TENSOR, t: { name, dims: [data.length], dataType, rawData: rawBytes(data) },
});

/** TreeEnsemble's node modes (onnx/reference/ops/aionnxml/op_tree_ensemble.py): BRANCH_LT = 1. */
const BRANCH_LT = 1;
const AGGREGATE_SUM = 1;
const POST_TRANSFORM_NONE = 0;

/**
 * A forest as one ai.onnx.ml TreeEnsemble (opset 5) node on double inputs,
 * which onnxruntime evaluates in double: double thresholds, double leaf
 * weights, double sums, double output (TreeEnsembleRegressor cannot: its
 * output is float32 by the operator's definition).
 *
 * Decisions: ampfit goes left iff float32(x) < threshold. x is rounded to
 * float32 and back (Cast, exact) before the tree, so the node's double
 * comparison x < threshold (BRANCH_LT, threshold the float32 value, NaN to
 * the false branch) decides exactly as float32 would.
 *
 * Sum: TreeEnsemble adds leaf weights to 0 tree by tree; ampfit adds them to
 * the base score. The base score is therefore folded into the first tree's
 * leaves (base + v, the very addition ampfit does first), which on one
 * thread reproduces ampfit's sum bit for bit. On more intra-op threads
 * onnxruntime sums slices of trees separately and merges them: equal to
 * rounding (measured 1e-15 relative on a trained forest, 9e-14 on a
 * synthetic one with leaf values over six decades and cancelling signs).
 * The metadata key ampfit.base_score records the base score, for readers of
 * the tree weights.
 */
function forest(g: GraphBuilder, body: ForestBody, x: string): string {
  const L = forestLayout(body);
  const nInternal = L.feature.length;
  const leaf = L.leaf.slice();
  // A forest without trees predicts its base score: one single-leaf tree of that value.
  const roots = L.nTrees === 0 ? [-1] : Array.from(L.root);
  const leaves = L.nTrees === 0 ? new Float64Array([body.baseScore]) : leaf;
  if (L.nTrees > 0) for (let j = 0; j < leaf.length && L.leafTree[j] === 0; j++) leaf[j] = body.baseScore + leaf[j];

  // TreeEnsemble has no leaf roots: a single-leaf tree gets an internal node with both branches on its leaf.
  const single = roots.filter((r) => r < 0).length;
  const n = nInternal + single;
  const feature = new Int32Array(n);
  const split = new Float64Array(n);
  const trueId = new Int32Array(n);
  const trueLeaf = new Uint8Array(n);
  const falseId = new Int32Array(n);
  const falseLeaf = new Uint8Array(n);
  const set = (i: number, side: 0 | 1, ref: number): void => {
    (side === 0 ? trueId : falseId)[i] = ref < 0 ? ~ref : ref;
    (side === 0 ? trueLeaf : falseLeaf)[i] = ref < 0 ? 1 : 0;
  };
  for (let i = 0; i < nInternal; i++) {
    feature[i] = L.feature[i];
    split[i] = L.threshold[i];
    set(i, 0, L.child[2 * i]);
    set(i, 1, L.child[2 * i + 1]);
  }
  let extra = nInternal;
  const treeRoots = roots.map((r) => {
    if (r >= 0) return r;
    set(extra, 0, r);
    set(extra, 1, r);
    return extra++;
  });
  const xf = g.op('Cast', [x], [intAttr('to', FLOAT)]);
  const xr = g.op('Cast', [xf], [intAttr('to', DOUBLE)]);
  return g.op(
    'TreeEnsemble',
    [xr],
    [
      intAttr('n_targets', 1),
      intAttr('aggregate_function', AGGREGATE_SUM),
      intAttr('post_transform', POST_TRANSFORM_NONE),
      intsAttr('tree_roots', treeRoots),
      intsAttr('nodes_featureids', feature),
      tensorAttr('nodes_splits', DOUBLE, split),
      tensorAttr('nodes_modes', UINT8, new Uint8Array(n).fill(BRANCH_LT)),
      intsAttr('nodes_truenodeids', trueId),
      intsAttr('nodes_trueleafs', trueLeaf),
      intsAttr('nodes_falsenodeids', falseId),
      intsAttr('nodes_falseleafs', falseLeaf),
      intsAttr('leaf_targetids', new Uint8Array(leaves.length)),
      tensorAttr('leaf_weights', DOUBLE, leaves),
    ],
    ML_DOMAIN,
  );
}

function tensorInfo(name: string, dims: readonly (number | string)[], doc: string): IValueInfoProto {
  return {
    name,
    docString: doc,
    type: { tensorType: { elemType: DOUBLE, shape: { dim: dims.map((v) => (typeof v === 'string' ? { dimParam: v } : { dimValue: v })) } } },
  };
}

const axisAttr = (i: number): IAttributeProto => intAttr('axis', i);

/** GroupKAN's rational activation with per-channel coefficient rows, in src/kernels/rational.ts's order. */
function rational(g: GraphBuilder, op: RationalOp, v: string): string {
  const per = op.width / op.groups;
  const nc = op.degP + 1 + op.degQ;
  // Row j of the coefficients, one value per channel (channel c uses group ⌊c/per⌋), |b_k| taken once: exact.
  const row = (j: number, abs: boolean): string =>
    g.tensor(g.fresh(`${op.name}.c${j}`), [op.width], Float64Array.from({ length: op.width }, (_, c) => {
      const a = op.coef[Math.floor(c / per) * nc + j];
      return abs ? Math.abs(a) : a;
    }));
  let p = row(op.degP, false);
  if (op.degP === 0) p = g.add(g.sub(v, v), p); // broadcast a_0 to [N, width]
  for (let j = op.degP - 1; j >= 0; j--) p = g.add(g.mul(p, v), row(j, false));
  if (op.degQ === 0) return p;
  const av = g.unary('Abs', v);
  let q = g.add(1, g.mul(row(op.degP + 1, true), av));
  let pw = av;
  for (let k = 2; k <= op.degQ; k++) {
    pw = g.mul(pw, av);
    q = g.add(q, g.mul(row(op.degP + k, true), pw));
  }
  return g.div(p, q);
}

/** KAN features as src/kernels/kan.ts: per input silu, then B_k = the spline m = k − ⌊t⌋ ∈ {0..3} of t = (v − lo)/h, else 0. */
function kanExpand(g: GraphBuilder, op: KanExpandOp, v: string): string {
  const h = (op.hi - op.lo) / op.grid;
  const t = g.div(g.sub(v, op.lo), h);
  const j = g.unary('Floor', t);
  const s = g.sub(t, j);
  const s2 = g.mul(s, s);
  const s3 = g.mul(s2, s);
  const u = g.sub(1, s);
  const b = [
    g.div(g.mul(g.mul(u, u), u), 6),
    g.div(g.add(g.sub(g.mul(3, s3), g.mul(6, s2)), 4), 6),
    g.div(g.add(g.add(g.add(g.mul(-3, s3), g.mul(3, s2)), g.mul(3, s)), 1), 6),
    g.div(s3, 6),
  ];
  const zero = g.mul(v, 0);
  const features: string[] = [g.mul(v, sigmoid(g, v))];
  for (let k = 0; k < op.grid + 3; k++) {
    // m = k − j; NaN (and points beyond the extended grid) match no m and give 0.
    const m = g.sub(k, j);
    let f = g.where(g.compare('Equal', m, 3), b[3], g.where(g.compare('Equal', m, 0), zero, zero));
    f = g.where(g.compare('Equal', m, 2), b[2], f);
    f = g.where(g.compare('Equal', m, 1), b[1], f);
    f = g.where(g.compare('Equal', m, 0), b[0], f);
    features.push(f);
  }
  // [N, nIn] × (G + 4) → [N, nIn, G + 4] → [N, nIn·(G + 4)], input-major.
  const stacked = g.op('Concat', features.map((f) => g.op('Unsqueeze', [f, g.int64s('kan.axis', [2])])), [axisAttr(2)]);
  return g.op('Reshape', [stacked, g.int64s('kan.shape', [-1, op.nIn * kanFeatures(op.grid)])]);
}

/**
 * Momentum features as src/features/momentumFeatures.ts, and whether the
 * row fails a check of src/data/momenta.ts (a [N, 1] bool; ONNX cannot
 * raise, so the graph's outputs become NaN there). Momentum sums run through
 * MatMul, whose order may differ from ampfit's: a check can flip only for a
 * point within rounding of its threshold.
 */
function momentumFeatures(g: GraphBuilder, op: MomentumFeaturesOp, x: string): { features: string; bad: string } {
  const spec = op.spec;
  const nP = spec.layout.particles.length;
  const w = 4 * nP;
  const pairs = invariantPairs(nP);
  const col = (cols: number[]): string => g.op('Gather', [x, g.int64s('momenta.cols', cols)], [axisAttr(1)]);
  const anyTrue = (cond: string): string => g.compare('Greater', g.op('ReduceMax', [g.op('Cast', [cond], [intAttr('to', DOUBLE)])], [intsAttr('axes', [1]), intAttr('keepdims', 1)]), 0);
  const energies = col(Array.from({ length: nP }, (_, i) => 4 * i));
  let bad = anyTrue(g.op('Not', [g.compare('Greater', energies, 0)]));
  const signs = new Float64Array(w * 4);
  const incoming = new Float64Array(w * 4);
  for (let i = 0; i < nP; i++) {
    for (let c = 0; c < 4; c++) {
      signs[(4 * i + c) * 4 + c] = i < spec.layout.incoming ? 1 : -1;
      if (i < spec.layout.incoming) incoming[(4 * i + c) * 4 + c] = 1;
    }
  }
  const total = g.op('MatMul', [x, g.tensor(g.fresh('momenta.signs'), [w, 4], signs)]);
  const pin = g.op('MatMul', [x, g.tensor(g.fresh('momenta.incoming'), [w, 4], incoming)]);
  const comp = (t: string, c: number): string => g.op('Gather', [t, g.int64s('momenta.c', [c])], [axisAttr(1)]);
  const sq = (t: string): string => g.mul(t, t);
  const shat = g.sub(g.sub(g.sub(sq(comp(pin, 0)), sq(comp(pin, 1))), sq(comp(pin, 2))), sq(comp(pin, 3)));
  bad = g.op('Or', [bad, g.op('Not', [g.compare('Greater', shat, 0)])]);
  const limit = g.mul(spec.layout.tolerance, g.unary('Sqrt', shat));
  bad = g.op('Or', [bad, anyTrue(g.op('Not', [g.compare('LessOrEqual', g.unary('Abs', total), limit)]))]);
  const parts: string[] = [];
  if (hasMomenta(spec.features)) parts.push(g.mul(x, 1 / spec.momentum_scale));
  if (hasInvariants(spec.features)) {
    const a = col(pairs.flatMap(([i]) => [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]));
    const b = col(pairs.flatMap(([, j]) => [4 * j, 4 * j + 1, 4 * j + 2, 4 * j + 3]));
    const p = g.op('Reshape', [g.add(a, b), g.int64s('momenta.pairs', [-1, pairs.length, 4])]);
    const c = (k: number): string => g.op('Gather', [p, g.int64s('momenta.k', [k])], [axisAttr(2)]);
    const s = g.op('Reshape', [g.sub(g.sub(g.sub(sq(c(0)), sq(c(1))), sq(c(2))), sq(c(3))), g.int64s('momenta.s', [-1, pairs.length])]);
    bad = g.op('Or', [bad, anyTrue(g.op('Not', [g.compare('Greater', s, 0)]))]);
    const shift = g.tensor(g.fresh('momenta.shift'), [pairs.length], Float64Array.from(spec.invariant_shift));
    const scale = g.tensor(g.fresh('momenta.scale'), [pairs.length], Float64Array.from(spec.invariant_scale));
    parts.push(g.div(g.sub(g.unary('Log', s), shift), scale));
  }
  return { features: parts.length === 1 ? parts[0] : g.op('Concat', parts, [axisAttr(1)]), bad };
}

/** Legendre features by the three-term recurrence on all inputs at once, gathered into the basis products. */
function legendre(g: GraphBuilder, op: LegendreOp, x: string): string {
  const d = op.inputDim;
  const u = g.sub(g.mul(2, x), 1);
  // P_0 = 1 as a full [N, D] tensor, so that Gather can address it like the others.
  const one = g.add(g.sub(u, u), 1);
  const p: string[] = [one];
  if (op.degree >= 1) p.push(u);
  for (let k = 2; k <= op.degree; k++) {
    p.push(g.div(g.sub(g.mul(g.mul(2 * k - 1, u), p[k - 1]), g.mul(k - 1, p[k - 2])), k));
  }
  // Column k·D + j of `all` is P_k(u_j).
  const all = p.length === 1 ? p[0] : g.op('Concat', p, [axisAttr(1)]);
  let product: string | null = null;
  for (let j = 0; j < d; j++) {
    const idx = g.int64s(`legendre.idx${j}`, op.terms.map((e) => e[j] * d + j));
    const factor = g.op('Gather', [all, idx], [axisAttr(1)]);
    product = product === null ? factor : g.mul(product, factor);
  }
  return g.op('Gemm', [product as string, g.weights('legendre.coef', [op.coef.length, 1], op.coef)]);
}

/** TargetTransform.inverseValue. */
function inverseTransform(g: GraphBuilder, t: string, m: TargetTransformJSON): string {
  const a = g.add(g.mul(t, m.scale), m.shift);
  switch (m.kind) {
    case 'none':
    case 'standardize':
      return a;
    case 'log':
    case 'log-standardize':
      return g.unary('Exp', a);
    case 'asinh-standardize': {
      // sinh(a) = 2t/(1 − t²), t = tanh(a/2), accurate near 0; (e^a − e^−a)/2 beyond |a| = 1.
      const th = g.unary('Tanh', g.mul(a, 0.5));
      const near = g.div(g.mul(2, th), g.sub(1, g.mul(th, th)));
      const far = g.mul(0.5, g.sub(g.unary('Exp', a), g.unary('Exp', g.unary('Neg', a))));
      const s = g.where(g.compare('Less', g.unary('Abs', a), 1), near, far);
      return g.mul(m.unit ?? 1, s);
    }
  }
}

/** dy/dt at y (TargetTransform.inverseSlope); |dy/dt| unless `signed`. */
function inverseSlope(g: GraphBuilder, y: string, m: TargetTransformJSON, signed = false): string | number {
  const abs = (t: string): string => (signed ? t : g.unary('Abs', t));
  switch (m.kind) {
    case 'none':
    case 'standardize':
      return signed ? m.scale : Math.abs(m.scale);
    case 'log':
    case 'log-standardize':
      return abs(g.mul(m.scale, y));
    case 'asinh-standardize': {
      const u = m.unit ?? 1;
      return abs(g.mul(m.scale, g.unary('Sqrt', g.add(g.mul(y, y), u * u))));
    }
  }
}

/** Images of x under every group element, in element order (ONNX cannot sort them; see exportOnnx). */
function orbit(g: GraphBuilder, op: Extract<GraphOp, { kind: 'orbit' }>, x: string, d: number): string[] {
  return op.group.elements.map((e, k) => {
    const picked = g.op('Gather', [x, g.int64s(`image${k}_src`, Array.from(e.src))], [axisAttr(1)]);
    if (!e.reflect.includes(1)) return picked;
    // 1 − x on the reflected columns: x·(1 − 2r) + r.
    const sign = g.tensor(g.fresh(`image${k}_sign`), [d], Float64Array.from(e.reflect, (r) => 1 - 2 * r));
    const offset = g.tensor(g.fresh(`image${k}_offset`), [d], Float64Array.from(e.reflect));
    return g.add(g.mul(picked, sign), offset);
  });
}

/**
 * The folded point exactly as src/symmetry/group.ts computes it: each
 * coordinate as (m, s) — m = max(v, 1 − v) and s its side for reflectable
 * ones — the images' (m, s) by gathers and sign flips, the largest image in
 * lexicographic (m₁, s₁, m₂, s₂, …) order kept pairwise: the comparison is
 * Σ_j sign(Δm_j)·4^(D−j)·2 + sign(Δs_j)·4^(D−j), a sum of powers of two
 * (exact in any order for D ≤ 26) whose sign is that of the first nonzero
 * term. Then v = m where s ≥ 0, else 1 − m.
 */
function fold(g: GraphBuilder, op: Extract<GraphOp, { kind: 'fold' }>, x: string, d: number): string {
  if (d > 26) throw new AmpfitError(`export --format onnx: a folded model on ${d} inputs has no exact ONNX form (at most 26)`);
  const refl = g.compare('Greater', g.tensor(g.fresh('fold.reflectable'), [d], Float64Array.from(op.group.reflectable)), 0.5);
  const m = g.where(refl, g.op('Max', [x, g.sub(1, x)]), x);
  const side = g.where(g.compare('Greater', x, 0.5), g.scalar(1), g.scalar(-1));
  const s = g.where(refl, g.where(g.compare('Equal', m, 0.5), g.scalar(0), side), g.mul(x, 0));
  const weights = new Float64Array(2 * d);
  for (let j = 0; j < d; j++) {
    weights[2 * j] = 2 * 4 ** (d - 1 - j);
    weights[2 * j + 1] = 4 ** (d - 1 - j);
  }
  const w = g.tensor(g.fresh('fold.weights'), [2 * d, 1], weights);
  // [N, D] m and s signs interleaved as [N, 2D]: (Δm₁, Δs₁, Δm₂, …).
  const interleave = (a: string, b: string): string =>
    g.op('Reshape', [g.op('Concat', [g.op('Unsqueeze', [a, g.int64s('fold.axis', [2])]), g.op('Unsqueeze', [b, g.int64s('fold.axis', [2])])], [axisAttr(2)]), g.int64s('fold.shape', [-1, 2 * d])]);
  const images = op.group.elements.map((e, k) => {
    const src = g.int64s(`fold.src${k}`, Array.from(e.src));
    const mk = g.op('Gather', [m, src], [axisAttr(1)]);
    const sk0 = g.op('Gather', [s, src], [axisAttr(1)]);
    const sk = e.reflect.includes(1) ? g.mul(sk0, g.tensor(g.fresh(`fold.sign${k}`), [d], Float64Array.from(e.reflect, (r) => 1 - 2 * r))) : sk0;
    return { m: mk, s: sk };
  });
  let best = images[0];
  for (const image of images.slice(1)) {
    const cmp = g.op('Gemm', [interleave(g.unary('Sign', g.sub(image.m, best.m)), g.unary('Sign', g.sub(image.s, best.s))), w]);
    const larger = g.compare('Greater', cmp, 0);
    best = { m: g.where(larger, image.m, best.m), s: g.where(larger, image.s, best.s) };
  }
  return g.where(g.compare('GreaterOrEqual', best.s, 0), best.m, g.sub(1, best.m));
}

/** Periodic inputs: a = (2π·x)/P per column, then (cos a, sin a) interleaved column by column. */
function periodic(g: GraphBuilder, op: PeriodicOp, x: string): string {
  const w = op.periods.length;
  const a = g.div(g.mul(2 * Math.PI, x), g.tensor(g.fresh('periodic.period'), [w], Float64Array.from(op.periods)));
  const pair = [g.unary('Cos', a), g.unary('Sin', a)].map((t) => g.op('Unsqueeze', [t, g.int64s('periodic.axis', [2])]));
  return g.op('Reshape', [g.op('Concat', pair, [axisAttr(2)]), g.int64s('periodic.shape', [-1, 2 * w])]);
}

/** Edge logarithms: (ln max(x, floor) + 1, ln max(1 − x, floor) + 1) interleaved column by column. */
function logEdges(g: GraphBuilder, op: LogEdgesOp, x: string, w: number): string {
  const floor = g.scalar(op.floor);
  const pair = [x, g.sub(1, x)].map((t) => g.op('Unsqueeze', [g.add(g.unary('Log', g.op('Max', [t, floor])), 1), g.int64s('logEdges.axis', [2])]));
  return g.op('Reshape', [g.op('Concat', pair, [axisAttr(2)]), g.int64s('logEdges.shape', [-1, 2 * w])]);
}

/** Columns [from, to) of a [N, W] tensor. */
function columns(g: GraphBuilder, t: string, from: number, to: number): string {
  return g.op('Slice', [t, g.int64s('cols.start', [from]), g.int64s('cols.end', [to]), g.int64s('cols.axis', [1])]);
}

/** asinh(u) = sign(u)·log1p(|u| + u²/(1 + √(1 + u²))): onnxruntime has no double Asinh, and this form keeps small |u| exact. */
function asinh(g: GraphBuilder, u: string): string {
  const au = g.unary('Abs', u);
  const u2 = g.mul(u, u);
  const mag = log1p(g, g.add(au, g.div(u2, g.add(1, g.unary('Sqrt', g.add(1, u2))))));
  return g.where(g.compare('Less', u, 0), g.unary('Neg', mag), mag);
}

/** The harmonic head of src/nn/structuredNetwork.ts on [N, …] tensors (sums over basis and tensor terms in onnxruntime's order). */
function angularHead(g: GraphBuilder, op: AngularHeadOp, row: string, o: string): string {
  const K = op.decays.length;
  const per = (op.lMax + 1) * (op.lMax + 1);
  const kSize = per ** K;
  const zn = 4 ** K;
  const col = (t: string, j: number): string => columns(g, t, j, j + 1);
  const at = (l: number, m: number): number => (l * (l + 1)) / 2 + m;
  const factors: string[][] = [];
  const us: string[][] = [];
  for (const dec of op.decays) {
    const c = g.op('Min', [g.op('Max', [g.add(g.mul(col(row, dec.cos.index), dec.cos.scale), dec.cos.offset), g.scalar(-1)]), g.scalar(1)]);
    const phi = g.add(g.mul(col(row, dec.phi.index), dec.phi.scale), dec.phi.offset);
    const s = g.unary('Sqrt', g.op('Max', [g.sub(1, g.mul(c, c)), g.scalar(0)]));
    const p: string[] = [];
    let pmm: string | null = null;
    for (let m = 0; m <= op.lMax; m++) {
      if (m > 0) pmm = pmm === null ? g.mul(2 * m - 1, s) : g.mul(pmm, g.mul(2 * m - 1, s));
      const pm = pmm ?? g.add(g.mul(c, 0), 1);
      p[at(m, m)] = pm;
      if (m + 1 <= op.lMax) p[at(m + 1, m)] = g.mul(g.mul(2 * m + 1, c), pm);
      for (let l = m + 2; l <= op.lMax; l++) {
        p[at(l, m)] = g.div(g.sub(g.mul(g.mul(2 * l - 1, c), p[at(l - 1, m)]), g.mul(l + m - 1, p[at(l - 2, m)])), l - m);
      }
    }
    const c1 = g.unary('Cos', phi);
    const s1 = g.unary('Sin', phi);
    const cm: string[] = [g.add(g.mul(c, 0), 1)];
    const sm: string[] = [g.mul(c, 0)];
    for (let m = 1; m <= op.lMax; m++) {
      cm.push(g.sub(g.mul(cm[m - 1], c1), g.mul(sm[m - 1], s1)));
      sm.push(g.add(g.mul(sm[m - 1], c1), g.mul(cm[m - 1], s1)));
    }
    const f: string[] = [];
    for (let l = 0; l <= op.lMax; l++) {
      f[l * l] = g.mul(normalisation(l, 0), p[at(l, 0)]);
      for (let m = 1; m <= l; m++) {
        const v = g.mul(normalisation(l, m), p[at(l, m)]);
        f[l * l + 2 * m - 1] = g.mul(v, cm[m]);
        f[l * l + 2 * m] = g.mul(v, sm[m]);
      }
    }
    factors.push(f);
    us.push([g.add(g.mul(c, 0), 1), g.mul(s, c1), g.mul(s, s1), c]);
  }
  // Products in row-major order of the decays' indices; the first decay's factors times 1 are themselves.
  const products = (per_: string[][]): string => {
    let terms = per_[0];
    for (const next of per_.slice(1)) terms = terms.flatMap((t) => next.map((f) => g.mul(t, f)));
    return g.op('Concat', terms, [axisAttr(1)]);
  };
  const basis = products(factors);
  const z = products(us);
  const axis1 = g.int64s('head.axis1', [1]);
  const p = g.mul(g.op('ReduceSum', [g.mul(columns(g, o, op.eAt, op.eAt + kSize - 1), columns(g, basis, 1, kSize)), axis1], [intAttr('keepdims', 1)]), op.beta);
  const eye = new Float64Array(zn * zn);
  for (let i = 0; i < zn; i++) eye[i * zn + i] = 1;
  const lmat = g.add(g.tensor(g.fresh('head.identity'), [zn, zn], eye), g.mul(op.alpha, g.op('Reshape', [columns(g, o, op.lAt, op.lAt + zn * zn), g.int64s('head.lshape', [-1, zn, zn])])));
  const v = g.op('MatMul', [g.op('Unsqueeze', [z, axis1]), lmat]);
  const raw = g.op('Reshape', [g.op('ReduceSum', [g.mul(v, v), g.int64s('head.axis2', [2])], [intAttr('keepdims', 0)]), g.int64s('head.col', [-1, 1])]);
  const weights = g.tensor(g.fresh('head.weights'), [zn, 1], new DecayTensor(K).weights);
  const mean = g.op('MatMul', [g.op('ReduceSum', [g.mul(lmat, lmat), g.int64s('head.axis2', [2])], [intAttr('keepdims', 0)]), weights]);
  const q = g.div(raw, mean);
  const t = op.transform;
  const y0 = inverseTransform(g, col(o, 0), t);
  const slope = inverseSlope(g, y0, t, true);
  const yHat = g.add(y0, g.mul(slope, g.div(p, q)));
  const forward = t.kind === 'log' || t.kind === 'log-standardize' ? g.unary('Log', yHat)
    : t.kind === 'asinh-standardize' ? asinh(g, g.div(yHat, t.unit ?? 1)) : yHat;
  return g.div(g.sub(forward, t.shift), t.scale);
}

// Multivector ops (src/graph/ops.ts MvOp) on [N, 16, T, C] views of the flat
// [N, 16·T·C] buffers. Sums run in onnxruntime's order (MatMul, ReduceSum),
// not ampfit's, so results agree to rounding, not bit for bit.

const MVC = 16;

function mvView(g: GraphBuilder, t: string, dims: readonly number[]): string {
  return g.op('Reshape', [t, g.int64s('mv.shape', [-1, ...dims])]);
}

/** Blade 0 of a [N, 16, …] view, keeping the axis. */
function scalarPart(g: GraphBuilder, t: string): string {
  return g.op('Slice', [t, g.int64s('mv.start', [0]), g.int64s('mv.end', [1]), g.int64s('mv.axis', [1])]);
}

/** Each token's momentum into its channel-0 vector blades, its class as a scalar 1: one Gemm whose sums have a single nonzero term (exact). */
function mvEmbed(g: GraphBuilder, op: MvEmbedOp, x: string): string {
  const T = op.tokens;
  const C = op.channels;
  const w = new Float64Array(4 * T * MVC * T * C);
  const c = new Float64Array(MVC * T * C);
  for (let t = 0; t < T; t++) {
    for (let mu = 0; mu < 4; mu++) w[(4 * t + mu) * MVC * T * C + (op.blades[mu] * T + t) * C] = 1;
    c[t * C + 1 + op.classOf[t]] = 1;
  }
  return g.op('Gemm', [x, g.tensor(g.fresh('mv.embed'), [4 * T, MVC * T * C], w), g.tensor(g.fresh('mv.classes'), [MVC * T * C], c)]);
}

/** Per blade a: x_a·W_grade(a) + dualSign(a)·x_(a^15)·W_(9−grade(a)), bias on blade 0, then the residual. */
function mvLinear(g: GraphBuilder, op: MvLinearOp, x: string, residual: string | null): string {
  const { tokens: T, cin, cout } = op;
  const block = cin * cout;
  const direct = new Float64Array(MVC * block);
  const dual = new Float64Array(MVC * block);
  for (let a = 0; a < MVC; a++) {
    direct.set(op.w.subarray(op.grade[a] * block, (op.grade[a] + 1) * block), a * block);
    const d = op.w.subarray((9 - op.grade[a]) * block, (10 - op.grade[a]) * block);
    for (let k = 0; k < block; k++) dual[a * block + k] = op.dualSign[a] * d[k];
  }
  const bias = new Float64Array(MVC * cout);
  bias.set(op.w.subarray(10 * block, 10 * block + cout));
  const x4 = mvView(g, x, [MVC, T, cin]);
  const partner = g.op('Gather', [x4, g.int64s('mv.dual', Array.from({ length: MVC }, (_, a) => a ^ 15))], [axisAttr(1)]);
  const y = g.add(
    g.add(g.op('MatMul', [x4, g.tensor(g.fresh(`${op.name}.W`), [MVC, cin, cout], direct)]), g.op('MatMul', [partner, g.tensor(g.fresh(`${op.name}.Wdual`), [MVC, cin, cout], dual)])),
    g.tensor(g.fresh(`${op.name}.b`), [MVC, 1, cout], bias),
  );
  const flat = mvView(g, y, [MVC * T * cout]);
  return residual === null ? flat : g.add(flat, residual);
}

function mvNorm(g: GraphBuilder, op: MvNormOp, x: string): string {
  const x4 = mvView(g, x, [MVC, op.tokens, op.channels]);
  const metric = g.tensor(g.fresh('mv.metric'), [MVC, 1, 1], Float64Array.from(op.metric));
  const sq = g.op('ReduceSum', [g.mul(g.mul(x4, metric), x4), g.int64s('mv.axis', [1])], [intAttr('keepdims', 1)]);
  const n = g.add(g.div(g.op('ReduceSum', [g.unary('Abs', sq), g.int64s('mv.axis', [3])], [intAttr('keepdims', 1)]), op.channels), op.eps);
  return mvView(g, g.mul(x4, g.div(1, g.unary('Sqrt', n))), [MVC * op.tokens * op.channels]);
}

/** z = Σ_(a,b) x_a y_b M[a·16 + b, out]: the outer product of the components times the table as a 256 × 16 matrix. */
function mvBilinear(g: GraphBuilder, op: MvBilinearOp, x: string, y: string): string {
  const TC = op.tokens * op.channels;
  const m = new Float64Array(MVC * MVC * MVC);
  const t = op.table;
  for (let k = 0; k < t.sign.length; k++) m[(t.left[k] * MVC + t.right[k]) * MVC + t.out[k]] += t.sign[k];
  const outer = g.mul(mvView(g, x, [MVC, 1, TC]), mvView(g, y, [1, MVC, TC]));
  const pairs = g.op('Transpose', [mvView(g, outer, [MVC * MVC, TC])], [intsAttr('perm', [0, 2, 1])]);
  const z = g.op('MatMul', [pairs, g.tensor(g.fresh(`mv.${op.product}`), [MVC * MVC, MVC], m)]);
  return mvView(g, g.op('Transpose', [z], [intsAttr('perm', [0, 2, 1])]), [MVC * TC]);
}

function mvAttention(g: GraphBuilder, op: MvAttentionOp, q: string, k: string, v: string): string {
  const { tokens: T, heads: H, headChannels: Ch } = op;
  const view = (t: string): string => mvView(g, t, [MVC, T, H, Ch]);
  // [N, 16, T, H, Ch] → [N, H, T, 16·Ch]: a head's tokens as rows of all its components.
  const rows = (t: string): string => mvView(g, g.op('Transpose', [t], [intsAttr('perm', [0, 3, 2, 1, 4])]), [H, T, MVC * Ch]);
  const weights = g.tensor(g.fresh('mv.attention.metric'), [MVC, 1, 1, 1], Float64Array.from(op.metric, (e) => e * op.scale));
  const qs = rows(g.mul(view(q), weights));
  const kt = mvView(g, g.op('Transpose', [view(k)], [intsAttr('perm', [0, 3, 1, 4, 2])]), [H, MVC * Ch, T]);
  const logits = g.op('MatMul', [qs, kt]);
  const e = g.unary('Exp', g.sub(logits, g.op('ReduceMax', [logits], [intsAttr('axes', [3]), intAttr('keepdims', 1)])));
  const w = g.div(e, g.op('ReduceSum', [e, g.int64s('mv.axis', [3])], [intAttr('keepdims', 1)]));
  const o = mvView(g, g.op('MatMul', [w, rows(view(v))]), [H, T, MVC, Ch]);
  return mvView(g, g.op('Transpose', [o], [intsAttr('perm', [0, 3, 2, 1, 4])]), [MVC * T * H * Ch]);
}

function unreachable(op: never): never {
  throw new AmpfitError(`export --format onnx: no ONNX form for op '${(op as GraphOp).kind}'`);
}

/**
 * The ONNX model as protobuf bytes. Where ONNX does not follow ampfit bit for
 * bit: an orbit's images are averaged in group-element order, not sorted (the
 * mean is invariant to rounding, as against exactly in ampfit and the C export).
 */
export function exportOnnx(model: ExportModel, name: string): Uint8Array {
  const g = new GraphBuilder();
  const graph = model.graph;
  const t: string[] = ['x'];
  let bad: string | null = null;
  for (const op of graph.ops) {
    switch (op.kind) {
      case 'dense': {
        const w = g.weights(`${op.name}.W`, [op.nIn, op.nOut], op.w);
        const input = t[op.input];
        // Gemm, never MatMul: onnxruntime fuses a MatMul and a following Mul by a scalar into FusedMatMul, whose alpha is float32.
        let z = g.op('Gemm', op.b === null ? [input, w] : [input, w, g.weights(`${op.name}.b`, [op.nOut], op.b)]);
        if (op.residual !== null) z = g.add(z, t[op.residual]);
        t[op.output] = z;
        break;
      }
      case 'activation':
        t[op.output] = activation(g, t[op.input], op.activation);
        break;
      case 'rational':
        t[op.output] = rational(g, op, t[op.input]);
        break;
      case 'kanExpand':
        t[op.output] = kanExpand(g, op, t[op.input]);
        break;
      case 'gather':
        t[op.output] = g.op('Gather', [t[op.input], g.int64s('gather', op.columns)], [axisAttr(1)]);
        break;
      case 'concat':
        t[op.output] = g.op('Concat', op.inputs.map((b) => t[b]), [axisAttr(1)]);
        break;
      case 'momentumFeatures': {
        const m = momentumFeatures(g, op, t[op.input]);
        t[op.output] = m.features;
        bad = bad === null ? m.bad : g.op('Or', [bad, m.bad]);
        break;
      }
      case 'legendre':
        t[op.output] = legendre(g, op, t[op.input]);
        break;
      case 'forest':
        t[op.output] = forest(g, op.forest, t[op.input]);
        break;
      case 'mean': {
        const k = op.inputs.length;
        const terms = op.inputs.map((b) => (op.order === 'divide-then-sum' ? g.div(t[b], k) : t[b]));
        const sum = terms.reduce((a, b) => g.add(a, b));
        t[op.output] = op.order === 'divide-then-sum' ? sum : g.div(sum, k);
        break;
      }
      case 'orbit':
        orbit(g, op, t[op.input], graph.widths[op.input]).forEach((image, r) => {
          t[op.outputs[r]] = image;
        });
        break;
      case 'fold':
        t[op.output] = fold(g, op, t[op.input], graph.widths[op.input]);
        break;
      case 'variance':
        t[op.output] = g.unary('Exp', g.op('Clip', [t[op.input], g.scalar(op.logVarMin), g.scalar(op.logVarMax)]));
        break;
      case 'inverseTransform':
        t[op.output] = inverseTransform(g, t[op.input], op.transform);
        break;
      case 'periodic':
        t[op.output] = periodic(g, op, t[op.input]);
        break;
      case 'logEdges':
        t[op.output] = logEdges(g, op, t[op.input], graph.widths[op.input]);
        break;
      case 'angularHead':
        t[op.output] = angularHead(g, op, t[op.row], t[op.inner]);
        break;
      case 'sigma': {
        const slope = inverseSlope(g, t[op.value], op.transform);
        t[op.output] = g.mul(g.mul(op.scale, g.unary('Sqrt', t[op.variance])), slope);
        break;
      }
      case 'mvEmbed':
        t[op.output] = mvEmbed(g, op, t[op.input]);
        break;
      case 'mvLinear':
        t[op.output] = mvLinear(g, op, t[op.input], op.residual === null ? null : t[op.residual]);
        break;
      case 'mvNorm':
        t[op.output] = mvNorm(g, op, t[op.input]);
        break;
      case 'mvGate': {
        const x4 = mvView(g, t[op.input], [MVC, op.tokens, op.channels]);
        t[op.output] = mvView(g, g.mul(x4, activation(g, scalarPart(g, x4), op.activation)), [MVC * op.tokens * op.channels]);
        break;
      }
      case 'mvBilinear':
        t[op.output] = mvBilinear(g, op, t[op.left], t[op.right]);
        break;
      case 'mvAttention':
        t[op.output] = mvAttention(g, op, t[op.q], t[op.k], t[op.v]);
        break;
      case 'mvReadout': {
        const s0 = scalarPart(g, mvView(g, t[op.input], [MVC, op.tokens, op.channels]));
        t[op.output] = g.div(g.op('ReduceSum', [s0, g.int64s('mv.axes', [1, 2])], [intAttr('keepdims', 0)]), op.tokens);
        break;
      }
      default:
        return unreachable(op);
    }
  }
  const nan = (v: string): string => (bad === null ? v : g.where(bad, g.scalar(Number.NaN), v));
  // Identity nodes give the outputs their names, whatever op made them.
  g.nodes.push({ opType: 'Identity', name: 'y', input: [nan(t[graph.outputs.value])], output: ['y'] });
  const sigma = graph.outputs.sigma;
  if (sigma !== null) g.nodes.push({ opType: 'Identity', name: 'sigma_syst', input: [nan(t[sigma])], output: ['sigma_syst'] });
  const info = model.info;
  const inputDoc = info.inputKind === 'momenta'
    ? `four-momenta (E, px, py, pz per particle, GeV) ${info.inputs.join(', ')}; rows that fail ampfit's momentum checks give NaN`
    : `hypercube coordinates ${info.inputs.join(', ')}`;
  const doc =
    `ampfit ${info.ampfitVersion}: ${info.model}, ${info.parameterCount} parameters. ` +
    `x: float64 [N, ${model.inputDim}] = ${inputDoc}; y: float64 [N, 1] = ${info.returns}.`;
  const ml = g.domains.has(ML_DOMAIN);
  const forestOp = graph.ops.find((op) => op.kind === 'forest');
  const proto = onnx.ModelProto.create({
    irVersion: ml ? ONNX_IR_VERSION_ML : ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(ml ? [{ domain: ML_DOMAIN, version: ONNX_ML_OPSET }] : [])],
    producerName: 'ampfit',
    producerVersion: info.ampfitVersion,
    docString: doc,
    graph: {
      name,
      docString: doc,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorInfo('x', ['N', model.inputDim], inputDoc)],
      output: [
        tensorInfo('y', ['N', 1], info.returns),
        ...(sigma === null ? [] : [tensorInfo('sigma_syst', ['N', 1], `learned systematic uncertainty of y, same units`)]),
      ],
    },
    metadataProps: [
      { key: 'ampfit.inputs', value: JSON.stringify(info.inputs) },
      { key: 'ampfit.returns', value: info.returns },
      { key: 'ampfit.info', value: JSON.stringify(info) },
      ...(forestOp?.kind === 'forest' ? [{ key: 'ampfit.base_score', value: String(forestOp.forest.baseScore) }] : []),
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}

