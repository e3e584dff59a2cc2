/* Forest prediction (reference: src/kernels/forest.ts). */
#ifndef AMPFIT_FOREST_H
#define AMPFIT_FOREST_H

#include <stdint.h>

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

#endif
