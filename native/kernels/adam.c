/* Adam update, one fused pass over p, g, m, v. The arithmetic is written in
 * exactly the order of src/kernels/adam.ts and uses only correctly rounded
 * operations (sqrt included), so both backends give the same bits. */
#include "adam.h"

#include <math.h>
#include <stdint.h>

/* beta^t by binary powering rather than pow(): libm's pow and V8's Math.pow
 * may differ in the last bit; the same multiplications in the same order in
 * adam.ts make the bias corrections identical across backends. */
static double powi(double base, double t) {
  double r = 1.0;
  uint64_t e = (uint64_t)t;
  while (e > 0) {
    if (e & 1u) r *= base;
    base *= base;
    e >>= 1;
  }
  return r;
}

void af_adam_coefs(double lr, double beta1, double beta2, double step, double *step_size,
                   double *sqrt_bc2) {
  *step_size = lr / (1.0 - powi(beta1, step));
  *sqrt_bc2 = sqrt(1.0 - powi(beta2, step));
}

void af_adam(double *restrict p, const double *restrict g, double *restrict m,
             double *restrict v, long n, double beta1, double beta2, double eps,
             double step_size, double sqrt_bc2) {
  const double omb1 = 1.0 - beta1, omb2 = 1.0 - beta2;
  for (long i = 0; i < n; i++) {
    double gi = g[i];
    double mi = beta1 * m[i] + omb1 * gi;
    double vi = beta2 * v[i] + omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - step_size * (mi / (sqrt(vi) / sqrt_bc2 + eps));
  }
}
