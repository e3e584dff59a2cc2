/* Gradient histograms of tree nodes (reference: src/kernels/hist.ts). */
#ifndef AMPFIT_HIST_H
#define AMPFIT_HIST_H

#include <stdint.h>

#include "trees.h"

/* Adds the (g, h) pairs of rows[from..to) into out (2 * off[d] doubles, (G, H)
 * per bin), row by row in rows order. Returns AF_TREE_OK or a status. */
int af_hist_accumulate(const af_binmat *m, const double *gpair, const uint32_t *rows, long from,
                       long to, double *out);

/* out[t] = a[t] - b[t] for t < len. out may be a. */
void af_hist_subtract(double *out, const double *a, const double *b, long len);

#endif
