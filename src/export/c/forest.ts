// A forest op in C: flat tables and one loop (no code per node, so a forest
// of a million nodes compiles in seconds). Internal nodes and leaves apart
// (describe.ts forestLayout), a node reference r >= 0 being internal node r
// and r < 0 leaf -1 - r. An internal node is one 16-byte struct — threshold,
// feature, both children — so a step down the tree touches one cache line
// (parallel arrays measured about twice slower per point on a 1M-node forest,
// whose tables do not fit in cache). The decision is ampfit's,
// (float)x < threshold with the float32 threshold as an exact literal (NaN
// goes right); the sum is ampfit's order, base score first, then tree after
// tree, in double.

import type { ForestBody } from '../../graph/ops.js';
import { forestLayout, treeDepths } from '../describe.js';
import { cTable, hexFloat, hexFloat32 } from './literals.js';

/**
 * Work sizes, measured on a 1M-node forest (500 trees of depth 10, tables far
 * beyond cache) with gcc 12 -O3 on Zen 4: one point descends FOREST_GROUP
 * trees at once, whose loads are independent and overlap (~20 µs a point
 * against ~100 µs tree after tree); a batch walks FOREST_BLOCK points through
 * each tree together, so the tree's nodes are fetched once for many points
 * (~11 µs a point; 64 points: ~20 µs).
 */
const FOREST_GROUP = 64;
const FOREST_BLOCK = 1024;
/** Fewer points than this go one by one (grouped trees), which is faster there. */
const FOREST_MIN_BLOCK = 64;

export const FOREST_NOTES = [
  'The decisions compare (float)x[f] < threshold, as ampfit: C99 requires the',
  'cast to round even where float arithmetic is wider (x87); do not compile',
  'with -ffast-math, which may reorder the sum over trees.',
];

export interface ForestC {
  /** Tables and `static double amp_forest_<id>(const double *restrict x)`. */
  readonly decls: string[];
  /**
   * Statements of a batch loop over (x, n, out) through `finish(expr)` that
   * walks blocks of points through each tree together — for a model that is
   * this forest and its output map alone; null when the forest has no internal node.
   */
  readonly batch: ((finish: (acc: string) => string, d: number) => string[]) | null;
}

const built = new WeakMap<ForestBody, Map<string, ForestC>>();

/** forestC, built once per forest and name (the one-point function and the batch of a sole forest share it). */
export function forestC(body: ForestBody, id: string): ForestC {
  let byId = built.get(body);
  if (byId === undefined) built.set(body, (byId = new Map()));
  let c = byId.get(id);
  if (c === undefined) byId.set(id, (c = buildForestC(body, id)));
  return c;
}

function buildForestC(body: ForestBody, id: string): ForestC {
  const L = forestLayout(body);
  const nInternal = L.feature.length;
  const nLeaves = L.leaf.length;
  const base = hexFloat(body.baseScore);
  const fn = `amp_forest_${id}`;
  if (L.nTrees === 0) return { decls: [`static double ${fn}(const double *restrict x) {\n  (void)x;\n  return ${base};\n}`], batch: null };
  const depths = treeDepths(body);
  const maxDepth = depths.reduce((a, b) => Math.max(a, b), 0);
  const int = (v: number): string => String(v);
  const T = `AMP_NTREES_${id}`;
  const decls = [
    `/* Forest ${id}: ${L.nTrees} trees, ${nInternal} internal nodes, ${nLeaves} leaves.
 * A node reference r >= 0 is internal node amp_node_${id}[r], r < 0 is leaf
 * amp_leaf_${id}[-1 - r]; tree t starts at amp_root_${id}[t]. Internal node r
 * sends x to child[0] if (float)x[feat] < thr (ampfit's rule, NaN goes right),
 * else to child[1]. amp_depth_${id}[t] is the depth of tree t's deepest leaf. */
#define ${T} ${L.nTrees}`,
    cTable('int32_t', `amp_root_${id}`, L.root, int, 16),
  ];
  if (nInternal > 0) {
    const lines: string[] = [];
    const nodes: string[] = [];
    for (let r = 0; r < nInternal; r++) nodes.push(`{${hexFloat32(L.threshold[r])}, ${L.feature[r]}, {${L.child[2 * r]}, ${L.child[2 * r + 1]}}}`);
    for (let i = 0; i < nodes.length; i += 4) lines.push(`  ${nodes.slice(i, i + 4).join(', ')},`);
    decls.push(
      cTable(maxDepth <= 255 ? 'unsigned char' : 'int', `amp_depth_${id}`, depths, int, 32),
      `static const amp_node_t amp_node_${id}[${nInternal}] = {\n${lines.join('\n')}\n};`,
    );
  }
  decls.push(cTable('double', `amp_leaf_${id}`, L.leaf, hexFloat, 4));
  const step = (k: string, xAt: (f: string) => string): string =>
    `amp_node_${id}[${k}].child[!((float)${xAt(`amp_node_${id}[${k}].feat`)} < amp_node_${id}[${k}].thr)]`;
  if (nInternal === 0) {
    decls.push(`static double ${fn}(const double *restrict x) {
  double s = ${base};
  int t;
  (void)x;
  for (t = 0; t < ${T}; t++) s += amp_leaf_${id}[-1 - amp_root_${id}[t]];
  return s;
}`);
    return { decls, batch: null };
  }
  // One point: FOREST_GROUP trees descend level by level together, then their
  // leaves are added in tree order — ampfit's sum.
  decls.push(`static double ${fn}(const double *restrict x) {
  double s = ${base};
  int32_t r[${FOREST_GROUP}];
  int t, j, g, level, depth;
  for (t = 0; t < ${T}; t += g) {
    g = ${T} - t < ${FOREST_GROUP} ? ${T} - t : ${FOREST_GROUP};
    depth = 0;
    for (j = 0; j < g; j++) {
      r[j] = amp_root_${id}[t + j];
      if (amp_depth_${id}[t + j] > depth) depth = amp_depth_${id}[t + j];
    }
    for (level = 0; level < depth; level++) {
      for (j = 0; j < g; j++) {
        const int32_t k = r[j];
        if (k >= 0) r[j] = ${step('k', (f) => `x[${f}]`)};
      }
    }
    for (j = 0; j < g; j++) s += amp_leaf_${id}[-1 - r[j]];
  }
  return s;
}`);
  // Batches: a block of points walks each tree level by level together, so
  // the tree is fetched once per block and the points' loads overlap; each
  // point still adds base, then tree 0, 1, ... — the bits of the one-point
  // function. A short last block goes point by point.
  const batch = (finish: (acc: string) => string, d: number): string[] => `double acc[${FOREST_BLOCK}];
int32_t r[${FOREST_BLOCK}];
size_t b0, i, nb;
int t, level;
for (b0 = 0; b0 < n; b0 += nb) {
  const double *xb = x + b0 * ${d};
  nb = n - b0 < ${FOREST_BLOCK} ? n - b0 : ${FOREST_BLOCK};
  if (nb < ${FOREST_MIN_BLOCK}) {
    for (i = 0; i < nb; i++) out[b0 + i] = ${finish(`${fn}(xb + i * ${d})`)};
    continue;
  }
  for (i = 0; i < nb; i++) acc[i] = ${base};
  for (t = 0; t < ${T}; t++) {
    for (i = 0; i < nb; i++) r[i] = amp_root_${id}[t];
    for (level = 0; level < amp_depth_${id}[t]; level++) {
      for (i = 0; i < nb; i++) {
        const int32_t k = r[i];
        if (k >= 0) r[i] = ${step('k', (f) => `xb[i * ${d} + ${f}]`)};
      }
    }
    for (i = 0; i < nb; i++) acc[i] += amp_leaf_${id}[-1 - r[i]];
  }
  for (i = 0; i < nb; i++) out[b0 + i] = ${finish('acc[i]')};
}`.split('\n');
  return { decls, batch };
}

/** The node struct every forest's table uses (declared once per file). */
export const FOREST_NODE_TYPE = `typedef struct {
  float thr;
  unsigned short feat;
  int32_t child[2];
} amp_node_t;`;

/** Stack bytes of the batch's work buffers. */
export const FOREST_BATCH_STACK = FOREST_BLOCK * 12;
