/* Row partitioning and leaf updates (reference: src/kernels/partition.ts). */
#ifndef AMPFIT_PARTITION_H
#define AMPFIT_PARTITION_H

#include <stdint.h>

#include "trees.h"

/* Stable partition of rows[begin..end): rows whose bin of feature f is <= bin
 * first. The right side goes through tmp (end - begin entries). Writes the
 * split point to *mid. Returns AF_TREE_OK or a status. */
int af_partition(const af_bincols *c, uint32_t *rows, long begin, long end, long f, long bin,
                 uint32_t *tmp, long *mid);

/* Stable partition of rows[from..to) into out: lefts at out[0..), rights at
 * out[nl..) where nl is returned in *nleft. */
int af_partition_into(const af_bincols *c, const uint32_t *rows, long from, long to, long f,
                      long bin, uint32_t *left_out, uint32_t *right_out, long *nleft);

/* pred[rows[i]] += v for i in [from, to); AF_TREE_BAD_ROW if an index >= npred. */
int af_leaf_add(const uint32_t *rows, long from, long to, double v, double *pred, long npred);

#endif
