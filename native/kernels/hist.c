/* Gradient histograms. The only arithmetic is out[bin] += g (and h), in rows
 * order, exactly as src/kernels/hist.ts, so the sums have the same bits.
 *
 * The loop is specialised for d = 1..8 (the feature count a compile-time
 * constant: unrolled, bin offsets and limits in registers) and adds (g, h) to
 * a bin as one 2-lane vector — two independent IEEE additions, the same bits
 * as two scalar ones. */
#include "hist.h"

/* Rows of a deep node are scattered over the matrix: fetch the bins and
 * gradient pair of the row AF_PREFETCH ahead while this one is added. */
#define AF_PREFETCH 16

typedef double af_v2d __attribute__((vector_size(16), aligned(8)));

static inline __attribute__((always_inline)) int accumulate(const void *bins, int wide, long n,
                                                             long d, const int32_t *off,
                                                             const double *gpair,
                                                             const uint32_t *rows, long from,
                                                             long to, double *out) {
  long lim[8], base[8];
  const long dd = d <= 8 ? d : 8;
  for (long f = 0; f < dd; f++) {
    lim[f] = off[f + 1] - off[f];
    base[f] = 2 * (long)off[f];
  }
  /* A range of consecutive rows (the root of a tree) streams by itself. */
  const int scattered = to > from && (long)rows[to - 1] - (long)rows[from] != to - 1 - from;
  for (long i = from; i < to; i++) {
    if (scattered && i + AF_PREFETCH < to) {
      const size_t q = rows[i + AF_PREFETCH];
      __builtin_prefetch((const char *)bins + q * (size_t)d * (wide ? 2 : 1));
      __builtin_prefetch(gpair + 2 * q);
    }
    const uint32_t r = rows[i];
    if ((long)r >= n) return AF_TREE_BAD_ROW;
    af_v2d gh;
    __builtin_memcpy(&gh, gpair + 2 * (size_t)r, sizeof gh);
    for (long f = 0; f < d; f++) {
      const long b = wide ? ((const uint16_t *)bins)[(size_t)r * (size_t)d + f]
                          : ((const uint8_t *)bins)[(size_t)r * (size_t)d + f];
      const long nb = d <= 8 ? lim[f] : off[f + 1] - off[f];
      if (b >= nb) return AF_TREE_BAD_BIN;
      double *o = out + (d <= 8 ? base[f] : 2 * (long)off[f]) + 2 * b;
      af_v2d acc;
      __builtin_memcpy(&acc, o, sizeof acc);
      acc += gh;
      __builtin_memcpy(o, &acc, sizeof acc);
    }
  }
  return AF_TREE_OK;
}

#define CASE_D(D)                                                                          \
  case D:                                                                                  \
    return m->wide ? accumulate(m->bins, 1, m->n, D, m->off, gpair, rows, from, to, out)  \
                   : accumulate(m->bins, 0, m->n, D, m->off, gpair, rows, from, to, out);

int af_hist_accumulate(const af_binmat *m, const double *gpair, const uint32_t *rows, long from,
                       long to, double *out) {
  switch (m->d) {
    CASE_D(1)
    CASE_D(2)
    CASE_D(3)
    CASE_D(4)
    CASE_D(5)
    CASE_D(6)
    CASE_D(7)
    CASE_D(8)
    default:
      return m->wide ? accumulate(m->bins, 1, m->n, m->d, m->off, gpair, rows, from, to, out)
                     : accumulate(m->bins, 0, m->n, m->d, m->off, gpair, rows, from, to, out);
  }
}

void af_hist_subtract(double *out, const double *a, const double *b, long len) {
  for (long t = 0; t < len; t++) out[t] = a[t] - b[t];
}
