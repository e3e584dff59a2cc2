/* The angularHead op: the harmonic head of an angular model (issue 15), as
 * src/export/c/angular.ts writes it in C and in its order, statement for
 * statement, with its unrolled recursions as loops over the same integer
 * factors: src/features/harmonics.ts (real harmonics, their products, the
 * decay tensor) and src/nn/structuredNetwork.ts evaluateHead. */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* √(2(2l+1)(l−m)!/(l+m)!) (√(2l+1) for m = 0), as harmonics.ts normalisation. */
static double normalisation(int l, int m) {
  double ratio = 1;
  int k;
  for (k = l - m + 1; k <= l + m; k++) ratio /= k;
  return sqrt((double)((m == 0 ? 1 : 2) * (2 * l + 1)) * ratio);
}

int amp_angular_init(amp_angular *a) {
  const size_t np = (size_t)(a->l_max + 1) * (size_t)(a->l_max + 2) / 2;
  size_t i;
  int l, m, k;
  a->norm = malloc(np * sizeof *a->norm);
  a->weight = malloc(a->zn * sizeof *a->weight);
  if (a->norm == NULL || a->weight == NULL) return AMPFIT_ERR_MEMORY;
  for (l = 0; l <= a->l_max; l++) for (m = 0; m <= l; m++) a->norm[l * (l + 1) / 2 + m] = normalisation(l, m);
  for (i = 0; i < a->zn; i++) {
    double w = 1;
    size_t r = i;
    for (k = 0; k < a->decays; k++, r /= 4) if (r % 4 != 0) w /= 3;
    a->weight[i] = w;
  }
  return AMPFIT_OK;
}

void amp_angular_free(amp_angular *a) {
  free(a->norm);
  free(a->weight);
  a->norm = a->weight = NULL;
}

size_t amp_angular_scratch(const amp_angular *a) {
  const size_t K = (size_t)a->decays, L = (size_t)a->l_max;
  return 2 * K + K * a->per + a->k_size + 2 * a->zn + 4 * K + (L + 1) * (L + 2) / 2 + 2 * (L + 1);
}

/* RealHarmonics.evaluate at (cos θ = c, φ): (l_max + 1)^2 values; p, cm, sm are scratch. */
static void harmonics(const amp_angular *a, double c, double phi, double *out, double *p, double *cm, double *sm) {
  const int L = a->l_max;
  const double t = 1 - c * c;
  const double s = sqrt(t > 0 ? t : 0);
  double pmm = 1.0, c1, s1;
  int l, m;
#define AT(l, m) ((l) * ((l) + 1) / 2 + (m))
  for (m = 0; m <= L; m++) {
    if (m > 0) pmm *= (double)(2 * m - 1) * s;
    p[AT(m, m)] = pmm;
    if (m + 1 <= L) p[AT(m + 1, m)] = (double)(2 * m + 1) * c * pmm;
    for (l = m + 2; l <= L; l++) p[AT(l, m)] = ((double)(2 * l - 1) * c * p[AT(l - 1, m)] - (double)(l + m - 1) * p[AT(l - 2, m)]) / (double)(l - m);
  }
  c1 = cos(phi);
  s1 = sin(phi);
  cm[0] = 1;
  sm[0] = 0;
  for (m = 1; m <= L; m++) {
    cm[m] = cm[m - 1] * c1 - sm[m - 1] * s1;
    sm[m] = sm[m - 1] * c1 + cm[m - 1] * s1;
  }
  for (l = 0; l <= L; l++) {
    const int base = l * l;
    out[base] = a->norm[AT(l, 0)] * p[AT(l, 0)];
    for (m = 1; m <= l; m++) {
      const double v = a->norm[AT(l, m)] * p[AT(l, m)];
      out[base + 2 * m - 1] = v * cm[m];
      out[base + 2 * m] = v * sm[m];
    }
  }
#undef AT
}

/* dy/dt of the inverse transform at y, with its sign (inverseSlopeC signed). */
static double slope_signed(const amp_transform *t, double y) {
  switch (t->kind) {
    case TR_LOG: case TR_LOG_STANDARDIZE: return t->scale * y;
    case TR_ASINH: return t->scale * hypot(t->unit, y);
    default: return t->scale;
  }
}

/* TargetTransform.value (forwardTransformC). */
static double forward(const amp_transform *t, double y) {
  switch (t->kind) {
    case TR_LOG: case TR_LOG_STANDARDIZE: return (log(y) - t->shift) / t->scale;
    case TR_ASINH: return (asinh(y / t->unit) - t->shift) / t->scale;
    default: return (y - t->shift) / t->scale;
  }
}

double amp_angular_row(const amp_angular *a, const double *x, const double *o, double *scratch) {
  const size_t K = (size_t)a->decays, per = a->per, zn = a->zn;
  double *ang = scratch, *f = ang + 2 * K, *basis = f + K * per, *z = basis + a->k_size, *v = z + zn, *u = v + zn;
  double *p = u + 4 * K, *cm = p + (size_t)(a->l_max + 1) * (size_t)(a->l_max + 2) / 2, *sm = cm + a->l_max + 1;
  double pr = 0, mean = 0, raw = 0, q, y0, slope, ratio, yhat;
  size_t i, j, k, len;
  long ii;
  int aa;
  for (k = 0; k < K; k++) {
    double c = a->off[2 * k] + a->scale[2 * k] * x[a->idx[2 * k]];
    c = c > -1 ? c : -1;
    c = c < 1 ? c : 1;
    ang[2 * k] = c;
    ang[2 * k + 1] = a->off[2 * k + 1] + a->scale[2 * k + 1] * x[a->idx[2 * k + 1]];
    harmonics(a, ang[2 * k], ang[2 * k + 1], f + k * per, p, cm, sm);
    {
      const double cc = ang[2 * k], t = 1 - cc * cc, s = sqrt(t > 0 ? t : 0), phi = ang[2 * k + 1];
      u[4 * k] = 1;
      u[4 * k + 1] = s * cos(phi);
      u[4 * k + 2] = s * sin(phi);
      u[4 * k + 3] = cc;
    }
  }
  /* The tensor products built in place from the back, as ProductHarmonics and DecayTensor do. */
  basis[0] = 1;
  len = 1;
  for (k = 0; k < K; k++) {
    for (ii = (long)len - 1; ii >= 0; ii--) {
      const double b = basis[ii];
      for (aa = (int)per - 1; aa >= 0; aa--) basis[(size_t)ii * per + (size_t)aa] = b * f[k * per + (size_t)aa];
    }
    len *= per;
  }
  z[0] = 1;
  len = 1;
  for (k = 0; k < K; k++) {
    for (ii = (long)len - 1; ii >= 0; ii--) {
      const double b = z[ii];
      for (aa = 3; aa >= 0; aa--) z[(size_t)ii * 4 + (size_t)aa] = b * u[4 * k + (size_t)aa];
    }
    len *= 4;
  }
  for (j = 1; j < a->k_size; j++) pr += o[a->e_at + j - 1] * basis[j];
  pr *= a->beta;
  for (j = 0; j < zn; j++) v[j] = 0;
  for (i = 0; i < zn; i++) {
    const double zi = z[i];
    double row_sq = 0;
    for (j = 0; j < zn; j++) {
      const double lij = (i == j ? 1 : 0) + a->alpha * o[a->l_at + i * zn + j];
      v[j] += lij * zi;
      row_sq += lij * lij;
    }
    mean += a->weight[i] * row_sq;
  }
  for (j = 0; j < zn; j++) raw += v[j] * v[j];
  q = raw / mean;
  y0 = amp_inverse(&a->tr, o[0]);
  slope = slope_signed(&a->tr, y0);
  ratio = pr / q;
  yhat = y0 + slope * ratio;
  return forward(&a->tr, yhat);
}
