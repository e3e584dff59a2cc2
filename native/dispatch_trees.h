/* Threaded drivers of the tree kernels: how a call over a list of nodes is cut
 * into chunks for the pool (threads.c). Every node's result is computed by one
 * fixed sequence of operations whichever chunk runs it — histograms of long
 * nodes in fixed blocks added in block order, partitions and leaf updates
 * that have a single result — so the bits never depend on the thread count.
 * Arguments are assumed checked (binding.c); the kernels' own checks (row
 * indices, bins, child links) come back as a status from trees.h, the one of
 * the earliest node in list order. */
#ifndef AMPFIT_DISPATCH_TREES_H
#define AMPFIT_DISPATCH_TREES_H

#include <stdint.h>

#include "kernels/forest.h"
#include "kernels/split.h"
#include "kernels/trees.h"

int af_par_hist_build(const af_binmat *m, const double *gpair, const uint32_t *rows, long k,
                      const int32_t *begin, const int32_t *end, const int32_t *slot, double *hist);

int af_par_hist_subtract(double *hist, long nbins, long k, const int32_t *dst, const int32_t *a,
                         const int32_t *b);

int af_par_split_find(const af_binmat *m, const double *hist, const double *gpair,
                      const uint32_t *rows, long k, const int32_t *slot, const int32_t *begin,
                      const int32_t *end, const double *sum_g, const double *sum_h,
                      const af_split_params *p, int32_t *out_feature, int32_t *out_bin,
                      double *out_gain, double *out_left);

int af_par_partition(const af_bincols *m, uint32_t *rows, long k, const int32_t *begin,
                     const int32_t *end, const int32_t *feature, const int32_t *bin, int32_t *mid);

int af_par_leaf_add(const uint32_t *rows, long k, const int32_t *begin, const int32_t *end,
                    const double *value, double *pred, long npred);

int af_par_forest_predict(const af_forest *F, const double *x, long n, double *out);

int af_par_tree_predict_binned(const af_binmat *m, const af_bintree *T, double *out);

#endif
