import type { BinMatrix, Kernels } from '../../kernels/types.js';
import type { BinCuts } from './binning.js';
import type { TreeNodes } from './forest.js';
import { nodeWeight, splitAccepted, type GbdtParams } from './params.js';

// Grows one tree depth-wise (XGBoost hist's depthwise policy; the rules are in
// params.ts), level by level. Every level is a handful of kernel calls over
// all its nodes at once — split search, row partitioning of the training and
// validation rows, histograms of the next level, leaf updates — so the
// per-node work runs in native loops and the JS↔native crossings per tree stay
// proportional to the depth, not to the node count.
//
// Rows: each node owns a contiguous range of the training rows' index array,
// partitioned stably as the tree splits, so a leaf adds its value to the
// predictions of exactly its rows, without walking the tree once per row.
// (Validation rows are cheaper to walk through the finished tree with the
// forest predictor than to partition level by level: boost.ts does that.)
//
// Histograms: a node of more than DIRECT_ROWS rows gets one, in a slot of a
// shared pool; of two children only the one with fewer rows is summed from its
// rows, the other is the parent minus it (the subtraction trick), written over
// the parent's slot. Smaller nodes — most nodes of a deep tree — find their
// split straight from their rows sorted by bin (splitFind's direct path),
// which gives the bits a histogram summed from the same rows would.

/**
 * Nodes of at most this many rows find splits without a kept histogram (the
 * kernel sums them on the fly). Below about B rows, keeping a histogram per
 * node costs more (clearing, subtracting, pool memory) than it saves.
 * Measured with 256 bins on a shared 2-core VM (ms per round, zz2d depth 20 /
 * zz4d depth 10): 64 → 15.9/36.0, 256 → 15.4/35.4, 1024 → 19.2/33.3,
 * 4096 → 26.4/38.5.
 */
export const DIRECT_ROWS = 256;

/** Binned rows with their partition workspace and running predictions. */
export interface RowSet {
  readonly bins: BinMatrix;
  readonly n: number;
  /** Row indices, partitioned per node while a tree grows (reset per tree). */
  readonly rows: Uint32Array;
  /** Current predictions; each tree adds its leaf values. */
  readonly pred: Float64Array;
}

export function rowSet(bins: BinMatrix, n: number, pred: Float64Array): RowSet {
  return { bins, n, rows: new Uint32Array(n), pred };
}

/** Slots of node histograms (2·B doubles each) in one growing Float64Array. */
export class HistPool {
  data: Float64Array;
  private readonly free: number[] = [];
  private slots = 0;

  constructor(readonly nBins: number, initialSlots = 8) {
    this.data = new Float64Array(2 * nBins * initialSlots);
  }

  alloc(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    const width = 2 * this.nBins;
    if ((this.slots + 1) * width > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    return this.slots++;
  }

  release(s: number): void {
    if (s >= 0) this.free.push(s);
  }
}

export interface GrowContext {
  readonly kernels: Kernels;
  readonly d: number;
  readonly cuts: BinCuts;
  readonly params: GbdtParams;
  readonly train: RowSet;
  /** (gradient, hessian) per training row for this tree. */
  readonly gpair: Float64Array;
  readonly pool: HistPool;
}

interface Node {
  readonly id: number;
  readonly tb: number;
  readonly te: number;
  readonly g: number;
  readonly h: number;
  slot: number;
}

/** Grows one tree on ctx.gpair (root sums g0, h0) over the allowed features, adding its leaves to the training predictions. */
export function growTree(ctx: GrowContext, g0: number, h0: number, features: Uint8Array): TreeNodes {
  const { params: p, train, pool } = ctx;
  resetRows(train.rows);
  const tree: TreeNodes = { feature: [], threshold: [], left: [], value: [], cover: [], gain: [] };
  const addNode = (g: number, h: number): number => {
    tree.feature.push(0);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.value.push(p.learningRate * nodeWeight(g, h, p));
    tree.cover.push(h);
    tree.gain.push(0);
    return tree.feature.length - 1;
  };

  const root: Node = { id: addNode(g0, h0), tb: 0, te: train.n, g: g0, h: h0, slot: -1 };
  if (p.maxDepth > 0 && train.n > DIRECT_ROWS) {
    root.slot = pool.alloc();
    buildHistograms(ctx, [root], []);
  }
  let open: Node[] = [root];
  for (let depth = 0; open.length > 0; depth++) {
    const splits = depth < p.maxDepth ? findSplits(ctx, open, features) : null;
    const splitting: Array<{ node: Node; feature: number; bin: number; gl: number; hl: number }> = [];
    const leaves: Node[] = [];
    for (let j = 0; j < open.length; j++) {
      const node = open[j];
      const f = splits === null ? -1 : splits.feature[j];
      if (splits !== null && f >= 0) {
        const gl = splits.left[2 * j];
        const hl = splits.left[2 * j + 1];
        if (splitAccepted(splits.gain[j], hl, node.h - hl, depth, p)) {
          splitting.push({ node, feature: f, bin: splits.bin[j], gl, hl });
          tree.feature[node.id] = f;
          tree.threshold[node.id] = ctx.cuts.thresholds[f][splits.bin[j]];
          tree.gain[node.id] = splits.gain[j];
          continue;
        }
      }
      leaves.push(node);
    }
    addLeaves(ctx, leaves, tree);
    if (splitting.length === 0) break;

    const s = splitting.length;
    const feature = new Int32Array(s);
    const bin = new Int32Array(s);
    for (let j = 0; j < s; j++) {
      feature[j] = splitting[j].feature;
      bin[j] = splitting[j].bin;
    }
    const midT = partitionRows(ctx, train, splitting.map((e) => e.node.tb), splitting.map((e) => e.node.te), feature, bin);

    const next: Node[] = [];
    const build: Node[] = [];
    const subtract: Array<readonly [number, number, number]> = [];
    const childrenSplit = depth + 1 < p.maxDepth;
    for (let j = 0; j < s; j++) {
      const { node, gl, hl } = splitting[j];
      const gr = node.g - gl;
      const hr = node.h - hl;
      const l: Node = { id: addNode(gl, hl), tb: node.tb, te: midT[j], g: gl, h: hl, slot: -1 };
      const r: Node = { id: addNode(gr, hr), tb: midT[j], te: node.te, g: gr, h: hr, slot: -1 };
      tree.left[node.id] = l.id;
      next.push(l, r);
      const ml = l.te - l.tb;
      const mr = r.te - r.tb;
      if (node.slot >= 0 && childrenSplit && Math.max(ml, mr) > DIRECT_ROWS) {
        const [small, large] = ml <= mr ? [l, r] : [r, l];
        small.slot = pool.alloc();
        large.slot = node.slot;
        build.push(small);
        subtract.push([node.slot, node.slot, small.slot]);
      } else {
        pool.release(node.slot);
      }
    }
    buildHistograms(ctx, build, subtract);
    open = next;
  }
  return tree;
}

function resetRows(rows: Uint32Array): void {
  for (let i = 0; i < rows.length; i++) rows[i] = i;
}

function findSplits(ctx: GrowContext, open: Node[], features: Uint8Array) {
  const m = open.length;
  const slot = new Int32Array(m);
  const begin = new Int32Array(m);
  const end = new Int32Array(m);
  const sumG = new Float64Array(m);
  const sumH = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const o = open[j];
    slot[j] = o.slot;
    begin[j] = o.tb;
    end[j] = o.te;
    sumG[j] = o.g;
    sumH[j] = o.h;
  }
  const out = { feature: new Int32Array(m), bin: new Int32Array(m), gain: new Float64Array(m), left: new Float64Array(2 * m) };
  const p = ctx.params;
  ctx.kernels.splitFind(
    ctx.pool.data, ctx.train.bins, ctx.d, ctx.cuts.binOffset, ctx.gpair, ctx.train.rows,
    slot, begin, end, sumG, sumH, features, p.lambda, p.minChildWeight,
    out.feature, out.bin, out.gain, out.left,
  );
  return out;
}

function partitionRows(ctx: GrowContext, set: RowSet, begin: number[], end: number[], feature: Int32Array, bin: Int32Array): Int32Array {
  const mid = new Int32Array(begin.length);
  ctx.kernels.partition(set.bins, ctx.d, set.rows, Int32Array.from(begin), Int32Array.from(end), feature, bin, mid);
  return mid;
}

function addLeaves(ctx: GrowContext, leaves: Node[], tree: TreeNodes): void {
  if (leaves.length === 0) return;
  const m = leaves.length;
  const value = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    value[j] = tree.value[leaves[j].id];
    ctx.pool.release(leaves[j].slot);
  }
  const k = ctx.kernels;
  k.leafAdd(ctx.train.rows, Int32Array.from(leaves, (l) => l.tb), Int32Array.from(leaves, (l) => l.te), value, ctx.train.pred);
}

function buildHistograms(ctx: GrowContext, build: Node[], subtract: ReadonlyArray<readonly [number, number, number]>): void {
  const k = ctx.kernels;
  if (build.length > 0) {
    k.histBuild(
      ctx.train.bins, ctx.d, ctx.cuts.binOffset, ctx.gpair, ctx.train.rows,
      Int32Array.from(build, (b) => b.tb), Int32Array.from(build, (b) => b.te), Int32Array.from(build, (b) => b.slot), ctx.pool.data,
    );
  }
  if (subtract.length > 0) {
    k.histSubtract(
      ctx.pool.data, ctx.pool.nBins,
      Int32Array.from(subtract, (e) => e[0]), Int32Array.from(subtract, (e) => e[1]), Int32Array.from(subtract, (e) => e[2]),
    );
  }
}
