/* Forest prediction, blocked over rows: a block of rows walks one tree after
 * the other, so each tree is fetched into cache once per block rather than
 * once per row. Inputs are rounded to float once per block (XGBoost's rule
 * compares float32 values). The child is chosen without a branch, possible
 * because siblings are adjacent (right = left + 1); NaN goes right, as in the
 * reference. Sums run per row in tree order, exactly as src/kernels/forest.ts. */
#include "forest.h"

#include "trees.h"

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
