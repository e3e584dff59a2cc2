/* Shared definitions of the tree kernels (hist.c, split.c, partition.c,
 * forest.c): the binned matrix, status codes, and the constants that fix the
 * summation order (they must equal src/kernels/types.ts). */
#ifndef AMPFIT_TREES_H
#define AMPFIT_TREES_H

#include <stddef.h>
#include <stdint.h>

/* = HIST_BLOCK_ROWS in src/kernels/types.ts */
#define AF_HIST_BLOCK_ROWS 8192L
/* = DIRECT_MAX_ROWS in src/kernels/types.ts */
#define AF_DIRECT_MAX_ROWS 65536L

/* Status of a tree kernel; the binding turns nonzero codes into errors. */
enum {
  AF_TREE_OK = 0,
  AF_TREE_BAD_ROW = 1,     /* a row index >= the rows of bins (or pred) */
  AF_TREE_BAD_BIN = 2,     /* a bin index beyond its feature's bins */
  AF_TREE_BAD_CHILD = 3,   /* a child link outside its tree, or not after its parent */
  AF_TREE_BAD_FEATURE = 4, /* a node's feature >= d */
  AF_TREE_NO_MEMORY = 5
};

/* A row-major n x d matrix of bin indices, uint8 or uint16. */
typedef struct {
  const void *bins;
  int wide; /* 1: uint16_t, 0: uint8_t */
  long n;
  long d;
  const int32_t *off; /* d+1 bin offsets of the features in a node histogram */
} af_binmat;

static inline unsigned af_bin(const af_binmat *m, long r, long f) {
  return m->wide ? ((const uint16_t *)m->bins)[r * m->d + f] : ((const uint8_t *)m->bins)[r * m->d + f];
}

/* The same bins column-major (feature f of row r at f*n + r), what row
 * partitioning reads: a node's split needs one feature of each of its rows,
 * and rows inside a node ascend, so the reads walk one column upward. */
typedef struct {
  const void *bins;
  int wide; /* 1: uint16_t, 0: uint8_t */
  long n;
  long d;
} af_bincols;

#endif
