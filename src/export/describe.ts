// A trained Surrogate as a neutral, format-free description that every
// exporter consumes: what the regressor computes on hypercube coordinates
// (its "body"), how its output maps back to physical units, and what to tell
// the reader about where it came from.
//
// Bodies are one variant per family of model types, so a new family (tree
// ensembles) adds a variant, a describer below and a case in each exporter,
// without touching the network path. A model type without a describer cannot
// be exported and says so.
//
// dtype policy: everything here is float64, and so is every export — except
// a forest's thresholds, float32 values by construction, which every export
// keeps exactly (ampfit decides on float32(x) < threshold).

import { isStructuredConfig } from '../nn/structuredNetwork.js';
import { forestFromArrays } from '../models/gbdt/forest.js';
import { multiIndices } from '../models/polynomial.js';
import { float64Array, type SerializedRegressor } from '../models/regressor.js';
import type { Surrogate } from '../models/surrogate.js';
import type { Activation } from '../kernels/types.js';
import { buildPlan, describeNetwork, parseNetworkConfig, type NetworkConfig } from '../nn/index.js';
import { TargetTransform, type TargetTransformJSON } from '../transforms/target.js';
import { SymmetricRegressor } from '../models/symmetric.js';
import type { SignedPermutation } from '../symmetry/coordinateMap.js';
import { LOG_VAR_MAX, LOG_VAR_MIN } from '../uncertainty/gaussian.js';
import { UncertainRegressor, type UncertaintySpec } from '../uncertainty/regressor.js';
import { AmpfitError } from '../util/errors.js';
import { AMPFIT_VERSION } from '../version.js';

/** One dense op over numbered buffers (0 = the input), exactly as src/nn/plan.ts runs it. */
export interface DenseLayer {
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  /** nIn×nOut, row-major: z = x·W + b (+ residual). */
  readonly w: Float64Array;
  readonly b: Float64Array | null;
  readonly activation: Activation;
  readonly input: number;
  /** Buffer added before the activation, or -1. */
  readonly residual: number;
  readonly output: number;
}

/** DNN and sk-DNN: a list of dense ops; the last writes the single output. */
export interface NetworkBody {
  readonly kind: 'network';
  readonly inputDim: number;
  readonly layers: readonly DenseLayer[];
  /**
   * Ensembles and Bayesian networks (K ≥ 2 weight vectors of one (f, log σ²)
   * network): every member's layers, names prefixed "member<k>.", member 0
   * first (= layers). The output is then f = Σ_k f_k / K and
   * σ² = Σ_k exp(clamp(u_k)) / K, summed in member order, as
   * src/uncertainty/regressor.ts predicts.
   */
  readonly members?: readonly (readonly DenseLayer[])[];
}

/**
 * Least-squares Legendre polynomial (src/models/polynomial.ts):
 * Σ_t coef[t] · Π_j P_{terms[t][j]}(2 x_j − 1).
 */
export interface LegendreBody {
  readonly kind: 'legendre';
  readonly inputDim: number;
  readonly degree: number;
  readonly terms: readonly Uint8Array[];
  readonly coef: Float64Array;
}

/**
 * Boosted trees (src/models/gbdt/forest.ts, the Forest layout): tree t owns
 * nodes treeOffset[t] .. treeOffset[t+1]; children are tree-local, left[k] < 0
 * marks a leaf, right = left + 1; a row goes left iff
 * float32(x[feature]) < threshold (NaN goes right). The output is
 * baseScore + Σ_t value[leaf_t(x)], summed in float64 in exactly that order:
 * base score first, then the trees in order (src/kernels/forest.ts and
 * native/kernels/forest.c), which every export reproduces.
 */
export interface ForestBody {
  readonly kind: 'forest';
  readonly inputDim: number;
  readonly baseScore: number;
  readonly treeOffset: Int32Array;
  readonly feature: Uint16Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly value: Float64Array;
}

export type ExportBody = NetworkBody | LegendreBody | ForestBody;

/**
 * The regressor's output t back to physical units: y = g(t·scale + shift) with
 * g the identity ('affine'), exp ('exp') or unit·sinh ('sinh'). For a
 * Born-normalised model y is the ratio target/born, as Surrogate.predict.
 */
export interface OutputMap {
  readonly g: 'affine' | 'exp' | 'sinh';
  readonly scale: number;
  readonly shift: number;
  readonly unit: number;
}

/** Plain facts for comments and metadata in the exported files. */
export interface ExportInfo {
  readonly ampfitVersion: string;
  /** e.g. "sk-DNN 9-36 (4D, leaky_relu 0.3)". */
  readonly model: string;
  readonly inputs: readonly string[];
  readonly target: string;
  readonly born: string | null;
  /** What the exported function returns, in words. */
  readonly returns: string;
  readonly transform: TargetTransformJSON;
  readonly parameterCount: number;
  readonly created: string;
  readonly seed: number;
  readonly testR: Readonly<Record<string, number>> | null;
}

/**
 * A symmetric model (src/models/symmetric.ts): the body runs on the folded
 * point, or on every image with the outputs averaged, before the output map.
 * Every element of the group, identity first, as signed permutations.
 */
export interface ExportSymmetry {
  readonly mode: 'fold' | 'average';
  readonly elements: readonly SignedPermutation[];
  readonly reflectable: Uint8Array;
}

/**
 * A heteroscedastic network's learned σ_syst (src/uncertainty/): the body
 * then ends in two outputs (t, u) and, in physical units,
 * σ_syst = scale · exp(½ clamp(u, logVarMin, logVarMax)) · |dy/dt| with y the
 * OutputMap of t — exactly Surrogate.predictUncertain's formula.
 */
export interface SigmaMap {
  /** The calibration scale stored in the model. */
  readonly scale: number;
  readonly logVarMin: number;
  readonly logVarMax: number;
}

export interface ExportModel {
  readonly inputDim: number;
  readonly body: ExportBody;
  /** null: the body runs on the input as it is. */
  readonly symmetry: ExportSymmetry | null;
  readonly output: OutputMap;
  /** Absent or null unless the model learned σ_syst (heteroscedastic networks only, so far). */
  readonly sigma?: SigmaMap | null;
  readonly info: ExportInfo;
}

type Describer = (s: SerializedRegressor) => { body: ExportBody; label: string };

const DESCRIBERS: ReadonlyMap<string, Describer> = new Map<string, Describer>([
  ['dnn', networkBody],
  ['skdnn', networkBody],
  ['poly', legendreBody],
  ['bdt', forestBody],
]);

/** Model types that can be exported. */
export const EXPORTABLE_TYPES: readonly string[] = [...DESCRIBERS.keys()];

export function describeSurrogate(model: Surrogate): ExportModel {
  const outer = model.regressor;
  // A symmetric model exports its inner model plus the group.
  const symmetry: ExportSymmetry | null =
    outer instanceof SymmetricRegressor ? { mode: outer.mode, elements: outer.group.elements, reflectable: outer.group.reflectable } : null;
  const regressor = outer instanceof SymmetricRegressor ? outer.inner : outer;
  const serialized = regressor.serialize();
  const type = regressor.type;
  const describer = DESCRIBERS.get(type);
  if (describer === undefined) {
    throw new AmpfitError(`export: model type '${type}' cannot be exported yet (exportable: ${EXPORTABLE_TYPES.join(', ')})`);
  }
  const described = regressor instanceof UncertainRegressor && regressor.weightVectors.length > 1
    ? memberNetworks(serialized, regressor.weightVectors)
    : describer(serialized);
  const { body } = described;
  const label = symmetry === null ? described.label : `${described.label}, ${symmetry.mode === 'fold' ? 'folded into 1' : 'averaged over'}/${symmetry.elements.length} of the domain`;
  if (body.inputDim !== model.d) {
    throw new AmpfitError(`export: the regressor takes ${body.inputDim} inputs but the model names ${model.d} (${model.inputs.join(', ')})`);
  }
  const h = model.header;
  // Parsed again so a bad transform in the file fails here, not in generated code.
  const transform = TargetTransform.fromJSON(h.target.transform).toJSON();
  const test = h.metrics?.test ?? null;
  return {
    inputDim: model.d,
    body,
    symmetry,
    output: outputMap(transform),
    sigma: sigmaMap(serialized.spec),
    info: {
      ampfitVersion: AMPFIT_VERSION,
      model: label,
      inputs: [...model.inputs],
      target: h.target.column,
      born: h.target.born,
      returns: h.target.born === null ? `${h.target.column}` : `the ratio ${h.target.column}/${h.target.born}`,
      transform,
      parameterCount: model.regressor.parameterCount(),
      created: h.provenance?.created ?? 'unknown',
      seed: h.provenance?.seed ?? 0,
      testR: test === null ? null : test.R_pct,
    },
  };
}

function outputMap(t: TargetTransformJSON): OutputMap {
  switch (t.kind) {
    case 'none':
    case 'standardize':
      return { g: 'affine', scale: t.scale, shift: t.shift, unit: 1 };
    case 'log':
    case 'log-standardize':
      return { g: 'exp', scale: t.scale, shift: t.shift, unit: 1 };
    case 'asinh-standardize':
      return { g: 'sinh', scale: t.scale, shift: t.shift, unit: t.unit ?? 1 };
  }
}

function sigmaMap(spec: Record<string, unknown>): SigmaMap | null {
  const u = spec.uncertainty as UncertaintySpec | undefined;
  return u === undefined ? null : { scale: u.sigma_scale, logVarMin: LOG_VAR_MIN, logVarMax: LOG_VAR_MAX };
}

function networkBody(s: SerializedRegressor): { body: NetworkBody; label: string } {
  if (isStructuredConfig(s.spec.network)) {
    // The input stage and harmonic head become ops of the model graph (the model-graph issue); until then a clear refusal.
    throw new AmpfitError('export: models with periodic inputs or an angular head (config data.periodic, angular) cannot be exported yet; ampfit predict and eval run them');
  }
  const config = parseNetworkConfig(s.spec.network, 'model.regressor.network');
  const params = float64Array(s, 'params', 'export');
  return { body: { kind: 'network', inputDim: config.inputDim, layers: denseLayers(config, params, '') }, label: describeNetwork(config) };
}

/** A BNN's M weight samples or an ensemble's members as one body (see NetworkBody.members). */
function memberNetworks(s: SerializedRegressor, vectors: readonly Float64Array[]): { body: NetworkBody; label: string } {
  const config = parseNetworkConfig(s.spec.network, 'model.regressor.network');
  const members = vectors.map((w, k) => denseLayers(config, w, `member${k}.`));
  const method = (s.spec.uncertainty as UncertaintySpec | undefined)?.method ?? 'ensemble';
  return {
    body: { kind: 'network', inputDim: config.inputDim, layers: members[0], members },
    label: `${describeNetwork(config)}, ${method === 'bnn' ? `BNN with ${vectors.length} weight samples` : `ensemble of ${vectors.length}`}`,
  };
}

function denseLayers(config: NetworkConfig, params: Float64Array, prefix: string): DenseLayer[] {
  const plan = buildPlan(config);
  if (params.length !== plan.paramCount) {
    throw new AmpfitError(`export: model holds ${params.length} parameters, ${describeNetwork(config)} needs ${plan.paramCount}`);
  }
  return plan.ops.map((op) => ({
    name: prefix + op.name,
    nIn: op.nIn,
    nOut: op.nOut,
    w: params.slice(op.wOffset, op.wOffset + op.nIn * op.nOut),
    b: op.bOffset >= 0 ? params.slice(op.bOffset, op.bOffset + op.nOut) : null,
    activation: op.act,
    input: op.input,
    residual: op.residual,
    output: op.output,
  }));
}

function legendreBody(s: SerializedRegressor): { body: LegendreBody; label: string } {
  const { d, degree } = s.spec as { d?: unknown; degree?: unknown };
  const coef = float64Array(s, 'coef', 'export');
  if (typeof d !== 'number' || typeof degree !== 'number' || !Number.isInteger(d) || !Number.isInteger(degree)) {
    throw new AmpfitError('export: poly model spec lacks d, degree or coef');
  }
  const terms = multiIndices(d, degree);
  if (terms.length !== coef.length) throw new AmpfitError(`export: poly has ${coef.length} coefficients for ${terms.length} terms`);
  return { body: { kind: 'legendre', inputDim: d, degree, terms, coef: coef.slice() }, label: `poly deg ${degree} (${d}D)` };
}

function forestBody(s: SerializedRegressor): { body: ForestBody; label: string } {
  const { d, base_score: base } = s.spec as { d?: unknown; base_score?: unknown };
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || typeof base !== 'number') {
    throw new AmpfitError('export: bdt model spec lacks d or base_score');
  }
  // Checks dtypes, lengths and that every child lies after its parent inside its tree.
  const f = forestFromArrays(s.arrays, d, base);
  const body: ForestBody = {
    kind: 'forest', inputDim: d, baseScore: base,
    treeOffset: f.treeOffset, feature: f.feature, threshold: f.threshold, left: f.left, value: f.value,
  };
  const trees = body.treeOffset.length - 1;
  const label = `BDT ${trees.toLocaleString('en-US')} tree${trees === 1 ? '' : 's'}, ${body.left.length.toLocaleString('en-US')} nodes (${d}D, depth ≤ ${forestDepth(body)})`;
  return { body, label };
}

/** Depth of each tree's deepest leaf (a single-leaf tree has depth 0). */
export function treeDepths(body: ForestBody): Int32Array {
  const nTrees = body.treeOffset.length - 1;
  const out = new Int32Array(nTrees);
  const depth = new Int32Array(body.left.length);
  for (let t = 0; t < nTrees; t++) {
    const off = body.treeOffset[t];
    let max = 0;
    // Children follow their parent inside a tree, so one forward pass sets every depth.
    for (let k = off; k < body.treeOffset[t + 1]; k++) {
      const l = body.left[k];
      if (l < 0) max = Math.max(max, depth[k]);
      else depth[off + l] = depth[off + l + 1] = depth[k] + 1;
    }
    out[t] = max;
  }
  return out;
}

/** Depth of the forest's deepest leaf. */
export function forestDepth(body: ForestBody): number {
  return treeDepths(body).reduce((a, b) => Math.max(a, b), 0);
}

/**
 * A forest renumbered for the exporters: internal nodes and leaves in
 * separate arrays (tree by tree, each tree's nodes in their stored order).
 * A reference to a node is its internal index i ≥ 0, or ~j = −1 − j for leaf
 * j. Internal node i sends a row to child[2i] (x < threshold, "true") or
 * child[2i + 1] (otherwise). root[t] is tree t's root: ~j for a tree that
 * is a single leaf. Decisions, leaf values and the base score are untouched.
 */
export interface ForestLayout {
  readonly nTrees: number;
  readonly root: Int32Array;
  readonly feature: Uint16Array;
  readonly threshold: Float32Array;
  readonly child: Int32Array;
  readonly leaf: Float64Array;
  /** Leaf index → tree, for exporters that fold the base score into the first tree. */
  readonly leafTree: Int32Array;
}

export function forestLayout(body: ForestBody): ForestLayout {
  const m = body.left.length;
  const nTrees = body.treeOffset.length - 1;
  let nLeaves = 0;
  for (let k = 0; k < m; k++) if (body.left[k] < 0) nLeaves++;
  const nInternal = m - nLeaves;
  // Global node → reference in the new numbering.
  const ref = new Int32Array(m);
  let internal = 0;
  let leaves = 0;
  const leafTree = new Int32Array(nLeaves);
  for (let t = 0; t < nTrees; t++) {
    for (let k = body.treeOffset[t]; k < body.treeOffset[t + 1]; k++) {
      if (body.left[k] < 0) {
        leafTree[leaves] = t;
        ref[k] = ~leaves++;
      } else {
        ref[k] = internal++;
      }
    }
  }
  const root = new Int32Array(nTrees);
  const feature = new Uint16Array(nInternal);
  const threshold = new Float32Array(nInternal);
  const child = new Int32Array(2 * nInternal);
  const leaf = new Float64Array(nLeaves);
  for (let t = 0; t < nTrees; t++) {
    const off = body.treeOffset[t];
    root[t] = ref[off];
    for (let k = off; k < body.treeOffset[t + 1]; k++) {
      const r = ref[k];
      if (r < 0) {
        leaf[~r] = body.value[k];
      } else {
        feature[r] = body.feature[k];
        threshold[r] = body.threshold[k];
        child[2 * r] = ref[off + body.left[k]];
        child[2 * r + 1] = ref[off + body.left[k] + 1];
      }
    }
  }
  return { nTrees, root, feature, threshold, child, leaf, leafTree };
}

/**
 * Buffer → storage slot for running a network body with a few reused
 * buffers: a buffer's slot is freed after its last reader, as in
 * src/nn/network.ts's InferWorkspace. Slot -1 is the caller's input.
 */
export function assignSlots(body: NetworkBody): { slotOf: Int32Array; slots: number; maxWidth: number } {
  const n = body.layers.length + 1;
  const lastUse = new Int32Array(n).fill(-1);
  body.layers.forEach((l, i) => {
    lastUse[l.input] = i;
    if (l.residual >= 0) lastUse[l.residual] = i;
  });
  const slotOf = new Int32Array(n).fill(-1);
  const free: number[] = [];
  let slots = 0;
  let maxWidth = 1;
  body.layers.forEach((l, i) => {
    maxWidth = Math.max(maxWidth, l.nOut);
    const slot = free.length > 0 ? (free.pop() as number) : slots++;
    slotOf[l.output] = slot;
    // Freed only after this layer: it still reads them while writing its output.
    for (const b of [l.input, l.residual]) {
      if (b > 0 && lastUse[b] === i && !free.includes(slotOf[b])) free.push(slotOf[b]);
    }
  });
  return { slotOf, slots, maxWidth };
}
