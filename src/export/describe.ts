// A trained Surrogate as what every exporter consumes: its model graph
// (src/graph/: the ops the live model emits, from the input row to the
// physical value and σ) and plain facts for the exported files' comments.
//
// dtype policy: everything is float64, and so is every export — except a
// forest's thresholds, float32 values by construction, which every export
// keeps exactly (ampfit decides on float32(x) < threshold).

import { GraphBuilder, NotExportableError } from '../graph/builder.js';
import type { ForestBody, GraphOp, ModelGraph } from '../graph/ops.js';
import { graphLabel } from '../models/labels.js';
import type { Surrogate } from '../models/surrogate.js';
import { TargetTransform, type TargetTransformJSON } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import { AMPFIT_VERSION } from '../util/version.js';

export type { ForestBody } from '../graph/ops.js';

/** Plain facts for comments and metadata in the exported files. */
export interface ExportInfo {
  readonly ampfitVersion: string;
  /** e.g. "sk-DNN 9-36 average×2: 12 dense, 8 silu, orbit of 2". */
  readonly model: string;
  readonly inputs: readonly string[];
  /** What the inputs are: 'coordinates' (unit hypercube) or 'momenta' (E, px, py, pz per particle, GeV). */
  readonly inputKind: 'coordinates' | 'momenta';
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

export interface ExportModel {
  readonly inputDim: number;
  readonly graph: ModelGraph;
  readonly info: ExportInfo;
}

/** The model's graph: its regressor's ops, then the target transform's inverse and, for models that learned it, σ_syst. */
export function modelGraph(model: Surrogate): ModelGraph {
  const h = model.header;
  // Parsed again so a bad transform in the file fails here, not in generated code.
  const transform = TargetTransform.fromJSON(h.target.transform).toJSON();
  const g = new GraphBuilder(model.inputs);
  let out;
  try {
    out = model.regressor.emit(g, 0);
  } catch (e) {
    if (e instanceof NotExportableError) throw new AmpfitError(`export: ${e.message}`);
    throw e;
  }
  const value = g.inverseTransform(out.value, transform);
  if (out.sigma === null) return g.finish(value, null);
  return g.finish(value, g.sigma(out.sigma.variance, value, out.sigma.scale, transform));
}

export function describeSurrogate(model: Surrogate): ExportModel {
  const graph = modelGraph(model);
  const h = model.header;
  const test = h.metrics?.test ?? null;
  const transform = TargetTransform.fromJSON(h.target.transform).toJSON();
  return {
    inputDim: model.d,
    graph,
    info: {
      ampfitVersion: AMPFIT_VERSION,
      model: `${graphLabel(h, graph)}: ${graphSummary(graph)}`,
      inputs: [...model.inputs],
      inputKind: graph.input.kind,
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

/** "12 dense, 8 silu, 1 forest (300 trees), orbit of 2": what the graph computes, counted by op. */
export function graphSummary(graph: ModelGraph): string {
  const counts = new Map<string, number>();
  const bump = (k: string): void => {
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  for (const op of graph.ops) bump(opLabel(op));
  return [...counts].filter(([k]) => k !== '').map(([k, n]) => (n === 1 ? k : `${n} × ${k}`)).join(', ');
}

function opLabel(op: GraphOp): string {
  switch (op.kind) {
    case 'dense':
      return 'dense';
    case 'activation':
      return op.activation.name;
    case 'rational':
      return `rational (${op.degP},${op.degQ})/${op.groups}`;
    case 'kanExpand':
      return `KAN grid ${op.grid}`;
    case 'momentumFeatures':
      return `${op.spec.features} of ${op.spec.layout.particles.length} momenta`;
    case 'legendre':
      return `Legendre deg ${op.degree} (${op.terms.length} terms)`;
    case 'forest': {
      const trees = op.forest.treeOffset.length - 1;
      return `forest of ${trees.toLocaleString('en-US')} tree${trees === 1 ? '' : 's'} (${op.forest.left.length.toLocaleString('en-US')} nodes, depth ≤ ${forestDepth(op.forest)})`;
    }
    case 'orbit':
      return `orbit of ${op.outputs.length}`;
    case 'fold':
      return `folded into 1/${op.group.elements.length}`;
    case 'mean':
      return `mean of ${op.inputs.length}`;
    case 'variance':
      return 'σ head';
    case 'periodic':
      return `${op.periods.length} periodic as cos/sin`;
    case 'logEdges':
      return 'edge logarithms';
    case 'angularHead':
      return `harmonic head l ≤ ${op.lMax} of ${op.decays.length} decay${op.decays.length === 1 ? '' : 's'}`;
    case 'mvEmbed':
      return `${op.tokens} multivector tokens`;
    case 'mvLinear':
      return 'equivariant linear';
    case 'mvNorm':
      return 'equivariant layer norm';
    case 'mvGate':
      return `${op.activation.name} gate`;
    case 'mvBilinear':
      return op.product === 'geometric' ? 'geometric product' : 'join';
    case 'mvAttention':
      return `attention ${op.heads} heads`;
    case 'mvReadout':
      return 'invariant readout';
    case 'gather': case 'concat': case 'inverseTransform': case 'sigma':
      return '';
  }
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

