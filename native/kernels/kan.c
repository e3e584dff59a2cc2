/* Mirrors src/kernels/kan.ts operation for operation; only exp may differ
 * from V8's in the last bit, so results agree to a few ulp (tests check
 * 1e-15 relative). One thread: O(n*nIn) work beside the dense map's
 * O(n*nIn*(grid+4)*nOut). */
#include "kan.h"

#include <math.h>
#include <string.h>

static double sigmoid(double v) {
  double e = exp(-fabs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

void af_kan_expand(const double *x, long n, long nIn, long grid, double lo, double hi, double *f) {
  long per = grid + 4;
  double h = (hi - lo) / (double)grid;
  memset(f, 0, sizeof(double) * (size_t)(n * nIn * per));
  for (long e = 0; e < n * nIn; e++) {
    double v = x[e];
    double *o = f + e * per;
    o[0] = v * sigmoid(v);
    double t = (v - lo) / h;
    double jf = floor(t);
    if (!(jf >= -3 && jf <= (double)(grid + 2))) continue; /* beyond the extended grid, or NaN */
    long j = (long)jf;
    double s = t - jf, s2 = s * s, s3 = s2 * s, u = 1 - s;
    double *base = o + 1 + j;
    if (j >= 0) base[0] = (u * u * u) / 6;
    if (j >= -1 && j + 1 <= grid + 2) base[1] = (3 * s3 - 6 * s2 + 4) / 6;
    if (j >= -2 && j + 2 <= grid + 2) base[2] = (-3 * s3 + 3 * s2 + 3 * s + 1) / 6;
    if (j + 3 <= grid + 2) base[3] = s3 / 6;
  }
}

void af_kan_expand_backward(const double *x, long n, long nIn, long grid, double lo, double hi,
                            const double *df, double *dx) {
  long per = grid + 4;
  double h = (hi - lo) / (double)grid;
  for (long e = 0; e < n * nIn; e++) {
    double v = x[e];
    const double *o = df + e * per;
    double sig = sigmoid(v);
    double acc = o[0] * (sig * (1 + v * (1 - sig)));
    double t = (v - lo) / h;
    double jf = floor(t);
    if (jf >= -3 && jf <= (double)(grid + 2)) {
      long j = (long)jf;
      double s = t - jf, s2 = s * s, u = 1 - s;
      const double *base = o + 1 + j;
      if (j >= 0) acc += base[0] * ((-u * u) / 2 / h);
      if (j >= -1 && j + 1 <= grid + 2) acc += base[1] * ((1.5 * s2 - 2 * s) / h);
      if (j >= -2 && j + 2 <= grid + 2) acc += base[2] * ((-1.5 * s2 + s + 0.5) / h);
      if (j + 3 <= grid + 2) acc += base[3] * (s2 / 2 / h);
    }
    dx[e] = acc;
  }
}
