/* Forest prediction (reference: src/kernels/forest.ts). */
#ifndef AMPFIT_FOREST_H
#define AMPFIT_FOREST_H

#include <stdint.h>

#include "trees.h"

typedef struct {
  long ntrees, d;
  const int32_t *tree_offset;
  const uint16_t *feature;
  const float *threshold;
  const int32_t *left;
  const double *value;
  double base;
} af_forest;

/* out[i] = base + sum over trees (in order) of the leaf value, rows [lo, hi)
 * of x (row-major, d columns). Returns AF_TREE_OK or a status from trees.h. */
int af_forest_predict(const af_forest *F, const double *x, long lo, long hi, double *out);

/* A forest node packed for prediction: children (a leaf is its own child on
 * both sides, so a row that reached it stays), split feature and threshold. */
typedef struct {
  int32_t child[2];
  int32_t feature;
  float threshold;
} af_packed_fnode;

/* Packs F's nodes into P (one per node, tree-local children) and each tree's
 * depth into depth[t]. Returns AF_TREE_OK, or nonzero if a child link or a
 * feature is out of range (the caller then walks F unpacked, which reports the
 * problem as the reference does). */
int af_forest_pack(const af_forest *F, af_packed_fnode *P, int32_t *depth);

/* af_forest_predict on a packed forest: the rows of a block step through tree
 * t together (at most depth[t] steps, fewer once all sit at leaves), without a
 * branch on any row's own path. The same leaves, and the same sums in the
 * same order. Needs d <= 16. */
void af_forest_predict_packed(const af_forest *F, const af_packed_fnode *P, const int32_t *depth,
                              const double *x, long lo, long hi, double *out);

/* One tree with its splits as bins: node k sends a row left iff its bin of
 * feature[k] is <= bin[k] (left[k] < 0: a leaf). */
typedef struct {
  long nodes;
  const int32_t *feature;
  const int32_t *bin;
  const int32_t *left;
  const double *value;
} af_bintree;

/* A node of a packed tree: children (a leaf is its own child on both sides),
 * split feature and bin (left iff the row's bin <= bin). */
typedef struct {
  int32_t child[2];
  int32_t feature;
  int32_t bin;
} af_packed_node;

/* Packs T (nodes entries of P; depth: nodes int32 of scratch) and finds its
 * depth. Returns AF_TREE_OK, AF_TREE_BAD_CHILD or AF_TREE_BAD_FEATURE (the
 * first bad node in node order). */
int af_bintree_pack(const af_bintree *T, long d, af_packed_node *P, int32_t *depth, long *max_depth);

/* out[i] = V[leaf row i of m reaches] in the packed tree of this depth, rows [lo, hi). */
void af_tree_predict_binned(const af_binmat *m, const af_packed_node *P, long depth, const double *V,
                            long lo, long hi, double *out);

#endif
