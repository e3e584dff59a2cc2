/* Mirrors src/kernels/angularHead.ts (and the harmonics of
 * src/kernels/harmonics.ts) operation for operation, sums in the same order
 * (-ffp-contract=off keeps products and sums separately rounded), so the two
 * differ only where libm's cos and sin round differently from V8's. */
#include "angular_head.h"

#include <math.h>

#define PER_MAX ((AF_HEAD_MAX_L + 1) * (AF_HEAD_MAX_L + 1))
#define Z_MAX (1 << (2 * AF_HEAD_MAX_DECAYS))

long af_head_k(const af_head_shape *s) {
  long per = (long)(s->lmax + 1) * (s->lmax + 1), k = 1;
  for (int d = 0; d < s->decays; d++) k *= per;
  return k;
}

long af_head_z(const af_head_shape *s) { return 1L << (2 * s->decays); }

/* What every row of a call shares: the harmonics' normalisations and E[z_i^2]. */
typedef struct {
  double norm[AF_HEAD_MAX_L + 1][AF_HEAD_MAX_L + 1];
  double w[Z_MAX];
} tables;

static void make_tables(const af_head_shape *s, tables *t) {
  for (int l = 0; l <= s->lmax; l++) {
    for (int m = 0; m <= l; m++) {
      double ratio = 1; /* (l-m)!/(l+m)! */
      for (int k = l - m + 1; k <= l + m; k++) ratio /= k;
      t->norm[l][m] = sqrt((m == 0 ? 1.0 : 2.0) * (2 * l + 1) * ratio);
    }
  }
  long zn = af_head_z(s);
  for (long i = 0; i < zn; i++) {
    double w = 1;
    long r = i;
    for (int k = 0; k < s->decays; k++, r /= 4)
      if (r % 4 != 0) w /= 3;
    t->w[i] = w;
  }
}

/* The (lmax+1)^2 real harmonics of one direction (RealHarmonics.evaluate). */
static void harmonics(int lmax, const tables *t, double c, double s, double c1, double s1,
                      double *out) {
  double p[(AF_HEAD_MAX_L + 1) * (AF_HEAD_MAX_L + 2) / 2];
  double cosm[AF_HEAD_MAX_L + 1], sinm[AF_HEAD_MAX_L + 1];
#define AT(l, m) ((l) * ((l) + 1) / 2 + (m))
  double pmm = 1;
  for (int m = 0; m <= lmax; m++) {
    if (m > 0) pmm *= (2 * m - 1) * s;
    p[AT(m, m)] = pmm;
    if (m + 1 <= lmax) p[AT(m + 1, m)] = (2 * m + 1) * c * pmm;
    for (int l = m + 2; l <= lmax; l++)
      p[AT(l, m)] = ((2 * l - 1) * c * p[AT(l - 1, m)] - (l + m - 1) * p[AT(l - 2, m)]) / (l - m);
  }
  cosm[0] = 1;
  sinm[0] = 0;
  for (int m = 1; m <= lmax; m++) {
    cosm[m] = cosm[m - 1] * c1 - sinm[m - 1] * s1;
    sinm[m] = sinm[m - 1] * c1 + cosm[m - 1] * s1;
  }
  for (int l = 0; l <= lmax; l++) {
    int base = l * l;
    out[base] = t->norm[l][0] * p[AT(l, 0)];
    for (int m = 1; m <= l; m++) {
      double v = t->norm[l][m] * p[AT(l, m)];
      out[base + 2 * m - 1] = v * cosm[m];
      out[base + 2 * m] = v * sinm[m];
    }
  }
#undef AT
}

/* out[0..len*per) = out[0..len) (x) f[0..per), in place from the back. */
static long expand(double *out, long len, const double *f, int per) {
  for (long i = len - 1; i >= 0; i--) {
    double v = out[i];
    for (int a = per - 1; a >= 0; a--) out[i * per + a] = v * f[a];
  }
  return len * per;
}

void af_head_forward(AF_HEAD_FORWARD_PARAMS) {
  tables t;
  make_tables(s, &t);
  const long k = af_head_k(s), zn = af_head_z(s);
  const int per = (s->lmax + 1) * (s->lmax + 1), na = 2 * s->decays;
  double factors[AF_HEAD_MAX_DECAYS][PER_MAX], u[AF_HEAD_MAX_DECAYS][4];
  for (long r = 0; r < n; r++) {
    const double *a = angles + r * na;
    double *b = basis + r * k, *zr = z + r * zn, *vr = v + r * zn;
    for (int d = 0; d < s->decays; d++) {
      double c = a[2 * d], cc = 1 - c * c;
      double sn = sqrt(cc > 0 ? cc : 0), c1 = cos(a[2 * d + 1]), s1 = sin(a[2 * d + 1]);
      harmonics(s->lmax, &t, c, sn, c1, s1, factors[d]);
      u[d][0] = 1;
      u[d][1] = sn * c1;
      u[d][2] = sn * s1;
      u[d][3] = c;
    }
    b[0] = 1;
    zr[0] = 1;
    for (long d = 0, len = 1, lz = 1; d < s->decays; d++) {
      len = expand(b, len, factors[d], per);
      lz = expand(zr, lz, u[d], 4);
    }
    const double *row = o + r * s->m;
    double pr = 0;
    for (long j = 1; j < k; j++) pr += row[s->eat + j - 1] * b[j];
    for (long j = 0; j < zn; j++) vr[j] = 0;
    double mean = 0;
    for (long i = 0; i < zn; i++) {
      const double zi = zr[i], *li = row + s->lat + i * zn;
      double rowsq = 0;
      for (long j = 0; j < zn; j++) {
        double lij = (i == j ? 1.0 : 0.0) + s->alpha * li[j];
        vr[j] += lij * zi;
        rowsq += lij * lij;
      }
      mean += t.w[i] * rowsq;
    }
    double raw = 0;
    for (long j = 0; j < zn; j++) raw += vr[j] * vr[j];
    p[r] = pr * s->beta;
    qraw[r] = raw;
    qmean[r] = mean;
  }
}

void af_head_backward(AF_HEAD_BACKWARD_PARAMS) {
  tables t;
  make_tables(s, &t);
  const long k = af_head_k(s), zn = af_head_z(s);
  const double two_alpha = s->alpha * 2;
  for (long r = 0; r < n; r++) {
    const double *row = o + r * s->m, *b = basis + r * k, *zr = z + r * zn, *vr = v + r * zn;
    double *drow = dinner + r * s->m;
    const double cer = ce[r], draw = craw[r], dmean = cmean[r];
    for (long j = 1; j < k; j++) drow[s->eat + j - 1] = cer * b[j];
    for (long i = 0; i < zn; i++) {
      const double zi = zr[i], wi = t.w[i], *li = row + s->lat + i * zn;
      double *di = drow + s->lat + i * zn;
      for (long j = 0; j < zn; j++) {
        double lij = (i == j ? 1.0 : 0.0) + s->alpha * li[j];
        di[j] = two_alpha * (draw * zi * vr[j] + dmean * wi * lij);
      }
    }
  }
}
