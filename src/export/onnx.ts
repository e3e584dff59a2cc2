// ExportModel → ONNX (opset 17, IR 8), every tensor float64. Forests add
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
import { A, B, C, D, P, Q, SQRPI, THRESH } from '../kernels/activations.js';
import { AmpfitError } from '../util/errors.js';
import { forestLayout, type SigmaMap, type ExportModel, type ExportSymmetry, type ForestBody, type LegendreBody, type NetworkBody, type OutputMap } from './describe.js';

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

  private fresh(prefix: string): string {
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

function network(g: GraphBuilder, body: NetworkBody, x: string): string {
  const buffers: string[] = [x];
  for (const l of body.layers) {
    const w = g.tensor(`${l.name}.W`, [l.nIn, l.nOut], l.w);
    const input = buffers[l.input];
    let z = l.b === null ? g.op('MatMul', [input, w]) : g.op('Gemm', [input, w, g.tensor(`${l.name}.b`, [l.nOut], l.b)]);
    if (l.residual >= 0) z = g.add(z, buffers[l.residual]);
    buffers[l.output] = activation(g, z, l.activation);
  }
  return buffers[buffers.length - 1];
}

/** Legendre features by the three-term recurrence on all inputs at once, gathered into the basis products. */
function legendre(g: GraphBuilder, body: LegendreBody, x: string): string {
  const d = body.inputDim;
  const u = g.sub(g.mul(2, x), 1);
  // P_0 = 1 as a full [N, D] tensor, so that Gather can address it like the others.
  const one = g.add(g.sub(u, u), 1);
  const p: string[] = [one];
  if (body.degree >= 1) p.push(u);
  for (let k = 2; k <= body.degree; k++) {
    p.push(g.div(g.sub(g.mul(g.mul(2 * k - 1, u), p[k - 1]), g.mul(k - 1, p[k - 2])), k));
  }
  // Column k·D + j of `all` is P_k(u_j).
  const all = p.length === 1 ? p[0] : g.op('Concat', p, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
  let product: string | null = null;
  for (let j = 0; j < d; j++) {
    const idx = g.int64s(`legendre.idx${j}`, body.terms.map((e) => e[j] * d + j));
    const factor = g.op('Gather', [all, idx], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
    product = product === null ? factor : g.mul(product, factor);
  }
  const coef = g.tensor('legendre.coef', [body.coef.length, 1], body.coef);
  return g.op('MatMul', [product as string, coef]);
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

function outputMap(g: GraphBuilder, t: string, m: OutputMap): string {
  let a = t;
  if (m.scale !== 1) a = g.mul(a, m.scale);
  if (m.shift !== 0) a = g.add(a, m.shift);
  switch (m.g) {
    case 'affine':
      return a;
    case 'exp':
      return g.unary('Exp', a);
    case 'sinh': {
      // sinh(a) = 2t/(1 − t²), t = tanh(a/2), accurate near 0; (e^a − e^−a)/2 beyond |a| = 1.
      const th = g.unary('Tanh', g.mul(a, 0.5));
      const near = g.div(g.mul(2, th), g.sub(1, g.mul(th, th)));
      const far = g.mul(0.5, g.sub(g.unary('Exp', a), g.unary('Exp', g.unary('Neg', a))));
      const s = g.where(g.compare('Less', g.unary('Abs', a), 1), near, far);
      return m.unit === 1 ? s : g.mul(m.unit, s);
    }
  }
}

/** σ_syst = scale · exp(½ clamp(u)) · |dy/dt| (TargetTransform.inverseSlope written in y). */
function sigmaSyst(g: GraphBuilder, u: string, y: string, s: SigmaMap, m: OutputMap): string {
  const clamped = g.op('Min', [g.op('Max', [u, g.scalar(s.logVarMin)]), g.scalar(s.logVarMax)]);
  const sigmaT = g.mul(s.scale, g.unary('Exp', g.mul(0.5, clamped)));
  switch (m.g) {
    case 'affine':
      return g.mul(sigmaT, Math.abs(m.scale));
    case 'exp':
      return g.mul(g.mul(sigmaT, Math.abs(m.scale)), g.unary('Abs', y));
    case 'sinh':
      return g.mul(g.mul(sigmaT, Math.abs(m.scale)), g.unary('Sqrt', g.add(g.mul(y, y), m.unit * m.unit)));
  }
}

function tensorInfo(name: string, dims: readonly (number | string)[], doc: string): IValueInfoProto {
  return {
    name,
    docString: doc,
    type: { tensorType: { elemType: DOUBLE, shape: { dim: dims.map((v) => (typeof v === 'string' ? { dimParam: v } : { dimValue: v })) } } },
  };
}

/** The ONNX model as protobuf bytes. */
export function exportOnnx(model: ExportModel, name: string): Uint8Array {
  const g = new GraphBuilder();
  const body = model.body;
  const input = model.symmetry === null ? 'x' : orbitStack(g, model.symmetry, model.inputDim);
  let t: string;
  switch (body.kind) {
    case 'network':
      t = body.members === undefined ? network(g, body, input) : memberNetworks(g, body, input, model.sigma ?? null);
      break;
    case 'legendre':
      t = legendre(g, body, input);
      break;
    case 'forest':
      t = forest(g, body, input);
      break;
    default:
      throw new AmpfitError(`export --format onnx: no ONNX form for a '${(body as { kind: string }).kind}' model yet`);
  }
  const sigma = model.sigma ?? null;
  if (model.symmetry !== null) {
    if (sigma !== null) throw new AmpfitError('export --format onnx: a symmetric model with learned σ has no export yet');
    // [G·N, 1] → [G, N, 1] → mean over G.
    const stacked = g.op('Reshape', [t, g.int64s('orbit_shape', [model.symmetry.elements.length, -1, 1])]);
    t = g.op('ReduceMean', [stacked], [intsAttr('axes', [0]), intAttr('keepdims', 0)]); // axes is an attribute up to opset 17
  }
  let sigmaOut: string | null = null;
  if (sigma !== null) {
    // Columns of the (mean, log σ²) head, each kept [N, 1].
    const column = (c: number): string => g.op('Slice', [t, g.int64s(`head.start${c}`, [c]), g.int64s(`head.end${c}`, [c + 1]), g.int64s(`head.axes${c}`, [1])]);
    const u = column(1);
    t = column(0);
    const y = outputMap(g, t, model.output);
    sigmaOut = sigmaSyst(g, u, y, sigma, model.output);
    rename(g.nodes, y, 'y');
    rename(g.nodes, sigmaOut, 'sigma_syst');
  } else {
    rename(g.nodes, outputMap(g, t, model.output), 'y');
  }
  const info = model.info;
  const doc =
    `ampfit ${info.ampfitVersion}: ${info.model}, ${info.parameterCount} parameters. ` +
    `x: float64 [N, ${model.inputDim}] = (${info.inputs.join(', ')}) in the unit hypercube; y: float64 [N, 1] = ${info.returns}.`;
  const ml = g.domains.has(ML_DOMAIN);
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
      input: [tensorInfo('x', ['N', model.inputDim], `hypercube coordinates ${info.inputs.join(', ')}`)],
      output: [
        tensorInfo('y', ['N', 1], info.returns),
        ...(sigmaOut === null ? [] : [tensorInfo('sigma_syst', ['N', 1], `learned systematic uncertainty of y, same units`)]),
      ],
    },
    metadataProps: [
      { key: 'ampfit.inputs', value: JSON.stringify(info.inputs) },
      { key: 'ampfit.returns', value: info.returns },
      { key: 'ampfit.info', value: JSON.stringify(info) },
      ...(body.kind === 'forest' ? [{ key: 'ampfit.base_score', value: String(body.baseScore) }] : []),
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * An ensemble's members or a BNN's weight samples (NetworkBody.members) as
 * one [N, 2] head (f, u): f = Σ_k f_k / K and u = log Σ_k exp(clamp(u_k)) / K,
 * summed in member order, so the σ map downstream gives s·sqrt(mean σ_k²) as
 * src/uncertainty/regressor.ts does.
 */
function memberNetworks(g: GraphBuilder, body: NetworkBody, x: string, sigma: SigmaMap | null): string {
  if (sigma === null) throw new AmpfitError('export --format onnx: a network with several weight vectors must have learned σ');
  const members = body.members ?? [];
  const k = members.length;
  const column = (t: string, c: number): string => g.op('Slice', [t, g.int64s('member.start', [c]), g.int64s('member.end', [c + 1]), g.int64s('member.axes', [1])]);
  let f: string | null = null;
  let v: string | null = null;
  for (const layers of members) {
    const out = network(g, { kind: 'network', inputDim: body.inputDim, layers }, x);
    const fk = g.div(column(out, 0), k);
    const vk = g.div(g.op('Exp', [g.op('Clip', [column(out, 1), g.scalar(sigma.logVarMin), g.scalar(sigma.logVarMax)])]), k);
    f = f === null ? fk : g.add(f, fk);
    v = v === null ? vk : g.add(v, vk);
  }
  if (f === null || v === null) throw new AmpfitError('export --format onnx: a network with no members');
  return g.op('Concat', [f, g.op('Log', [v])], [intAttr('axis', 1)]);
}

/**
 * A symmetric model's input for the body: every image of x, stacked as
 * [G·N, D] with image k in rows k·N … (k+1)·N − 1. Only averaging has an ONNX
 * form: the fold picks one image per point by a lexicographic comparison that
 * has no reasonable expression in ONNX operators. The mean over images sums
 * in ONNX Runtime's order, so invariance holds to rounding, not bit for bit
 * as in ampfit and the C export.
 */
function orbitStack(g: GraphBuilder, s: ExportSymmetry, d: number): string {
  if (s.mode !== 'average') {
    throw new AmpfitError('export --format onnx: a model with folded inputs (symmetry_mode "fold") has no ONNX form; export it with --format c, or train with symmetry_mode "average"');
  }
  const images = s.elements.map((e, k) => {
    const picked = g.op('Gather', ['x', g.int64s(`image${k}_src`, Array.from(e.src))], [intAttr('axis', 1)]);
    if (!e.reflect.includes(1)) return picked;
    // 1 − x on the reflected columns: x·(1 − 2r) + r.
    const sign = g.tensor(`image${k}_sign`, [d], Float64Array.from(e.reflect, (r) => 1 - 2 * r));
    const offset = g.tensor(`image${k}_offset`, [d], Float64Array.from(e.reflect));
    return g.add(g.mul(picked, sign), offset);
  });
  return g.op('Concat', images, [intAttr('axis', 0)]);
}

/** Renames tensor `from` to `to` wherever a node reads or writes it. */
function rename(nodes: INodeProto[], from: string, to: string): void {
  for (const n of nodes) {
    if (n.output) n.output = n.output.map((s) => (s === from ? to : s));
    if (n.input) n.input = n.input.map((s) => (s === from ? to : s));
  }
}
