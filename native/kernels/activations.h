/* Activation functions and their derivatives over double arrays, vectorised.
 *
 * The same functions, case splits and derivative formulas as
 * src/kernels/activations.ts (the oracle), but evaluated differently where
 * speed demands it: libm-style scalar calls (Math.exp, erfc, ...) would cost
 * more than the matrix products for the layer widths ampfit uses (e.g.
 * 512x36), so this file has its own vector exp/expm1/log1p/erfc, with FMA in
 * the polynomials. Measured against exact values: exp, expm1 and log1p within
 * 1 ulp, erfc within 5 ulp (Cody's approximation itself); tests check native
 * against the reference to ~1e-14 relative.
 *
 * Activation codes are the indices of ACTIVATIONS in src/kernels/types.ts. */
#ifndef AMPFIT_ACTIVATIONS_H
#define AMPFIT_ACTIVATIONS_H

#include "simd.h"

enum {
  AF_ACT_LINEAR = 0,
  AF_ACT_RELU = 1,
  AF_ACT_LEAKY_RELU = 2,
  AF_ACT_ELU = 3,
  AF_ACT_SOFTPLUS = 4,
  AF_ACT_GELU = 5,
  AF_ACT_SILU = 6,
  AF_ACT_TANH = 7,
  AF_ACT_COUNT = 8
};

#define AF_LOG2E 0x1.71547652b82fep0
/* ln2 split so that k*LN2HI is exact for |k| < 2^20 (Cody-Waite reduction). */
#define AF_LN2HI 6.93147180369123816490e-01
#define AF_LN2LO 1.90821492927058770002e-10
#define AF_ROUND_SHIFT 0x1.8p52
#define AF_SQRT1_2 0.70710678118654752440
#define AF_INV_SQRT_2PI 0.3989422804014327

/* expm1(r) for |r| <= ~0.35 by its Taylor series to r^13 (truncation error
 * < 1e-17 relative). Written as r + r^2*q so the leading term is exact. */
AF_INLINE vd af_expm1_poly(vd r) {
  vd q = vset1(1.0 / 6227020800.0);
  q = vfma(q, r, vset1(1.0 / 479001600.0));
  q = vfma(q, r, vset1(1.0 / 39916800.0));
  q = vfma(q, r, vset1(1.0 / 3628800.0));
  q = vfma(q, r, vset1(1.0 / 362880.0));
  q = vfma(q, r, vset1(1.0 / 40320.0));
  q = vfma(q, r, vset1(1.0 / 5040.0));
  q = vfma(q, r, vset1(1.0 / 720.0));
  q = vfma(q, r, vset1(1.0 / 120.0));
  q = vfma(q, r, vset1(1.0 / 24.0));
  q = vfma(q, r, vset1(1.0 / 6.0));
  q = vfma(q, r, vset1(0.5));
  return vfma(r * r, q, r);
}

/* x = k*ln2 + r with k integral; kd is k as a double. Needs |x| < 2^50. */
AF_INLINE vd af_reduce(vd x, vd *kd, vl *k) {
  const vd shift = vset1(AF_ROUND_SHIFT);
  vd t = vfma(x, vset1(AF_LOG2E), shift);
  *kd = t - shift;
  *k = vasl(t) - vasl(shift);
  vd r = vfma(*kd, vset1(-AF_LN2HI), x);
  return vfma(*kd, vset1(-AF_LN2LO), r);
}

AF_INLINE vd af_exp(vd x) {
  /* Outside [-746, 710] exp is 0 or inf anyway; clamping keeps k in the range
   * where 2^k splits into two normal factors. Comparisons are false for NaN,
   * so NaN passes through and poisons the polynomial. */
  x = vsel(x > vset1(710.0), vset1(710.0), x);
  x = vsel(x < vset1(-746.0), vset1(-746.0), x);
  vd kd;
  vl k;
  vd r = af_reduce(x, &kd, &k);
  vd p = vset1(1.0) + af_expm1_poly(r);
  /* 2^k as two factors so that subnormal results are rounded only once. */
  vl k1 = k >> 1;
  vl k2 = k - k1;
  vd s1 = vasd((k1 + 1023) << 52);
  vd s2 = vasd((k2 + 1023) << 52);
  return (p * s1) * s2;
}

/* expm1(x) for x <= 0 (what elu and tanh need): 2^k*expm1(r) + (2^k - 1),
 * where 2^k - 1 is exact for k >= -52, so no cancellation near 0. */
AF_INLINE vd af_expm1_nonpos(vd x) {
  x = vsel(x < vset1(-60.0), vset1(-60.0), x);
  vd kd;
  vl k;
  vd r = af_reduce(x, &kd, &k);
  vd em = af_expm1_poly(r);
  vd s = vasd((k + 1023) << 52);
  return vfma(s, em, s - vset1(1.0));
}

/* log1p(e) for e in [0, 1] (softplus needs log1p(exp(-|z|))). fdlibm's
 * log1p scheme: log(1+f) = f - hfsq + s*(hfsq+R(s^2)), s = f/(2+f), with
 * f = e below sqrt(2)-1 (exact), else 1+e = 2(1+f) plus the rounding
 * correction c of 1+e. */
AF_INLINE vd af_log1p_unit(vd e) {
  const vd one = vset1(1.0), zero = vset1(0.0);
  vl small = e < vset1(0.41421356237309503);
  vd u = one + e;
  vd f = vsel(small, e, vfma(u, vset1(0.5), -one));
  vd c = vsel(small, zero, (e - (u - one)) / u);
  vd kd = vsel(small, zero, one);
  vd s = f / (vset1(2.0) + f);
  vd z = s * s;
  vd w = z * z;
  vd t1 = w * vfma(w, vfma(w, vset1(1.531383769920937332e-01), vset1(2.222219843214978396e-01)),
                   vset1(3.999999999940941908e-01));
  vd t2 = z * vfma(w, vfma(w, vfma(w, vset1(1.479819860511658591e-01), vset1(1.818357216161805012e-01)),
                           vset1(2.857142874366239149e-01)),
                   vset1(6.666666666666735130e-01));
  vd rr = t2 + t1;
  vd hfsq = vset1(0.5) * f * f;
  return vfma(kd, vset1(AF_LN2HI), -((hfsq - vfma(s, hfsq + rr, vfma(kd, vset1(AF_LN2LO), c))) - f));
}

/* W. J. Cody's erfc coefficients (CALERF), set once by the loader from
 * src/kernels/activations.ts (binding.c's setErfcCoefficients), so that they
 * live in one place: a[5], b[4] for |x| <= thresh, c[9], d[8] up to 4,
 * p[6], q[5] beyond, 1/sqrt(pi) and thresh, in that order. */
#define AF_CODY_COUNT (5 + 4 + 9 + 8 + 6 + 5 + 2)
typedef struct {
  double a[5], b[4], c[9], d[8], p[6], q[5], sqrpi, thresh;
} af_cody_t;
extern af_cody_t af_cody;

/* Cody's xnum = (xnum + c_i)*y loop as a Horner polynomial with its leading
 * coefficient `lead` first, fused into FMAs: lead·yⁿ + c[0]·yⁿ⁻¹ + … + c[n−1]. */
AF_INLINE vd af_horner(double lead, const double *c, int n, vd y) {
  vd r = vfma(vset1(lead), y, vset1(c[0]));
  for (int i = 1; i < n; i++) r = vfma(r, y, vset1(c[i]));
  return r;
}

/* The same with a leading coefficient 1: yⁿ + c[0]·yⁿ⁻¹ + … + c[n−1]. */
AF_INLINE vd af_horner_monic(const double *c, int n, vd y) {
  vd r = y + vset1(c[0]);
  for (int i = 1; i < n; i++) r = vfma(r, y, vset1(c[i]));
  return r;
}

/* erfc(x) by Cody's rational approximations, the intervals and coefficients
 * of erfc() in activations.ts; also returns gauss = exp(-x^2), which gelu'
 * needs too. Where Cody computes exp(-x^2) as exp(-t^2)*exp(-(x-t)(x+t)) to
 * keep the rounding of x^2 from being amplified, this splits x^2 = hi + lo
 * exactly and uses one exp: exp(-hi)*(1 - lo), |lo| <= ulp(hi)/2. Only
 * intervals present in the vector are evaluated. */
AF_INLINE vd af_erfc_gauss(vd x, vd *gauss) {
  const af_cody_t *k = &af_cody;
  const vd one = vset1(1.0);
  vd y = vabs(x);
  vl m1 = y <= vset1(k->thresh);
  vl m2 = (y > vset1(k->thresh)) & (y <= vset1(4.0));
  vl m3 = ~(m1 | m2); /* includes NaN */
  /* Beyond 30, erfc and exp(-x^2) underflow to 0 anyway; the clamp keeps
   * y*y finite so that its split stays exact. */
  vd yc = vsel(y > vset1(30.0), vset1(30.0), y);
  vd hi = yc * yc;
  vd lo = vprod_lo(yc, yc, hi);
  vd g = af_exp(-hi) * (one - lo);
  *gauss = g;
  vd r1 = vset1(0.0), r2 = r1, r3 = r1;
  if (vany(m1)) r1 = one - x * af_horner(k->a[4], k->a, 4, hi) / af_horner_monic(k->b, 4, hi);
  if (vany(m2)) r2 = af_horner(k->c[8], k->c, 8, yc) / af_horner_monic(k->d, 8, yc);
  if (vany(m3)) {
    vd ysq = one / hi;
    r3 = (vset1(k->sqrpi) - ysq * af_horner(k->p[5], k->p, 5, ysq) / af_horner_monic(k->q, 5, ysq)) / yc;
  }
  vd r23 = g * vsel(m2, r2, r3);
  r23 = vsel(x < vset1(0.0), vset1(2.0) - r23, r23);
  return vsel(m1, r1, r23);
}

AF_INLINE vd af_erfc(vd x) {
  vd g;
  return af_erfc_gauss(x, &g);
}

/* sigmoid(z) from e = exp(-|z|): 1/(1+e) or e/(1+e) by sign, never
 * overflowing; also 1 - sigmoid(z) = sigmoid(-z), computed directly. */
AF_INLINE vd af_sigmoid_pair(vd z, vd e, vd *one_minus) {
  vd r = vset1(1.0) / (vset1(1.0) + e);
  vd er = e * r;
  vl nonneg = z >= vset1(0.0);
  *one_minus = vsel(nonneg, er, r);
  return vsel(nonneg, r, er);
}

AF_INLINE vd af_act_vec(int act, double prm, vd z) {
  const vd zero = vset1(0.0), one = vset1(1.0);
  switch (act) {
    case AF_ACT_RELU:
      return vsel(z < zero, zero, z);
    case AF_ACT_LEAKY_RELU:
      return vsel(z > zero, z, vset1(prm) * z);
    case AF_ACT_ELU: {
      vl pos = z > zero;
      return vsel(pos, z, vset1(prm) * af_expm1_nonpos(vsel(pos, zero, z)));
    }
    case AF_ACT_SOFTPLUS:
      return vsel(z > zero, z, zero) + af_log1p_unit(af_exp(-vabs(z)));
    case AF_ACT_GELU:
      return vset1(0.5) * z * af_erfc(-z * vset1(AF_SQRT1_2));
    case AF_ACT_SILU: {
      vd sm;
      return z * af_sigmoid_pair(z, af_exp(-vabs(z)), &sm);
    }
    case AF_ACT_TANH: {
      vd em = af_expm1_nonpos(vset1(-2.0) * vabs(z));
      return vcopysign(-em / (vset1(2.0) + em), z);
    }
    default:
      (void)one;
      return z;
  }
}

/* act'(z); y = act(z) is available but every derivative is taken from z so
 * that it keeps full relative accuracy where it is tiny (e.g. tanh, elu). */
AF_INLINE vd af_dact_vec(int act, double prm, vd z) {
  const vd zero = vset1(0.0), one = vset1(1.0);
  switch (act) {
    case AF_ACT_RELU:
      return vsel(z > zero, one, zero);
    case AF_ACT_LEAKY_RELU:
      return vsel(z > zero, one, vset1(prm));
    case AF_ACT_ELU: {
      vl pos = z > zero;
      return vsel(pos, one, vset1(prm) * af_exp(vsel(pos, zero, z)));
    }
    case AF_ACT_SOFTPLUS: {
      vd sm;
      return af_sigmoid_pair(z, af_exp(-vabs(z)), &sm);
    }
    case AF_ACT_GELU: {
      /* Phi(z) + z*phi(z); exp(-u^2) with u = -z/sqrt(2) is sqrt(2 pi)*phi(z)
       * and comes with erfc(u) for free. */
      vd gauss;
      vd erfcu = af_erfc_gauss(-z * vset1(AF_SQRT1_2), &gauss);
      return vfma(z * vset1(AF_INV_SQRT_2PI), gauss, vset1(0.5) * erfcu);
    }
    case AF_ACT_SILU: {
      vd sm;
      vd s = af_sigmoid_pair(z, af_exp(-vabs(z)), &sm);
      return s * vfma(z, sm, one);
    }
    case AF_ACT_TANH: {
      /* 4e/(1+e)^2 with e = exp(-2|z|) */
      vd e = af_exp(vset1(-2.0) * vabs(z));
      vd r = one / (one + e);
      return (vset1(4.0) * e) * (r * r);
    }
    default:
      return one;
  }
}

/* y[i] = act(z[i]), i < n. y may equal z. */
static inline void af_act_forward(int act, double prm, const double *z, double *y, long n) {
  if (act == AF_ACT_LINEAR) {
    if (y != z) memmove(y, z, (size_t)n * sizeof(double));
    return;
  }
#define AF_FWD_LOOP(CODE)                                                   \
  case CODE: {                                                              \
    long i = 0;                                                             \
    for (; i + AF_VL <= n; i += AF_VL) vstore(y + i, af_act_vec(CODE, prm, vload(z + i))); \
    if (i < n) {                                                            \
      int r = (int)(n - i);                                                 \
      vstore_n(y + i, af_act_vec(CODE, prm, vload_n(z + i, r)), r);        \
    }                                                                       \
    return;                                                                 \
  }
  switch (act) {
    AF_FWD_LOOP(AF_ACT_RELU)
    AF_FWD_LOOP(AF_ACT_LEAKY_RELU)
    AF_FWD_LOOP(AF_ACT_ELU)
    AF_FWD_LOOP(AF_ACT_SOFTPLUS)
    AF_FWD_LOOP(AF_ACT_GELU)
    AF_FWD_LOOP(AF_ACT_SILU)
    AF_FWD_LOOP(AF_ACT_TANH)
    default:
      return;
  }
#undef AF_FWD_LOOP
}

/* dz[i] = dy[i] * act'(z[i]), i < n. dz may equal dy. */
static inline void af_act_backward(int act, double prm, const double *z, const double *dy,
                                   double *dz, long n) {
  if (act == AF_ACT_LINEAR) {
    if (dz != dy) memmove(dz, dy, (size_t)n * sizeof(double));
    return;
  }
#define AF_BWD_LOOP(CODE)                                                            \
  case CODE: {                                                                       \
    long i = 0;                                                                      \
    for (; i + AF_VL <= n; i += AF_VL)                                               \
      vstore(dz + i, vload(dy + i) * af_dact_vec(CODE, prm, vload(z + i)));          \
    if (i < n) {                                                                     \
      int r = (int)(n - i);                                                          \
      vstore_n(dz + i, vload_n(dy + i, r) * af_dact_vec(CODE, prm, vload_n(z + i, r)), r); \
    }                                                                                \
    return;                                                                          \
  }
  switch (act) {
    AF_BWD_LOOP(AF_ACT_RELU)
    AF_BWD_LOOP(AF_ACT_LEAKY_RELU)
    AF_BWD_LOOP(AF_ACT_ELU)
    AF_BWD_LOOP(AF_ACT_SOFTPLUS)
    AF_BWD_LOOP(AF_ACT_GELU)
    AF_BWD_LOOP(AF_ACT_SILU)
    AF_BWD_LOOP(AF_ACT_TANH)
    default:
      return;
  }
#undef AF_BWD_LOOP
}

#endif
