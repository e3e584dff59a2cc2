import type { Kernels } from '../../kernels/types.js';
import type { StoredArray } from '../../io/modelFile.js';
import { AmpfitError } from '../../util/errors.js';

/**
 * A trained forest in flat arrays — what the model file stores and what an
 * exporter (e.g. to XGBoost JSON) reads.
 *
 * Trees: tree t owns global nodes treeOffset[t] .. treeOffset[t+1]) (length
 * nTrees + 1, treeOffset[0] = 0). Inside a tree, node indices are tree-local:
 * node 0 is the root, and children are numbered as XGBoost's RegTree numbers
 * them (depthwise growth: nodes expanded in level order, left = the next free
 * index, right = left + 1), so tree-local ids map 1:1 onto XGBoost node ids.
 *
 * Per node (global index k = treeOffset[t] + local id):
 * - left[k], right[k]: tree-local children, −1 for a leaf; always
 *   right = left + 1 (the predictor relies on it);
 * - feature[k]: input column (0 for leaves);
 * - threshold[k]: float32 split value; a row goes left iff
 *   float32(x[feature]) < threshold (0 for leaves);
 * - value[k]: float64, eta · w with w = −G/(H+λ) the node's Newton weight —
 *   the leaf value for leaves; for internal nodes what XGBoost calls the base
 *   weight, times eta (divide by eta for XGBoost's base_weights);
 * - cover[k]: hessian sum H of the node's (sampled) training rows, float32
 *   like XGBoost's sum_hessian (an exact row count here);
 * - gain[k]: the split's loss_chg (params.ts), float32 like XGBoost's
 *   loss_changes; 0 for leaves.
 * Prediction: baseScore + Σ_t value[leaf_t(x)], summed in float64 in tree order.
 *
 * Dtype policy: everything a prediction adds up (value, baseScore) is float64;
 * thresholds are float32 by construction (the data are binned on float32
 * values), so an XGBoost export decides exactly as ampfit does and only the
 * float32 rounding of leaf values and base_score is lost there.
 */
export interface Forest {
  readonly nFeatures: number;
  readonly baseScore: number;
  readonly treeOffset: Int32Array;
  readonly feature: Uint16Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  readonly cover: Float32Array;
  readonly gain: Float32Array;
}

/** One grown tree, tree-local (the Forest fields for a single tree). */
export interface TreeNodes {
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly value: Float64Array;
  readonly cover: Float32Array;
  readonly gain: Float32Array;
  /**
   * The split as a bin of the training cuts (left iff bin ≤ this; −1 for
   * leaves): what a walk on binned rows compares. Not stored in a Forest —
   * threshold says the same for raw inputs.
   */
  readonly bin: Int32Array;
}

/** Any per-node columns of one tree (typed arrays, or plain arrays when building by hand). */
export type TreeColumns = { readonly [K in 'feature' | 'threshold' | 'left' | 'value' | 'cover' | 'gain']: ArrayLike<number> };

export function nTrees(f: Forest): number {
  return f.treeOffset.length - 1;
}

export function nNodes(f: Forest): number {
  return f.feature.length;
}

/**
 * Bytes the model file spends per node: feature (uint16) + threshold
 * (float32) + left (int32; right = left + 1 is not stored) + value (float64)
 * + cover (float32) + gain (float32). Tree offsets add 4 bytes per tree.
 */
export const FOREST_BYTES_PER_NODE = 2 + 4 + 4 + 8 + 4 + 4;

/** Model bytes of a forest's arrays (nodes and tree offsets, without the file's header). */
export function forestBytes(f: Forest): number {
  return nNodes(f) * FOREST_BYTES_PER_NODE + f.treeOffset.length * 4;
}

/** A forest grown tree by tree: typed arrays with doubling capacity. */
export class ForestBuilder {
  private treeOffset: Int32Array;
  private feature: Uint16Array;
  private threshold: Float32Array;
  private left: Int32Array;
  private value: Float64Array;
  private cover: Float32Array;
  private gain: Float32Array;
  private trees = 0;
  private nodes = 0;

  constructor(readonly nFeatures: number, readonly baseScore: number) {
    this.treeOffset = new Int32Array(64);
    this.feature = new Uint16Array(1024);
    this.threshold = new Float32Array(1024);
    this.left = new Int32Array(1024);
    this.value = new Float64Array(1024);
    this.cover = new Float32Array(1024);
    this.gain = new Float32Array(1024);
  }

  static from(f: Forest): ForestBuilder {
    const b = new ForestBuilder(f.nFeatures, f.baseScore);
    b.reserve(nTrees(f), nNodes(f));
    b.treeOffset.set(f.treeOffset);
    b.feature.set(f.feature);
    b.threshold.set(f.threshold);
    b.left.set(f.left);
    b.value.set(f.value);
    b.cover.set(f.cover);
    b.gain.set(f.gain);
    b.trees = nTrees(f);
    b.nodes = nNodes(f);
    return b;
  }

  get treeCount(): number {
    return this.trees;
  }

  get nodeCount(): number {
    return this.nodes;
  }

  append(t: TreeColumns): void {
    const m = t.feature.length;
    this.reserve(this.trees + 1, this.nodes + m);
    const o = this.nodes;
    this.feature.set(t.feature, o);
    this.threshold.set(t.threshold, o);
    this.left.set(t.left, o);
    this.value.set(t.value, o);
    this.cover.set(t.cover, o);
    this.gain.set(t.gain, o);
    this.nodes += m;
    this.trees += 1;
    this.treeOffset[this.trees] = this.nodes;
  }

  /** Keeps the first n trees (early stopping's best iteration). */
  truncate(n: number): void {
    if (n < this.trees) {
      this.trees = n;
      this.nodes = this.treeOffset[n];
    }
  }

  /** The forest so far, as views of the builder's storage (valid until the next append). */
  view(): Forest {
    const left = this.left.subarray(0, this.nodes);
    return {
      nFeatures: this.nFeatures,
      baseScore: this.baseScore,
      treeOffset: this.treeOffset.subarray(0, this.trees + 1),
      feature: this.feature.subarray(0, this.nodes),
      threshold: this.threshold.subarray(0, this.nodes),
      left,
      right: rightOf(left),
      value: this.value.subarray(0, this.nodes),
      cover: this.cover.subarray(0, this.nodes),
      gain: this.gain.subarray(0, this.nodes),
    };
  }

  /** An independent copy of the forest so far. */
  build(): Forest {
    const v = this.view();
    return {
      ...v,
      treeOffset: v.treeOffset.slice(),
      feature: v.feature.slice(),
      threshold: v.threshold.slice(),
      left: v.left.slice(),
      right: v.right,
      value: v.value.slice(),
      cover: v.cover.slice(),
      gain: v.gain.slice(),
    };
  }

  private reserve(trees: number, nodes: number): void {
    if (trees + 1 > this.treeOffset.length) this.treeOffset = grow(this.treeOffset, trees + 1);
    if (nodes > this.feature.length) {
      this.feature = grow(this.feature, nodes);
      this.threshold = grow(this.threshold, nodes);
      this.left = grow(this.left, nodes);
      this.value = grow(this.value, nodes);
      this.cover = grow(this.cover, nodes);
      this.gain = grow(this.gain, nodes);
    }
  }
}

type Growable = Int32Array | Uint16Array | Float32Array | Float64Array;

function grow<T extends Growable>(a: T, need: number): T {
  let cap = a.length;
  while (cap < need) cap *= 2;
  const out = new (a.constructor as new (n: number) => T)(cap);
  out.set(a);
  return out;
}

function rightOf(left: Int32Array): Int32Array {
  const right = new Int32Array(left.length);
  for (let i = 0; i < left.length; i++) right[i] = left[i] < 0 ? -1 : left[i] + 1;
  return right;
}

/** Predictions for n rows of x (n × nFeatures, row-major). */
export function predictForest(kernels: Kernels, f: Forest, x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  kernels.forestPredict(x, n, f.nFeatures, f.treeOffset, f.feature, f.threshold, f.left, f.value, f.baseScore, out);
  return out;
}

/** The arrays a model file stores (right is implied by left). */
export function forestArrays(f: Forest): Record<string, StoredArray> {
  return {
    tree_offset: f.treeOffset,
    feature: f.feature,
    threshold: f.threshold,
    left: f.left,
    value: f.value,
    cover: f.cover,
    gain: f.gain,
  };
}

/** Rebuilds a forest from stored arrays, checking dtypes, lengths and the tree structure. */
export function forestFromArrays(arrays: Record<string, StoredArray>, nFeatures: number, baseScore: number): Forest {
  const get = <T extends StoredArray>(name: string, ctor: abstract new (...args: never[]) => T): T => {
    const a = arrays[name];
    if (!(a instanceof ctor)) throw new AmpfitError(`bdt model: array '${name}' is missing or has the wrong dtype`);
    return a;
  };
  const treeOffset = get('tree_offset', Int32Array);
  const feature = get('feature', Uint16Array);
  const threshold = get('threshold', Float32Array);
  const left = get('left', Int32Array);
  const value = get('value', Float64Array);
  const cover = get('cover', Float32Array);
  const gain = get('gain', Float32Array);
  const m = feature.length;
  for (const [name, a] of [['threshold', threshold], ['left', left], ['value', value], ['cover', cover], ['gain', gain]] as const) {
    if (a.length !== m) throw new AmpfitError(`bdt model: '${name}' has ${a.length} nodes, 'feature' has ${m}`);
  }
  if (treeOffset.length < 1 || treeOffset[0] !== 0 || treeOffset[treeOffset.length - 1] !== m) {
    throw new AmpfitError('bdt model: tree_offset does not span the nodes');
  }
  for (let t = 0; t + 1 < treeOffset.length; t++) {
    const off = treeOffset[t];
    const size = treeOffset[t + 1] - off;
    if (!(size > 0)) throw new AmpfitError(`bdt model: tree ${t} has no nodes`);
    for (let i = 0; i < size; i++) {
      const l = left[off + i];
      if (l >= 0 && !(l > i && l + 1 < size)) throw new AmpfitError(`bdt model: tree ${t} node ${i} has children outside the tree`);
      if (l >= 0 && feature[off + i] >= nFeatures) throw new AmpfitError(`bdt model: tree ${t} node ${i} splits on feature ${feature[off + i]} of ${nFeatures}`);
    }
  }
  return { nFeatures, baseScore, treeOffset, feature, threshold, left, right: rightOf(left), value, cover, gain };
}
