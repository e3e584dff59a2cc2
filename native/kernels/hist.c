/* Gradient histograms. The only arithmetic is out[bin] += g (and h), in rows
 * order, exactly as src/kernels/hist.ts, so the sums have the same bits. */
#include "hist.h"

/* Rows of a deep node are scattered over the matrix: fetch the bins and
 * gradient pair of the row AF_PREFETCH ahead while this one is added. */
#define AF_PREFETCH 16

#define ACCUMULATE(T)                                                    \
  do {                                                                   \
    const T *B = (const T *)m->bins;                                     \
    for (long i = from; i < to; i++) {                                   \
      if (i + AF_PREFETCH < to) {                                        \
        const size_t q = rows[i + AF_PREFETCH];                          \
        __builtin_prefetch(B + q * (size_t)d);                           \
        __builtin_prefetch(gpair + 2 * q);                               \
      }                                                                  \
      const uint32_t r = rows[i];                                        \
      if ((long)r >= n) return AF_TREE_BAD_ROW;                          \
      const double g = gpair[2 * (size_t)r], h = gpair[2 * (size_t)r + 1]; \
      const T *br = B + (size_t)r * (size_t)d;                           \
      for (long f = 0; f < d; f++) {                                     \
        const unsigned b = br[f];                                        \
        if ((long)b >= off[f + 1] - off[f]) return AF_TREE_BAD_BIN;      \
        double *o = out + 2 * ((size_t)off[f] + b);                      \
        o[0] += g;                                                       \
        o[1] += h;                                                       \
      }                                                                  \
    }                                                                    \
  } while (0)

int af_hist_accumulate(const af_binmat *m, const double *gpair, const uint32_t *rows, long from,
                       long to, double *out) {
  const long n = m->n, d = m->d;
  const int32_t *off = m->off;
  if (m->wide)
    ACCUMULATE(uint16_t);
  else
    ACCUMULATE(uint8_t);
  return AF_TREE_OK;
}

void af_hist_subtract(double *out, const double *a, const double *b, long len) {
  for (long t = 0; t < len; t++) out[t] = a[t] - b[t];
}
