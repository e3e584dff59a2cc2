/* Row partitioning. A stable partition has one result whatever the order of
 * the work, so these may be combined in any split across threads. The bins
 * are read column-major (af_bincols): the split feature's column, upward. */
#include "partition.h"

#include <string.h>

/* Branch-free: every row is written to both sides and only the matching
 * side's cursor advances (which side a row takes is a coin toss to the branch
 * predictor). Writing rows[w] in place is safe because w <= i. */
#define SPLIT_LOOP(T)                                                   \
  do {                                                                  \
    const T *C = (const T *)c->bins + (size_t)f * (size_t)n;            \
    const unsigned long lim = (unsigned long)bin;                       \
    for (long i = begin; i < end; i++) {                                \
      const uint32_t r = rows[i];                                       \
      if ((long)r >= n) return AF_TREE_BAD_ROW;                         \
      const long left = C[r] <= lim;                                    \
      rows[w] = r;                                                      \
      tmp[nr] = r;                                                      \
      w += left;                                                        \
      nr += 1 - left;                                                   \
    }                                                                   \
  } while (0)

int af_partition(const af_bincols *c, uint32_t *rows, long begin, long end, long f, long bin,
                 uint32_t *tmp, long *mid) {
  long w = begin, nr = 0;
  const long n = c->n;
  if (bin < 0) {
    for (long i = begin; i < end; i++) {
      if ((long)rows[i] >= n) return AF_TREE_BAD_ROW;
      tmp[nr++] = rows[i];
    }
  } else if (c->wide) {
    SPLIT_LOOP(uint16_t);
  } else {
    SPLIT_LOOP(uint8_t);
  }
  memcpy(rows + w, tmp, (size_t)nr * sizeof(uint32_t));
  *mid = w;
  return AF_TREE_OK;
}

#define INTO_LOOP(T)                                                    \
  do {                                                                  \
    const T *C = (const T *)c->bins + (size_t)f * (size_t)n;            \
    for (long i = from; i < to; i++) {                                  \
      const uint32_t r = rows[i];                                       \
      if ((long)r >= n) return AF_TREE_BAD_ROW;                         \
      const long left = bin >= 0 && C[r] <= (unsigned long)bin;         \
      left_out[nl] = r;                                                 \
      right_out[nr] = r;                                                \
      nl += left;                                                       \
      nr += 1 - left;                                                   \
    }                                                                   \
  } while (0)

int af_partition_into(const af_bincols *c, const uint32_t *rows, long from, long to, long f,
                      long bin, uint32_t *left_out, uint32_t *right_out, long *nleft) {
  long nl = 0, nr = 0;
  const long n = c->n;
  if (c->wide)
    INTO_LOOP(uint16_t);
  else
    INTO_LOOP(uint8_t);
  *nleft = nl;
  return AF_TREE_OK;
}

int af_leaf_add(const uint32_t *rows, long from, long to, double v, double *pred, long npred) {
  for (long i = from; i < to; i++) {
    const uint32_t r = rows[i];
    if ((long)r >= npred) return AF_TREE_BAD_ROW;
    pred[r] += v;
  }
  return AF_TREE_OK;
}
