import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getKernels, nativeAvailable } from '../../../src/kernels/index.js';
import { binRows, computeCuts } from '../../../src/models/gbdt/binning.js';
import { nNodes } from '../../../src/models/gbdt/forest.js';
import { sampledFeatureCount } from '../../../src/models/gbdt/params.js';
import { Rng } from '../../../src/util/rng.js';
import { data1d, train } from './helpers.js';

// Six rows, one feature; base_score = mean(y) = 3, so g = 3 − y = (2, 2, 2, −2, −2, −2), h = 1.
// The best split is between 0.3 and 0.4: G_L = 6, H_L = 3, G_R = −6, H_R = 3, G = 0, H = 6.
const X = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
const Y = [1, 1, 1, 5, 5, 5];

test('a depth-1 stump: the hand-computed split, gain, cover and leaf values (XGBoost: no ½ in the gain)', () => {
  const f = train(data1d(X, Y), { maxDepth: 1, lambda: 1, learningRate: 0.5 });
  assert.equal(f.baseScore, 3);
  assert.deepEqual([...f.treeOffset], [0, 3]);
  assert.deepEqual([...f.left], [1, -1, -1]);
  assert.deepEqual([...f.right], [2, -1, -1]);
  assert.equal(f.threshold[0], Math.fround((Math.fround(0.3) + Math.fround(0.4)) / 2));
  // loss_chg = 6²/(3+1) + 6²/(3+1) − 0²/(6+1) = 18.
  assert.equal(f.gain[0], 18);
  assert.deepEqual([...f.cover], [6, 3, 3]);
  // Leaves: eta · (−G/(H+λ)) = 0.5 · (∓6/4).
  assert.deepEqual([...f.value].map((v) => v + 0), [0, -0.75, 0.75]); // the root's −0/7 is −0, as in XGBoost
});

test('lambda: the L2 penalty enters weights and gains as H + λ', () => {
  const f = train(data1d(X, Y), { maxDepth: 1, lambda: 0 });
  assert.equal(f.gain[0], 24); // 36/3 + 36/3
  assert.deepEqual([...f.value.subarray(1)], [-2, 2]); // exact fit
  const g = train(data1d(X, Y), { maxDepth: 1, lambda: 9 });
  assert.equal(g.gain[0], 36 / 12 + 36 / 12);
  assert.deepEqual([...g.value.subarray(1)], [-0.5, 0.5]);
});

test('gamma (min_split_loss): a split needs loss_chg ≥ gamma; otherwise the root is one leaf', () => {
  assert.equal(nNodes(train(data1d(X, Y), { maxDepth: 1, gamma: 18 })), 3, 'loss_chg = gamma splits');
  const leaf = train(data1d(X, Y), { maxDepth: 1, gamma: 18.000001 });
  assert.equal(nNodes(leaf), 1);
  assert.deepEqual([...leaf.left], [-1]);
  assert.ok(leaf.value[0] === 0); // −G/(H+λ) with G = 0
  // gamma prunes top-down only (hist runs no prune updater): with max_depth 2 the
  // root split (18) passes gamma 5 and the children, which are pure, do not split.
  assert.equal(nNodes(train(data1d(X, Y), { maxDepth: 2, gamma: 5 })), 3);
});

test('min_child_weight bounds each child\'s hessian sum (= rows here); a root below it gets weight 0', () => {
  assert.equal(nNodes(train(data1d(X, Y), { maxDepth: 1, minChildWeight: 3 })), 3);
  assert.equal(nNodes(train(data1d(X, Y), { maxDepth: 1, minChildWeight: 3.5 })), 1);
  // With unbalanced data the best valid split moves: y jumps after row 1.
  const f = train(data1d(X, [0, 6, 6, 6, 6, 6]), { maxDepth: 1, minChildWeight: 2, lambda: 0 });
  assert.equal(f.cover[1], 2, 'the left child takes the 2 rows min_child_weight demands');
  const root = train(data1d([0.1, 0.2], [1, 3]), { maxDepth: 1, minChildWeight: 5 });
  assert.deepEqual([...root.value], [0]);
});

test('no split without a loss reduction above kRtEps; depth-wise growth to max_depth, ties to the lower bin', () => {
  assert.equal(nNodes(train(data1d(X, [2, 2, 2, 2, 2, 2]), { maxDepth: 6 })), 1);
  // A staircase with 4 levels needs depth 2: 7 nodes, numbered level by level like XGBoost.
  const f = train(data1d([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 4, 4, 8, 8, 12, 12]), { maxDepth: 5, lambda: 0, minChildWeight: 0 });
  assert.deepEqual([...f.left], [1, 3, 5, -1, -1, -1, -1]);
  assert.deepEqual([...f.value.subarray(3)], [-6, -2, 2, 6]);
  // Two equally good splits (symmetric data): the lower bin wins.
  const t = train(data1d([1, 2, 3, 4], [0, 1, 1, 0]), { maxDepth: 1, lambda: 0, minChildWeight: 0 });
  assert.equal(t.threshold[0], 1.5);
});

test('colsample_bytree: max(1, (int)(float32(colsample) · d)) features, as XGBoost', () => {
  assert.equal(sampledFeatureCount(4, 0.5), 2);
  assert.equal(sampledFeatureCount(3, 0.5), 1);
  assert.equal(sampledFeatureCount(2, 0.1), 1);
  assert.equal(sampledFeatureCount(10, 0.7), 7);
  assert.equal(sampledFeatureCount(5, 1), 5);
  // Each tree splits on its sampled feature only.
  const rng = new Rng(2);
  const n = 400;
  const x = Float64Array.from({ length: 2 * n }, () => rng.uniform());
  const y = Float64Array.from({ length: n }, (_, i) => x[2 * i] + x[2 * i + 1]);
  const f = train({ d: 2, xTrain: x, yTrain: y, xVal: x, yVal: y }, { maxDepth: 3, colsampleBytree: 0.5 }, 8);
  const used = new Set<string>();
  for (let t = 0; t + 1 < f.treeOffset.length; t++) {
    const fs = new Set<number>();
    for (let k = f.treeOffset[t]; k < f.treeOffset[t + 1]; k++) if (f.left[k] >= 0) fs.add(f.feature[k]);
    assert.equal(fs.size, 1, `tree ${t} splits on one feature`);
    used.add([...fs].join());
  }
  assert.equal(used.size, 2, 'both features get picked across trees');
});

// An obvious oracle: the same rules applied recursively, node by node, from
// the binned data. Integer targets with an integer mean keep every sum exact,
// so the trees must agree exactly, histogram subtraction and all.
interface OracleNode { feature: number; threshold: number; value: number; cover: number; children: OracleNode[] }

function oracle(bins: Uint8Array | Uint16Array, d: number, nb: number[], thr: Float32Array[], g: number[], rows: number[], depth: number,
  p: { maxDepth: number; lambda: number; mcw: number; eta: number }): OracleNode {
  const G = rows.reduce((s, r) => s + g[r], 0);
  const H = rows.length;
  const score = (gg: number, hh: number): number => (hh <= 0 ? 0 : (gg * gg) / (hh + p.lambda));
  const node: OracleNode = { feature: 0, threshold: 0, value: H < p.mcw ? 0 : (p.eta * -G) / (H + p.lambda), cover: H, children: [] };
  let best = { gain: 0, f: -1, b: -1 };
  for (let f = 0; f < d; f++) {
    for (let b = 0; b < nb[f]; b++) {
      const left = rows.filter((r) => bins[r * d + f] <= b);
      const gl = left.reduce((s, r) => s + g[r], 0);
      const hl = left.length;
      if (!(hl >= p.mcw && H - hl >= p.mcw)) continue;
      const chg = score(gl, hl) + score(G - gl, H - hl) - score(G, H);
      if (chg > best.gain) best = { gain: chg, f, b };
    }
  }
  const hl = rows.filter((r) => bins[r * d + best.f] <= best.b).length;
  if (best.f < 0 || best.gain <= Math.fround(1e-6) || hl === 0 || hl === H || depth >= p.maxDepth) return node;
  node.feature = best.f;
  node.threshold = thr[best.f][best.b];
  node.children = [
    oracle(bins, d, nb, thr, g, rows.filter((r) => bins[r * d + best.f] <= best.b), depth + 1, p),
    oracle(bins, d, nb, thr, g, rows.filter((r) => bins[r * d + best.f] > best.b), depth + 1, p),
  ];
  return node;
}

test('trees equal a recursive oracle exactly (integer targets keep sums exact), on both backends', () => {
  const rng = new Rng(17);
  const n = 1500;
  const d = 3;
  const x = Float64Array.from({ length: n * d }, () => rng.uniform());
  const y = Float64Array.from({ length: n }, (_, i) => Math.round(10 * Math.sin(6 * x[i * d]) + 5 * x[i * d + 1] + rng.int(3)));
  const rest = y.reduce((s, v) => s + v, 0) % n;
  y[0] -= rest; // integer mean, so integer gradients
  const data = { d, xTrain: x, yTrain: y, xVal: x.subarray(0, 30 * d), yVal: y.subarray(0, 30) };
  const p = { maxDepth: 5, lambda: 1, mcw: 3, eta: 0.5 };
  const cuts = computeCuts(x, n, d, 32);
  const bins = binRows(x, n, d, cuts);
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const g = Array.from(y, (v) => mean - v);
  const want = oracle(bins, d, cuts.thresholds.map((t) => t.length + 1), cuts.thresholds as Float32Array[], g, Array.from({ length: n }, (_, i) => i), 0, p);
  // Flatten level by level (XGBoost's numbering).
  const flat: OracleNode[] = [want];
  const left: number[] = [];
  for (let i = 0; i < flat.length; i++) {
    if (flat[i].children.length > 0) {
      left.push(flat.length);
      flat.push(...flat[i].children);
    } else left.push(-1);
  }
  const backends = [getKernels('typescript'), ...(nativeAvailable() ? [getKernels('native')] : [])];
  for (const k of backends) {
    const f = train(data, { maxBin: 32, maxDepth: p.maxDepth, lambda: p.lambda, minChildWeight: p.mcw, learningRate: p.eta }, 1, k);
    assert.ok(flat.length > 20, `the oracle tree has ${flat.length} nodes`);
    assert.deepEqual([...f.left], left, `${k.backend}: structure`);
    assert.deepEqual([...f.feature], flat.map((o) => o.feature), `${k.backend}: features`);
    assert.deepEqual([...f.threshold], flat.map((o) => o.threshold), `${k.backend}: thresholds`);
    assert.deepEqual([...f.cover], flat.map((o) => o.cover), `${k.backend}: covers`);
    assert.deepEqual([...f.value], flat.map((o) => o.value), `${k.backend}: values`);
  }
});
