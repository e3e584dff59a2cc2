/* Best split of one node (reference: src/kernels/split.ts). */
#ifndef AMPFIT_SPLIT_H
#define AMPFIT_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "trees.h"

typedef struct {
  int32_t feature; /* -1: no candidate with loss change > 0 */
  int32_t bin;
  double gain, gl, hl;
} af_split;

typedef struct {
  double lambda, min_child_weight;
  const uint8_t *features; /* d flags: 1 = may split on the feature */
} af_split_params;

/* From the node's histogram (2 * off[d] doubles). */
void af_split_hist(const af_binmat *m, const double *hist, double G, double H,
                   const af_split_params *p, af_split *out);

/* Straight from the node's rows rows[begin..end); scratch holds at least
 * af_split_rows_scratch bytes; zeroed (or null) af_split_rows_zeroed bytes
 * that are all zero, and are left all zero (it serves nodes of at most
 * AF_HIST_BLOCK_ROWS rows). Returns AF_TREE_OK or a status. */
int af_split_rows(const af_binmat *m, const double *gpair, const uint32_t *rows, long begin,
                  long end, double G, double H, const af_split_params *p, void *scratch,
                  double *zeroed, af_split *out);

/* Scratch bytes af_split_rows needs for a node of `rows` rows. */
size_t af_split_rows_scratch(const af_binmat *m, long rows);

/* Bytes of af_split_rows's zeroed scratch: a node histogram and a bitmap of its bins. */
size_t af_split_rows_zeroed(const af_binmat *m);

#endif
