import type { BinMatrix, Kernels } from '../../kernels/types.js';
import { binColumns, type BinCuts } from './binning.js';
import type { TreeNodes } from './forest.js';
import { nodeWeight, splitAccepted, type GbdtParams } from './params.js';

// Grows one tree depth-wise (XGBoost hist's depthwise policy; the rules are in
// params.ts), level by level. Every level is a handful of kernel calls over
// all its nodes at once — split search, row partitioning, histograms of the
// next level, histogram subtractions, leaf updates — so the per-node work runs
// in native loops and the JS↔native crossings per tree stay proportional to
// the depth, not to the node count. The tree, the levels and the calls'
// per-node argument arrays live in typed arrays kept from tree to tree
// (GrowScratch).
//
// Rows: each node owns a contiguous range of the training rows' index array,
// partitioned stably as the tree splits, so a leaf adds its value to the
// predictions of exactly its rows, without walking the tree once per row.
// (Validation rows are cheaper to walk through the finished tree, binned
// once, than to partition level by level: boost.ts does that with
// treePredictBinned.) Partitioning reads the bins column-major (RowSet.columns),
// histograms and split search row-major.
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
  /** Row-major bins (histograms and split search read a row's features together). */
  readonly bins: BinMatrix;
  /** The same bins column-major (partitioning reads one feature of a node's rows). */
  readonly columns: BinMatrix;
  readonly n: number;
  /** Row indices, partitioned per node while a tree grows (reset per tree). */
  readonly rows: Uint32Array;
  /** Current predictions; each tree adds its leaf values. */
  readonly pred: Float64Array;
}

export function rowSet(bins: BinMatrix, n: number, d: number, pred: Float64Array): RowSet {
  return { bins, columns: binColumns(bins, n, d), n, rows: new Uint32Array(n), pred };
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
  /** Node and per-level arrays, reused from tree to tree. */
  readonly scratch: GrowScratch;
}

/** Int32Array or Float64Array `a` with room for at least k entries (contents kept). */
function ensure<T extends Int32Array | Float32Array | Float64Array>(a: T, k: number): T {
  if (k <= a.length) return a;
  let cap = Math.max(16, a.length);
  while (cap < k) cap *= 2;
  const out = new (a.constructor as new (n: number) => T)(cap);
  out.set(a);
  return out;
}

/** The tree being grown, in typed arrays that grow by doubling (TreeNodes fields). */
class TreeBuffer {
  feature = new Int32Array(64);
  threshold = new Float32Array(64);
  left = new Int32Array(64);
  value = new Float64Array(64);
  cover = new Float32Array(64);
  gain = new Float32Array(64);
  bin = new Int32Array(64);
  size = 0;

  /** A new leaf of this value and hessian sum; returns its id. */
  add(value: number, cover: number): number {
    const k = this.size++;
    if (k >= this.feature.length) {
      this.feature = ensure(this.feature, k + 1);
      this.threshold = ensure(this.threshold, k + 1);
      this.left = ensure(this.left, k + 1);
      this.value = ensure(this.value, k + 1);
      this.cover = ensure(this.cover, k + 1);
      this.gain = ensure(this.gain, k + 1);
      this.bin = ensure(this.bin, k + 1);
    }
    this.feature[k] = 0;
    this.threshold[k] = 0;
    this.left[k] = -1;
    this.value[k] = value;
    this.cover[k] = cover;
    this.gain[k] = 0;
    this.bin[k] = -1;
    return k;
  }

  /** The finished tree: views, valid until the next tree is grown. */
  view(): TreeNodes {
    const n = this.size;
    return {
      feature: this.feature.subarray(0, n), threshold: this.threshold.subarray(0, n), left: this.left.subarray(0, n),
      value: this.value.subarray(0, n), cover: this.cover.subarray(0, n), gain: this.gain.subarray(0, n), bin: this.bin.subarray(0, n),
    };
  }
}

/** One level's nodes as parallel arrays: tree id, row range, (G, H) and histogram slot (−1: none). */
class Level {
  id = new Int32Array(64);
  tb = new Int32Array(64);
  te = new Int32Array(64);
  g = new Float64Array(64);
  h = new Float64Array(64);
  slot = new Int32Array(64);
  n = 0;

  push(id: number, tb: number, te: number, g: number, h: number): number {
    const k = this.n++;
    if (k >= this.id.length) {
      this.id = ensure(this.id, k + 1);
      this.tb = ensure(this.tb, k + 1);
      this.te = ensure(this.te, k + 1);
      this.g = ensure(this.g, k + 1);
      this.h = ensure(this.h, k + 1);
      this.slot = ensure(this.slot, k + 1);
    }
    this.id[k] = id;
    this.tb[k] = tb;
    this.te[k] = te;
    this.g[k] = g;
    this.h[k] = h;
    this.slot[k] = -1;
    return k;
  }
}

/**
 * Everything growTree allocates, kept from tree to tree: the tree, two
 * levels (the open one and the next), and the argument arrays of the kernel
 * calls, which a call gets as exact-length views. A level then allocates a
 * handful of views, not buffers or objects per node (a typed array over ~64
 * bytes gets its own off-heap buffer in V8; a depth-20 tree has ~10⁴ nodes).
 */
export class GrowScratch {
  readonly tree = new TreeBuffer();
  cur = new Level();
  next = new Level();
  private i32: Int32Array[] = Array.from({ length: 8 }, () => new Int32Array(64));
  private f64: Float64Array[] = Array.from({ length: 3 }, () => new Float64Array(64));

  /** Int32 array number `which` (0..7) as a view of length k (contents not kept across growth). */
  int(which: number, k: number): Int32Array {
    if (k > this.i32[which].length) this.i32[which] = ensure(new Int32Array(0), k);
    return this.i32[which].subarray(0, k);
  }

  /** Float64 array number `which` (0..2) as a view of length k. */
  float(which: number, k: number): Float64Array {
    if (k > this.f64[which].length) this.f64[which] = ensure(new Float64Array(0), k);
    return this.f64[which].subarray(0, k);
  }
}

// Which GrowScratch arrays a level uses (views that are alive at the same time differ):
// split search: outputs int 0 (feature), int 1 (bin), float 0 (gain), float 1 (GL, HL);
// the splitting nodes: int 2 (their index in the level);
// leaves: int 3, 4 (range), float 2 (value);
// partition: int 3, 4 (range), 5 (feature), 6 (bin), 7 (mid);
// histograms: int 3, 4, 5 (range, slot); subtractions: int 0 (dst = a), int 1 (b).

/** Grows one tree on ctx.gpair (root sums g0, h0) over the allowed features, adding its leaves to the training predictions. */
export function growTree(ctx: GrowContext, g0: number, h0: number, features: Uint8Array): TreeNodes {
  const { params: p, train, pool, scratch: sc } = ctx;
  const tree = sc.tree;
  const eta = p.learningRate;
  resetRows(train.rows);
  tree.size = 0;
  let cur = sc.cur;
  let next = sc.next;
  cur.n = 0;
  cur.push(tree.add(eta * nodeWeight(g0, h0, p), h0), 0, train.n, g0, h0);
  if (p.maxDepth > 0 && train.n > DIRECT_ROWS) {
    cur.slot[0] = pool.alloc();
    buildHistograms(ctx, cur.tb.subarray(0, 1), cur.te.subarray(0, 1), cur.slot.subarray(0, 1), 0);
  }
  for (let depth = 0; cur.n > 0; depth++) {
    const m = cur.n;
    // Split search, one kernel call for the level.
    const canSplit = depth < p.maxDepth;
    const sFeature = sc.int(0, m);
    const sBin = sc.int(1, m);
    const sGain = sc.float(0, m);
    const sLeft = sc.float(1, 2 * m);
    if (canSplit) {
      ctx.kernels.splitFind(
        pool.data, train.bins, ctx.d, ctx.cuts.binOffset, ctx.gpair, train.rows,
        cur.slot.subarray(0, m), cur.tb.subarray(0, m), cur.te.subarray(0, m), cur.g.subarray(0, m), cur.h.subarray(0, m),
        features, p.lambda, p.minChildWeight, sFeature, sBin, sGain, sLeft,
      );
    }
    // Which nodes split (in level order); the others become leaves now.
    const splitIdx = sc.int(2, m);
    let s = 0;
    let nLeaves = 0;
    for (let j = 0; j < m; j++) {
      if (canSplit && sFeature[j] >= 0 && splitAccepted(sGain[j], sLeft[2 * j + 1], cur.h[j] - sLeft[2 * j + 1], depth, p)) {
        const id = cur.id[j];
        const f = sFeature[j];
        const b = sBin[j];
        tree.feature[id] = f;
        tree.threshold[id] = ctx.cuts.thresholds[f][b];
        tree.bin[id] = b;
        tree.gain[id] = sGain[j];
        splitIdx[s++] = j;
      } else {
        nLeaves++;
      }
    }
    if (nLeaves > 0) {
      const begin = sc.int(3, nLeaves);
      const end = sc.int(4, nLeaves);
      const value = sc.float(2, nLeaves);
      for (let j = 0, k = 0, q = 0; j < m; j++) {
        if (q < s && splitIdx[q] === j) {
          q++;
          continue;
        }
        begin[k] = cur.tb[j];
        end[k] = cur.te[j];
        value[k] = tree.value[cur.id[j]];
        k++;
        pool.release(cur.slot[j]);
      }
      ctx.kernels.leafAdd(train.rows, begin, end, value, train.pred);
    }
    if (s === 0) break;

    // Partition the splitting nodes' rows.
    const pBegin = sc.int(3, s);
    const pEnd = sc.int(4, s);
    const pFeature = sc.int(5, s);
    const pBin = sc.int(6, s);
    const mid = sc.int(7, s);
    for (let q = 0; q < s; q++) {
      const j = splitIdx[q];
      pBegin[q] = cur.tb[j];
      pEnd[q] = cur.te[j];
      pFeature[q] = sFeature[j];
      pBin[q] = sBin[j];
    }
    ctx.kernels.partition(train.columns, train.n, train.rows, pBegin, pEnd, pFeature, pBin, mid);

    // Children: left = next free id, right = left + 1, in level order.
    next.n = 0;
    const childrenSplit = depth + 1 < p.maxDepth;
    const subDst = sc.int(0, s);
    const subB = sc.int(1, s);
    let nSub = 0;
    let nBuild = 0;
    const buildAt = splitIdx; // reused: the children to build, as indices into `next`
    for (let q = 0; q < s; q++) {
      const j = splitIdx[q];
      const gl = sLeft[2 * j];
      const hl = sLeft[2 * j + 1];
      const g = cur.g[j];
      const h = cur.h[j];
      const gr = g - gl;
      const hr = h - hl;
      const tb = cur.tb[j];
      const te = cur.te[j];
      const md = mid[q];
      const lid = tree.add(eta * nodeWeight(gl, hl, p), hl);
      const rid = tree.add(eta * nodeWeight(gr, hr, p), hr);
      tree.left[cur.id[j]] = lid;
      const l = next.push(lid, tb, md, gl, hl);
      const r = next.push(rid, md, te, gr, hr);
      const slot = cur.slot[j];
      if (slot >= 0 && childrenSplit && Math.max(md - tb, te - md) > DIRECT_ROWS) {
        const small = md - tb <= te - md ? l : r;
        const large = small === l ? r : l;
        next.slot[small] = pool.alloc();
        next.slot[large] = slot;
        buildAt[nBuild++] = small;
        subDst[nSub] = slot;
        subB[nSub] = next.slot[small];
        nSub++;
      } else {
        pool.release(slot);
      }
    }
    if (nBuild > 0) {
      const begin = sc.int(3, nBuild);
      const end = sc.int(4, nBuild);
      const slot = sc.int(5, nBuild);
      for (let k = 0; k < nBuild; k++) {
        const c = buildAt[k];
        begin[k] = next.tb[c];
        end[k] = next.te[c];
        slot[k] = next.slot[c];
      }
      buildHistograms(ctx, begin, end, slot, nSub);
    } else {
      buildHistograms(ctx, null, null, null, nSub);
    }
    const t = cur;
    cur = next;
    next = t;
  }
  sc.cur = cur;
  sc.next = next;
  return tree.view();
}

function resetRows(rows: Uint32Array): void {
  for (let i = 0; i < rows.length; i++) rows[i] = i;
}

/**
 * Histograms of the nodes begin/end/slot from their rows, then the nSub
 * subtractions already in scratch int 0 (dst = a: the parent's slot, which
 * the larger child takes over) and int 1 (b: the smaller child's slot).
 */
function buildHistograms(ctx: GrowContext, begin: Int32Array | null, end: Int32Array | null, slot: Int32Array | null, nSub: number): void {
  const k = ctx.kernels;
  if (begin !== null && end !== null && slot !== null && begin.length > 0) {
    k.histBuild(ctx.train.bins, ctx.d, ctx.cuts.binOffset, ctx.gpair, ctx.train.rows, begin, end, slot, ctx.pool.data);
  }
  if (nSub > 0) {
    const dst = ctx.scratch.int(0, nSub);
    k.histSubtract(ctx.pool.data, ctx.pool.nBins, dst, dst, ctx.scratch.int(1, nSub));
  }
}
