import type { Forest } from '../models/gbdt/forest.js';
import type { ForestBody } from '../graph/ops.js';
import { modelGraph } from './describe.js';
import type { Surrogate } from '../models/surrogate.js';
import type { TargetTransformJSON } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import { AMPFIT_VERSION } from '../util/version.js';

// Export of a boosted-trees model (model_type "bdt") as an XGBoost 1.7 JSON
// model (the format of Booster.save_model("m.json"); schema: dmlc/xgboost
// doc/model.schema, writers src/tree/tree_model.cc RegTree::SaveModel,
// src/gbm/gbtree_model.cc, src/learner.cc). XGBoost ≥ 1.7 loads it with
// xgb.Booster(model_file=...) and predicts with predict(DMatrix(x)) or
// inplace_predict(x).
//
// Dtype policy — what precision survives (float64 → float32 at this boundary):
// - Decisions are identical. XGBoost casts every input to float32 and sends a
//   row left iff float32(x) < split_condition; ampfit's thresholds are float32
//   values already and its rule is the same (src/models/gbdt/binning.ts), so
//   every row reaches the same leaf of every tree. (NaN, which ampfit's data
//   never hold, goes right in both: default_left = 0.)
// - Leaf values and base_score are rounded to float32: a relative error of at
//   most 2^-24 ≈ 6e-8 per leaf. XGBoost then adds base_score and the leaves in
//   float32, tree by tree, each addition rounding to 2^-24 of the running sum:
//   with T trees the sum is off by at most about T · 6e-8 and typically by
//   √T · 6e-8 of the prediction's magnitude (a few 1e-7 relative for hundreds
//   of trees), against ampfit's float64 sum. For a log target transform an
//   absolute error Δt of the transformed prediction becomes a relative error
//   scale·Δt of the physical one.
// - gains (loss_changes) and hessian sums (sum_hessian) are float32 in ampfit
//   already; base_weights are rounded like the leaves. None of these enter a
//   prediction.
//
// Target transforms:
// - none / standardize (y = shift + scale·t) are folded in: every leaf and
//   base weight is multiplied by scale, loss changes by scale² (the tree's exact
//   statistics for the target y: gradients scale by `scale`, hessians do not),
//   and base_score = shift + scale·base. XGBoost then predicts the physical
//   value — for a Born-normalised model the ratio target/born, as
//   Surrogate.predict does (multiply by your Born term for the target itself).
// - log / log-standardize / asinh-standardize cannot be expressed in XGBoost:
//   the export is the model of the transformed target t, and XGBoost predicts
//   t. The inverse is recorded in the learner's attributes (ampfit_output =
//   "transformed", ampfit_inverse = y = exp(shift + scale·t) or
//   unit·sinh(shift + scale·t), with ampfit_transform_kind/_shift/_scale/_unit as
//   round-trip decimal strings); xgboostExportInfo() says so in words for the CLI.
// The attributes also record ampfit's version, the model name, the input
// columns in order, the target and Born columns. feature_names stays empty on
// purpose: with it set, XGBoost 1.7 refuses DMatrix inputs that have no names
// (e.g. plain numpy arrays).

/** The XGBoost version whose JSON layout is written. */
export const XGBOOST_JSON_VERSION = [1, 7, 4] as const;

/** What an export means: written next to the file by the CLI, and recorded in its attributes. */
export interface XgboostExportInfo {
  /** 'physical': XGBoost predicts what Surrogate.predict does; 'transformed': apply `inverse` to XGBoost's output. */
  readonly output: 'physical' | 'transformed';
  /** The transform to invert when output is 'transformed' (null otherwise). */
  readonly inverse: TargetTransformJSON | null;
  /** The inverse as a formula in t (XGBoost's output), or null. */
  readonly inverseFormula: string | null;
  readonly trees: number;
  readonly nodes: number;
  /** Human-readable lines for the CLI: what XGBoost returns, the precision kept. */
  readonly notes: string[];
}

/** The forest of a model whose graph is one forest on the inputs and the target transform, as XGBoost models are. */
function forestOf(model: Surrogate): { forest: XgbForest; eta: number } {
  const { ops } = modelGraph(model);
  const symmetry = ops.find((op) => op.kind === 'orbit' || op.kind === 'fold');
  if (symmetry !== undefined) {
    throw new AmpfitError(`XGBoost export: this model ${symmetry.kind === 'fold' ? 'folds its inputs' : 'averages over'} a symmetry group, which XGBoost cannot do; export it with --format c or onnx`);
  }
  const [first, second] = ops;
  if (ops.length !== 2 || first.kind !== 'forest' || first.input !== 0 || second.kind !== 'inverseTransform' || first.forest.statistics === undefined) {
    throw new AmpfitError(`XGBoost export needs a boosted-trees model (model_type "bdt"); this model is '${model.regressor.type}'`);
  }
  const f = first.forest;
  const stats = f.statistics as NonNullable<ForestBody['statistics']>;
  return {
    forest: { nFeatures: f.inputDim, baseScore: f.baseScore, treeOffset: f.treeOffset, feature: f.feature, threshold: f.threshold, left: f.left, value: f.value, cover: stats.cover, gain: stats.gain },
    eta: stats.learningRate,
  };
}

/** What the writer reads of a forest (src/models/gbdt/forest.ts's layout). */
type XgbForest = Pick<Forest, 'nFeatures' | 'baseScore' | 'treeOffset' | 'feature' | 'threshold' | 'left' | 'value' | 'cover' | 'gain'>;

/** True when the transform is linear and folded into the exported trees. */
function folds(t: TargetTransformJSON): boolean {
  return t.kind === 'none' || t.kind === 'standardize';
}

function inverseFormula(t: TargetTransformJSON): string {
  const lin = `${t.shift} + ${t.scale}*t`;
  switch (t.kind) {
    case 'log':
    case 'log-standardize':
      return `exp(${lin})`;
    case 'asinh-standardize':
      return `${t.unit ?? 1}*sinh(${lin})`;
    default:
      return lin;
  }
}

/** What exportXgboostJson(model) writes and how to use it. */
export function xgboostExportInfo(model: Surrogate): XgboostExportInfo {
  const { forest } = forestOf(model);
  const t = model.header.target.transform;
  const what = model.born === null ? `'${model.header.target.column}'` : `the ratio ${model.header.target.column}/${model.born}`;
  const trees = forest.treeOffset.length - 1;
  const nodes = forest.feature.length;
  const precision =
    'precision: decisions identical to ampfit (float32 thresholds, float32(x) < threshold); leaf values and base_score rounded ' +
    `to float32 (≤ 6e-8 relative each) and summed by XGBoost in float32 over ${trees} trees`;
  const inputs = `inputs in this order: ${model.inputs.join(', ')}`;
  if (folds(t)) {
    return {
      output: 'physical', inverse: null, inverseFormula: null, trees, nodes,
      notes: [`XGBoost predicts ${what} directly (target transform '${t.kind}' folded into the leaves)`, inputs, precision],
    };
  }
  const f = inverseFormula(t);
  return {
    output: 'transformed', inverse: { ...t }, inverseFormula: f, trees, nodes,
    notes: [
      `XGBoost predicts the transformed target t, not ${what}: target transform '${t.kind}' has no XGBoost equivalent. ` +
        `Apply y = ${f} to XGBoost's output (recorded in the model's attributes: ampfit_inverse, ampfit_transform_*)`,
      inputs,
      precision,
    ],
  };
}

/**
 * The model as the text of an XGBoost 1.7 JSON model file (compact JSON). Pure:
 * reads the model, writes nothing. Throws an AmpfitError for a model that is
 * not a boosted-trees model.
 */
export function exportXgboostJson(model: Surrogate): string {
  const { forest: f, eta } = forestOf(model);
  const t = model.header.target.transform;
  const fold = folds(t);
  const scale = fold ? t.scale : 1;
  const shift = fold ? t.shift : 0;
  const base = shift + scale * f.baseScore;

  const trees: string[] = [];
  const T = f.treeOffset.length - 1;
  for (let k = 0; k < T; k++) trees.push(treeJson(f, k, eta, scale));

  const attributes: Record<string, string> = {
    ampfit_version: String(model.header.provenance?.ampfit_version ?? AMPFIT_VERSION),
    ampfit_export_version: AMPFIT_VERSION,
    ampfit_inputs: JSON.stringify(model.inputs),
    ampfit_target: model.header.target.column,
    ampfit_output: fold ? 'physical' : 'transformed',
    ampfit_transform_kind: t.kind,
    ampfit_transform_shift: String(t.shift),
    ampfit_transform_scale: String(t.scale),
    ampfit_transform_folded: fold ? 'true' : 'false',
    ampfit_precision: 'float32 leaves and base_score (<= 6e-8 relative each), summed in float32 by XGBoost; decisions identical',
  };
  // Empty values are left out: XGBoost's Python Booster.attributes() fails on them.
  const name = String(model.header.config?.name ?? '');
  if (name !== '') attributes.ampfit_name = name;
  if (model.born !== null) attributes.ampfit_born = model.born;
  if (t.unit !== undefined) attributes.ampfit_transform_unit = String(t.unit);
  if (!fold) attributes.ampfit_inverse = `y = ${inverseFormula(t)}, t = XGBoost's prediction`;
  const d = f.nFeatures;
  const zeros = new Array<string>(T).fill('0').join(',');
  return (
    '{"learner":{' +
    `"attributes":${JSON.stringify(attributes)},` +
    '"feature_names":[],"feature_types":[],' +
    '"gradient_booster":{"model":{' +
    `"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"${T}","size_leaf_vector":"0"},` +
    `"tree_info":[${zeros}],` +
    `"trees":[${trees.join(',')}]},` +
    '"name":"gbtree"},' +
    `"learner_model_param":{"base_score":"${f32String(base)}","boost_from_average":"0","num_class":"0","num_feature":"${d}","num_target":"1"},` +
    '"objective":{"name":"reg:squarederror","reg_loss_param":{"scale_pos_weight":"1"}}},' +
    `"version":[${XGBOOST_JSON_VERSION.join(',')}]}`
  );
}

/**
 * One tree in RegTree::SaveModel's layout. Node ids are ampfit's tree-local
 * ids (they follow XGBoost's numbering). Like XGBoost's hist updater: a leaf's
 * split_condition and base_weight are its value (eta·w); an internal node's
 * base_weight is its unshrunk weight w; a tree that is a lone root keeps
 * base_weight = w with value eta·w (its InitRoot).
 */
function treeJson(f: XgbForest, k: number, eta: number, scale: number): string {
  const off = f.treeOffset[k];
  const m = f.treeOffset[k + 1] - off;
  const left = new Array<number>(m);
  const right = new Array<number>(m);
  const parents = new Array<number>(m);
  const cond = new Array<string>(m);
  const index = new Array<number>(m);
  const baseW = new Array<string>(m);
  const loss = new Array<string>(m);
  const hess = new Array<string>(m);
  parents[0] = 2147483647; // XGBoost's root parent: kInvalidNodeId without the left-child bit
  for (let i = 0; i < m; i++) {
    const g = off + i;
    const l = f.left[g];
    const v = scale * f.value[g];
    hess[i] = f32String(f.cover[g]);
    if (l < 0) {
      left[i] = -1;
      right[i] = -1;
      index[i] = 0;
      cond[i] = f32String(v);
      baseW[i] = f32String(m === 1 ? v / eta : v);
      loss[i] = '0.0';
    } else {
      left[i] = l;
      right[i] = l + 1;
      parents[l] = i;
      parents[l + 1] = i;
      index[i] = f.feature[g];
      cond[i] = f32String(f.threshold[g]);
      baseW[i] = f32String(v / eta);
      loss[i] = f32String(scale * scale * f.gain[g]);
    }
  }
  const zeros = new Array<string>(m).fill('0').join(',');
  return (
    `{"base_weights":[${baseW.join(',')}],` +
    '"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],' +
    `"default_left":[${zeros}],"id":${k},` +
    `"left_children":[${left.join(',')}],"loss_changes":[${loss.join(',')}],"parents":[${parents.join(',')}],` +
    `"right_children":[${right.join(',')}],"split_conditions":[${cond.join(',')}],"split_indices":[${index.join(',')}],` +
    `"split_type":[${zeros}],"sum_hessian":[${hess.join(',')}],` +
    `"tree_param":{"num_deleted":"0","num_feature":"${f.nFeatures}","num_nodes":"${m}","size_leaf_vector":"0"}}`
  );
}

/**
 * A short decimal (6 to 9 significant digits, trailing zeros dropped) that
 * reads back as float32(x) under round-to-nearest, always with a '.' (JSON
 * number syntax, and a float to XGBoost's reader: "200.0", "1.0e-7").
 * XGBoost reads floats with a correctly rounded parser (its from_chars), so
 * the float32 it stores is exactly Math.fround(x).
 */
export function f32String(x: number): string {
  const v = Math.fround(x);
  if (!Number.isFinite(v)) throw new AmpfitError(`XGBoost export: non-finite value ${x}`);
  if (Object.is(v, -0)) return '-0.0';
  let s = String(Number(v.toPrecision(9)));
  for (let p = 6; p < 9; p++) {
    const c = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(c)) === v) {
      s = c;
      break;
    }
  }
  // XGBoost's JSON tells floats from integers by a '.' or an exponent, and
  // refuses an integer where a float array is expected: write 200.0, 1.0e-7.
  if (s.includes('.')) return s;
  const e = s.indexOf('e');
  return e < 0 ? `${s}.0` : `${s.slice(0, e)}.0${s.slice(e)}`;
}
