/* Forest prediction, blocked over rows: a block of rows walks one tree after
 * the other, so each tree is fetched into cache once per block rather than
 * once per row. Inputs are rounded to float once per block (XGBoost's rule
 * compares float32 values). The child is chosen without a branch, possible
 * because siblings are adjacent (right = left + 1); NaN goes right, as in the
 * reference. Sums run per row in tree order, exactly as src/kernels/forest.ts.
 * Large calls (dispatch_trees.c) first pack the forest (af_forest_pack) and
 * walk the packed nodes without a branch on any row's path; small ones walk
 * the arrays as they are. Both find the same leaves. */
#include "forest.h"

#define AF_PREDICT_BLOCK 64
/* Inputs of up to this many features are cached as floats per block. */
#define AF_PREDICT_MAXD 16

int af_forest_predict(const af_forest *F, const double *x, long lo, long hi, double *out) {
  const long d = F->d;
  const int cached = d <= AF_PREDICT_MAXD;
  float xf[AF_PREDICT_BLOCK * AF_PREDICT_MAXD];
  double acc[AF_PREDICT_BLOCK];
  for (long b0 = lo; b0 < hi; b0 += AF_PREDICT_BLOCK) {
    const long nb = hi - b0 < AF_PREDICT_BLOCK ? hi - b0 : AF_PREDICT_BLOCK;
    if (cached)
      for (long i = 0; i < nb * d; i++) xf[i] = (float)x[b0 * d + i];
    for (long i = 0; i < nb; i++) acc[i] = F->base;
    for (long t = 0; t < F->ntrees; t++) {
      const long off = F->tree_offset[t], size = F->tree_offset[t + 1] - off;
      const int32_t *L = F->left + off;
      const uint16_t *FE = F->feature + off;
      const float *TH = F->threshold + off;
      const double *V = F->value + off;
      /* All rows of the block descend one level per pass: their loads are
       * independent, so they overlap instead of waiting on each other. */
      int32_t node[AF_PREDICT_BLOCK];
      for (long i = 0; i < nb; i++) node[i] = 0;
      for (long active = nb; active > 0;) {
        active = 0;
        for (long i = 0; i < nb; i++) {
          const long at = node[i];
          const long l = L[at];
          if (l < 0) continue;
          if (!(l > at && l + 1 < size)) return AF_TREE_BAD_CHILD;
          const long f = FE[at];
          if (f >= d) return AF_TREE_BAD_FEATURE;
          const float v = cached ? xf[i * d + f] : (float)x[(b0 + i) * d + f];
          node[i] = (int32_t)(l + !(v < TH[at]));
          active++;
        }
      }
      for (long i = 0; i < nb; i++) acc[i] += V[node[i]];
    }
    for (long i = 0; i < nb; i++) out[b0 + i] = acc[i];
  }
  return AF_TREE_OK;
}

int af_forest_pack(const af_forest *F, af_packed_fnode *P, int32_t *depth) {
  for (long t = 0; t < F->ntrees; t++) {
    const long off = F->tree_offset[t], size = F->tree_offset[t + 1] - off;
    long most = 0;
    /* Node depths in P[k].feature first (children follow their parents),
     * then the real fields. */
    for (long k = 0; k < size; k++) P[off + k].feature = 0;
    for (long k = 0; k < size; k++) {
      const long l = F->left[off + k];
      if (l < 0) continue;
      if (!(l > k && l + 1 < size)) return AF_TREE_BAD_CHILD;
      if (F->feature[off + k] >= F->d) return AF_TREE_BAD_FEATURE;
      const int32_t dep = P[off + k].feature + 1;
      P[off + l].feature = P[off + l + 1].feature = dep;
      if (dep > most) most = dep;
    }
    depth[t] = (int32_t)most;
    for (long k = 0; k < size; k++) {
      const long l = F->left[off + k];
      af_packed_fnode *q = P + off + k;
      if (l < 0) {
        q->child[0] = q->child[1] = (int32_t)k;
        q->feature = 0;
        q->threshold = 0.0f;
      } else {
        q->child[0] = (int32_t)l;
        q->child[1] = (int32_t)(l + 1);
        q->feature = F->feature[off + k];
        q->threshold = F->threshold[off + k];
      }
    }
  }
  return AF_TREE_OK;
}

void af_forest_predict_packed(const af_forest *F, const af_packed_fnode *P, const int32_t *depth,
                              const double *x, long lo, long hi, double *out) {
  const long d = F->d;
  float xf[AF_PREDICT_BLOCK * AF_PREDICT_MAXD];
  double acc[AF_PREDICT_BLOCK];
  int32_t node[AF_PREDICT_BLOCK];
  for (long b0 = lo; b0 < hi; b0 += AF_PREDICT_BLOCK) {
    const long nb = hi - b0 < AF_PREDICT_BLOCK ? hi - b0 : AF_PREDICT_BLOCK;
    for (long i = 0; i < nb * d; i++) xf[i] = (float)x[b0 * d + i];
    for (long i = 0; i < nb; i++) acc[i] = F->base;
    for (long t = 0; t < F->ntrees; t++) {
      const long off = F->tree_offset[t];
      const af_packed_fnode *T = P + off;
      for (long i = 0; i < nb; i++) node[i] = 0;
      /* Until the tree's depth, or until no row moved (all at leaves). */
      for (long s = 0; s < depth[t]; s++) {
        int32_t moved = 0;
        for (long i = 0; i < nb; i++) {
          const af_packed_fnode *q = T + node[i];
          const int32_t next = q->child[!(xf[i * d + q->feature] < q->threshold)];
          moved |= next ^ node[i];
          node[i] = next;
        }
        if (!moved) break;
      }
      const double *V = F->value + off;
      for (long i = 0; i < nb; i++) acc[i] += V[node[i]];
    }
    for (long i = 0; i < nb; i++) out[b0 + i] = acc[i];
  }
}

/* One tree on binned rows (the validation rows of a boosting round, binned
 * once with the training cuts). The tree is first packed into 16-byte nodes
 * in which a leaf is its own child on both sides; then the rows of a block
 * step down together without a branch on any row's path (a row that reached
 * its leaf stays there), 64 independent rows interleaved per step, for the
 * tree's depth or until no row moved. Bins are 1 or 2
 * bytes per feature instead of 8, with no conversions. No arithmetic: out
 * gets a leaf value as it is. */
int af_bintree_pack(const af_bintree *T, long d, af_packed_node *P, int32_t *depth, long *max_depth) {
  long most = 0;
  for (long k = 0; k < T->nodes; k++) depth[k] = 0;
  for (long k = 0; k < T->nodes; k++) {
    const long l = T->left[k];
    if (l < 0) {
      P[k].child[0] = P[k].child[1] = (int32_t)k;
      P[k].feature = 0;
      P[k].bin = 0;
      continue;
    }
    if (!(l > k && l + 1 < T->nodes)) return AF_TREE_BAD_CHILD;
    if (!(T->feature[k] >= 0 && T->feature[k] < d)) return AF_TREE_BAD_FEATURE;
    P[k].child[0] = (int32_t)l;
    P[k].child[1] = (int32_t)(l + 1);
    P[k].feature = T->feature[k];
    P[k].bin = T->bin[k];
    depth[l] = depth[l + 1] = depth[k] + 1;
    if (depth[l] > most) most = depth[l];
  }
  *max_depth = most;
  return AF_TREE_OK;
}

#define WALK_BINNED(T)                                                          \
  do {                                                                          \
    const T *B = (const T *)m->bins;                                            \
    for (long b0 = lo; b0 < hi; b0 += AF_PREDICT_BLOCK) {                       \
      const long nb = hi - b0 < AF_PREDICT_BLOCK ? hi - b0 : AF_PREDICT_BLOCK;  \
      const T *R = B + (size_t)b0 * (size_t)d;                                  \
      int32_t node[AF_PREDICT_BLOCK];                                           \
      for (long i = 0; i < nb; i++) node[i] = 0;                                \
      for (long s = 0; s < depth; s++) {                                        \
        int32_t moved = 0;                                                      \
        for (long i = 0; i < nb; i++) {                                         \
          const af_packed_node *p = P + node[i];                                \
          const int32_t next = p->child[(long)R[i * d + p->feature] > (long)p->bin]; \
          moved |= next ^ node[i];                                              \
          node[i] = next;                                                       \
        }                                                                       \
        if (!moved) break;                                                      \
      }                                                                         \
      for (long i = 0; i < nb; i++) out[b0 + i] = V[node[i]];                   \
    }                                                                           \
  } while (0)

void af_tree_predict_binned(const af_binmat *m, const af_packed_node *P, long depth, const double *V,
                            long lo, long hi, double *out) {
  const long d = m->d;
  if (m->wide)
    WALK_BINNED(uint16_t);
  else
    WALK_BINNED(uint8_t);
}
